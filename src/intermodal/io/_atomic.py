"""Writing all or nothing: output is staged beside its target and moved into place only when complete.

A failure at any point (bad input found late, a full disk, an interrupt) removes the staged copy and any
parent folder made for it, so the target is either the complete new output or what it was before.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from intermodal.exceptions import InputError, Problem

#: a folder holding this file is a bundle written before, which a new one may replace
_BUNDLE_MARK = "manifest.toml"


def check_target(path: Path, *, folder: bool) -> None:
    """Refuse, before any work, an output ``path`` that cannot be written.

    A folder target must be missing, empty, or a bundle folder (holding ``manifest.toml``) to replace; a
    file target must be missing or a file. The nearest existing parent must be a writable folder.
    """
    want = "a new or empty folder, or a bundle folder to replace" if folder else "a file path to write"
    if path.exists():
        if folder and not path.is_dir():
            raise InputError(Problem("output is a file, not a folder", file=str(path), expected=want))
        if not folder and path.is_dir():
            raise InputError(Problem("output is a folder, not a file", file=str(path), expected=want))
        if folder and any(path.iterdir()) and not (path / _BUNDLE_MARK).is_file():
            raise InputError(
                Problem("output folder is not empty and holds no bundle", file=str(path), expected=want)
            )
    parent = _existing_parent(path)
    if not parent.is_dir():
        raise InputError(Problem("a parent of the output is a file", file=str(parent), expected="a folder"))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            Problem("cannot write here: permission denied", file=str(parent), expected="a writable folder")
        )


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to fill; on success it replaces ``target``, on failure it goes."""
    target = Path(os.path.abspath(target))  # "." and ".." get a name to stage beside
    check_target(target, folder=True)
    made = _make_parents(target)
    stage = _beside(target, "tmp")
    try:
        stage.mkdir()
    except OSError as err:
        _remove_parents(made)
        raise _write_error(target, err) from None
    try:
        yield stage
        old = None
        if target.exists():
            # a bundle folder to replace: set it aside first, so a failed move can put it back
            old = _beside(target, "old")
            target.replace(old)
        try:
            stage.replace(target)
        except OSError:
            if old is not None:
                old.replace(target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as err:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_parents(made)
        if isinstance(err, OSError):
            raise _write_error(target, err) from None
        raise


@contextmanager
def staged_file(target: Path) -> Iterator[Path]:
    """A path beside ``target`` to write a file at; on success it replaces ``target``, on failure it goes."""
    target = Path(os.path.abspath(target))  # "." and ".." get a name to stage beside
    check_target(target, folder=False)
    made = _make_parents(target)
    stage = _beside(target, "tmp")
    try:
        yield stage
        stage.replace(target)
    except BaseException as err:
        stage.unlink(missing_ok=True)
        _remove_parents(made)
        if isinstance(err, OSError):
            raise _write_error(target, err) from None
        raise


@contextmanager
def staged_files(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Paths to write several files at that belong together: if writing any of them fails, none replaces
    its target, so a reader never finds a new ``skim.omx`` beside an old ``skim.parquet``."""
    with ExitStack() as stack:
        yield [stack.enter_context(staged_file(target)) for target in targets]


def _beside(target: Path, kind: str) -> Path:
    """A hidden name beside ``target`` that nothing uses; made by the caller with the usual permissions."""
    while True:
        path = target.with_name(f".{target.name}.{secrets.token_hex(4)}.{kind}")
        if not path.exists():
            return path


def _existing_parent(path: Path) -> Path:
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    return parent


def _make_parents(target: Path) -> list[Path]:
    """Create the missing parents of ``target``, returning those made, deepest first."""
    made: list[Path] = []
    parent = target.absolute().parent
    while not parent.exists():
        made.append(parent)
        parent = parent.parent
    try:
        for folder in reversed(made):
            folder.mkdir()
    except OSError as err:
        _remove_parents(made)
        raise _write_error(target, err) from None
    return made


def _remove_parents(made: list[Path]) -> None:
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return  # not ours any more (something else wrote there), or already gone


def _write_error(target: Path, err: OSError) -> InputError:
    return InputError(
        Problem(
            f"cannot write the output: {err.strerror or err}",
            file=str(target),
            expected="a writable path with room to spare",
        )
    )

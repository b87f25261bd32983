"""Files the ledger writes (CSV exports, charts): into a folder that exists, never one made on a guess."""

from __future__ import annotations

import os
from pathlib import Path

from intermodal.exceptions import LedgerError, Problem


def output_file(path: str | os.PathLike[str], *, field: str) -> Path:
    """``path`` checked as a file to write: its folder must exist and it must not be a folder itself.

    A missing folder is most often a typo; making it silently would put the file somewhere the user does not
    look. Raises :class:`LedgerError` naming ``field``.
    """
    target = Path(path)
    shown = os.fspath(path)
    if target.is_dir():
        raise LedgerError(
            Problem("is a folder, not a file", field=field, found=shown, expected="a file path to write")
        )
    folder = target.parent
    if not folder.is_dir():
        raise LedgerError(
            Problem(
                "folder does not exist",
                field=field,
                found=shown,
                expected=f"a file in an existing folder: create {folder} first, or fix the path",
            )
        )
    return target


def write_problem(error: OSError, path: Path, *, field: str) -> LedgerError:
    """A write that the system refused (no permission, disk full), as a :class:`LedgerError`."""
    return LedgerError(
        Problem(
            f"cannot write the file ({error.strerror or error})",
            field=field,
            found=os.fspath(path),
            expected="a writable file",
        )
    )

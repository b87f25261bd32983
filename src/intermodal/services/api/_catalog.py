"""The scenarios a server knows: the embedded ones, and bundles uploaded through the API.

Uploaded bundles live as ``<bundles_dir>/<name>.zip``; each worker loads one again when its file changes, so
every uvicorn worker serves the same bundle soon after a replace.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from pathlib import Path

from intermodal.exceptions import BundleError, Problem
from intermodal.io import embedded_scenario, list_scenarios, load_bundle
from intermodal.model import Bundle

__all__ = ["NAME_PATTERN", "Catalog"]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: patches one scenario name may apply (``chongqing+2026+carbon-price-100``)
MAX_PATCHES = 8


class Catalog:
    """Scenario names to bundles; thread-safe, loading each uploaded bundle once per file version."""

    def __init__(self, bundles_dir: Path) -> None:
        self.bundles_dir = bundles_dir
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[float, Bundle]] = {}
        # the embedded scenarios ship with the package: listed once, not on every query
        self._embedded = frozenset(list_scenarios())

    def names(self) -> list[str]:
        """Every scenario name, embedded first."""
        uploaded = sorted(p.stem for p in self.bundles_dir.glob("*.zip")) if self.bundles_dir.is_dir() else []
        embedded = list_scenarios()
        return embedded + [n for n in uploaded if n not in embedded]

    def is_embedded(self, name: str) -> bool:
        return name in self._embedded

    def path_of(self, name: str) -> Path:
        return self.bundles_dir / f"{name}.zip"

    def get(self, name: str, *, field: str = "scenario") -> Bundle:
        """The bundle called ``name``.

        Raises
        ------
        BundleError
            No scenario has this name (never a path: a client must not make the server read its files).
        """
        if name in self._embedded:
            return embedded_scenario(name)
        if "+" in name:
            return self._patched(name, field)
        path = self.path_of(name)
        if not NAME_PATTERN.match(name) or not path.is_file():
            raise BundleError(
                Problem("no such scenario", field=field, found=name, expected=" | ".join(self.names()))
            )
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._loaded.get(name)
            if cached and cached[0] == mtime:
                return cached[1]
        bundle = load_bundle(path)
        with self._lock:
            self._loaded[name] = (mtime, bundle)
        return bundle

    def _patched(self, name: str, field: str) -> Bundle:
        """``BASE+PATCH+...``: an embedded scenario with patches it ships, applied in order."""
        base, *patches = name.split("+")
        if not (
            NAME_PATTERN.match(base)
            and self.is_embedded(base)
            and 0 < len(patches) <= MAX_PATCHES
            and all(NAME_PATTERN.match(p) for p in patches)
        ):
            raise BundleError(
                Problem(
                    "no such scenario",
                    field=field,
                    found=name[:200],
                    expected=f"{' | '.join(self.names())}, or an embedded scenario and its patches: "
                    f"SCENARIO+PATCH (at most {MAX_PATCHES})",
                )
            )
        try:
            return embedded_scenario(base, patches)
        except BundleError as err:
            # the client named the scenario, not the patch entry at fault: that stays in the message
            err.problems = [
                dataclasses.replace(
                    p,
                    field=field,
                    message=p.message if p.field in (None, "patch") else f"[{p.field}] {p.message}",
                )
                for p in err.problems
            ]
            raise

    def put(self, name: str, data: bytes) -> tuple[Bundle, bool]:
        """Validate the zipped bundle ``data`` and store it as ``name``; whether it replaced one.

        Raises
        ------
        BundleError
            The bundle has problems (all of them), or ``name`` is taken by an embedded scenario.
        """
        if self.is_embedded(name):
            raise BundleError(
                Problem(
                    "an embedded scenario cannot be replaced",
                    field="name",
                    found=name,
                    expected="another name",
                )
            )
        self.bundles_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.bundles_dir / f".{name}.{os.getpid()}.{threading.get_ident()}.zip.part"
        try:
            tmp.write_bytes(data)
            bundle = _validated(tmp)
            replaced = self.path_of(name).exists()
            # atomic: another worker never reads half a bundle
            os.replace(tmp, self.path_of(name))
        finally:
            tmp.unlink(missing_ok=True)
        with self._lock:
            self._loaded.pop(name, None)
        return bundle, replaced


def _validated(path: Path) -> Bundle:
    import zipfile

    if not zipfile.is_zipfile(path):
        raise BundleError(Problem("not a zip file", field="body", expected="a zipped bundle folder"))
    try:
        return load_bundle(path)
    except BundleError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        # a damaged archive is bad input, not a server error
        raise BundleError(Problem(f"unreadable bundle: {err}", field="body")) from err

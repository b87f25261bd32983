"""The scenarios that ship with intermodal, found by name, and bundles found by path."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from intermodal.exceptions import BundleError, Problem
from intermodal.io.bundle import load_bundle
from intermodal.model import Bundle

__all__ = ["DEFAULT_SCENARIO", "embedded_scenario", "list_scenarios", "load_scenario", "scenario_path"]

DEFAULT_SCENARIO = "chongqing"
_EMBEDDED = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def list_scenarios() -> list[str]:
    """Names of the embedded scenarios."""
    return sorted(p.name for p in _EMBEDDED.iterdir() if (p / "manifest.toml").is_file())


def scenario_path(name_or_path: str | Path) -> Path:
    """The folder or zip of an embedded scenario name, or the path given."""
    candidate = Path(name_or_path)
    try:
        if candidate.exists():
            return candidate
    except OSError as err:  # a name too long for the file system, a folder it may not enter
        raise BundleError(
            Problem(
                f"cannot open: {err.strerror or err}",
                field="scenario",
                found=_excerpt(str(name_or_path)),
                expected="a scenario name, or a readable bundle folder or zip",
            )
        ) from None
    embedded = _EMBEDDED / str(name_or_path)
    if (embedded / "manifest.toml").is_file():
        return embedded
    raise BundleError(
        Problem(
            "no such scenario",
            field="scenario",
            found=_excerpt(str(name_or_path)),
            expected=f"one of {', '.join(list_scenarios())}, or a bundle folder or zip",
        )
    )


def _excerpt(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO, patches: Sequence[str | Path] = ()) -> Bundle:
    """Load an embedded scenario by name, or a bundle by path (validated; see :func:`load_bundle`).

    ``patches`` (patch names of the scenario, or paths to patch files) are applied in order; see
    :func:`intermodal.io.patch.apply_patches` and docs/patches.md.
    """
    if patches:
        from intermodal.io.patch import apply_patches  # it needs this module: imported when used

        return apply_patches(name_or_path, list(patches))
    path = scenario_path(name_or_path)
    if path.is_relative_to(_EMBEDDED):
        return embedded_scenario(path.name)
    return load_bundle(path)


def embedded_scenario(name: str, patches: Sequence[str] = ()) -> Bundle:
    """The embedded scenario called ``name``, with patches it ships (by name) applied in order.

    Unlike :func:`load_scenario`, never a path: a folder of the same name in the working directory does
    not stand in for it, nor a patch file there. Each is loaded once per process (they never change while one
    runs; the patched ones as :func:`intermodal.io.patch.apply_patches` keeps them), so a server answers a
    query on an unpatched one without asking the file system.

    Raises
    ------
    BundleError
        No embedded scenario has this name, a patch is not one it ships, or a patch has problems (see
        :func:`load_scenario`).
    """
    if name not in _embedded_names():
        raise BundleError(
            Problem(
                "no such scenario",
                field="scenario",
                found=_excerpt(name),
                expected=f"one of {', '.join(list_scenarios())}",
            )
        )
    if patches:
        from intermodal.io.patch import NAME, apply_patches  # it needs this module: imported when used

        for patch in patches:
            if not NAME.match(patch):  # a path, which apply_patches would read
                raise BundleError(
                    Problem(
                        "no such patch",
                        field="patch",
                        found=_excerpt(patch),
                        expected=f"the name of a patch {name} ships",
                    )
                )
        return apply_patches(_EMBEDDED / name, list(patches))
    return _load_embedded(name)


@cache
def _embedded_names() -> frozenset[str]:
    return frozenset(list_scenarios())


@cache
def _load_embedded(name: str) -> Bundle:
    return load_bundle(_EMBEDDED / name)

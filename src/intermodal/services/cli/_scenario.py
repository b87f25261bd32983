"""The ``--scenario`` and ``--patch`` options every command that reads a network shares, and their loading.

A command takes ``patch: PatchOption = None`` beside its ``--scenario`` option and loads the bundle with
:func:`open_scenario`: so every such command applies patches the same way, and a new command gets
``--patch`` by using the same two lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from intermodal.model import Bundle

__all__ = ["PatchOption", "ScenarioOption", "open_scenario"]

ScenarioOption = Annotated[
    str, typer.Option("--scenario", help="An embedded scenario name, or a bundle folder or zip.")
]
PatchOption = Annotated[
    list[str] | None,
    typer.Option(
        "--patch",
        help="Apply a patch to the scenario: one it ships (intermodal scenario patches) or a patch .toml "
        "file; repeat to apply several, in order (docs/patches.md).",
    ),
]


def open_scenario(scenario: str, patches: Sequence[str] | None = None) -> Bundle:
    """The scenario with its patches applied, its problems naming ``--scenario`` and ``--patch``.

    Raises
    ------
    BundleError
        The scenario or a patch does not exist or does not load (the caller's ``user_errors`` shows it).
    """
    from intermodal.io import load_scenario
    from intermodal.services.cli.report import named_as

    with named_as({"scenario": "--scenario", "patch": "--patch"}):
        return load_scenario(scenario, list(patches or ()))

"""The ``intermodal`` command: a thin typer app over the library.

Each command group lives in its own module here and registers itself through ``register(app)``. Heavy imports
stay inside the commands so that ``intermodal --help`` answers at once.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="intermodal",
    help=(
        "Road-rail-water freight: find door-to-door routes by time, cost and CO2e, run the operations "
        "ledger, and serve the web app. Start with:  intermodal route --from nanpeng --to bangkok --teu 2"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

# One module per command group; each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES: list[str] = [
    "route",
    "plan",
    "demand",
    "quote",
    "emissions",
    "scenario",
    "compare",
    "ledger",
    "disruption",
    "report",
    "calibrate",
    "serve",
    "token",
    "gtfs",
    "world",
]

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    """Entry point of the ``intermodal`` script."""
    app()

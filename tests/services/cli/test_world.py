"""``intermodal world``: routes on the sea layer, and bad input answered with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

pytestmark = pytest.mark.world
runner = CliRunner()


def test_sea_route_as_geojson_avoiding_suez() -> None:
    args = [
        "world",
        "route",
        "--layer",
        "sea",
        "--from",
        "31.23,121.47",
        "--to",
        "51.95,4.14",
        "--format",
        "geojson",
    ]
    direct = runner.invoke(app, args)
    around = runner.invoke(app, [*args, "--avoid", "suez", "--avoid", "northwest"])
    assert direct.exit_code == 0 and around.exit_code == 0, direct.output + around.output
    a, b = json.loads(direct.stdout), json.loads(around.stdout)
    assert a["geometry"]["type"] == "LineString"
    assert b["properties"]["distance_km"] > a["properties"]["distance_km"] + 1000
    assert "OpenStreetMap" in a["properties"]["attribution"]
    assert (a["properties"]["avoid"], b["properties"]["avoid"]) == (["northwest"], ["northwest", "suez"])


@pytest.mark.parametrize(
    "extra",
    [
        ["--from", "31.23", "--to", "1,2"],
        ["--from", "1,2", "--to", "3,4", "--avoid", "hazmat"],
        ["--layer", "air"],
    ],
)
def test_bad_input_exits_2(extra: list[str]) -> None:
    base = {"--from": "31.23,121.47", "--to": "51.95,4.14", "--layer": "sea"}
    for k, v in zip(extra[::2], extra[1::2], strict=True):
        base[k] = v
    args = ["world", "route", *[x for kv in base.items() for x in kv]]
    if "--avoid" in extra:
        args += ["--avoid", "hazmat"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output

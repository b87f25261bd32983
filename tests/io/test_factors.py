"""A user's own factors override the defaults; bad factor files get clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import intermodal as im
from intermodal.io.factors import apply_factor_overrides

HEADER = "id,mode,unit,wtt,ttw,reefer_variant,measured,description,source\n"
READY = "2020-04-03T08:00+08:00"


def write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "my_factors.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_measured_factor_replaces_the_default(tmp_path: Path) -> None:
    bundle = im.load_scenario()
    path = write(
        tmp_path,
        'road_truck_container,road,g/t-km,11,36.5,,true,Carrier fuel data 2020,"Carrier X fuel records"\n',
    )
    mine = apply_factor_overrides(bundle, path)
    assert mine.factors["road_truck_container"].measured
    s = im.make_shipment(bundle, teu=2, ready=READY)
    before = im.find_routes(bundle, "nanpeng", "hanoi", s).options[0]
    after = im.find_routes(mine, "nanpeng", "hanoi", s).options[0]
    assert after.legs[0].emissions.wtw_kg == pytest.approx(before.legs[0].emissions.wtw_kg / 2)
    assert after.legs[0].emissions.measured and not before.legs[0].emissions.measured


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("road_truck_container,air,g/t-km,11,36,,true,x,Carrier X\n", "mode", "unknown mode"),
        ("road_truck_container,road,g/t-km,-11,36,,true,x,Carrier X\n", "wtt", "not valid"),
        ("road_truck_container,road,g/t-km,11,36,,true,x,\n", "source", "missing"),
        ("lorry,road,g/t-km,11,36,,true,x,Carrier X\n", "id", "no such factor"),
        ("road_truck_container,road,g/TEU-km,11,36,,true,x,Carrier X\n", "unit", "does not fit"),
    ],
)
def test_bad_factor_files_are_named(tmp_path: Path, row: str, field: str, words: str) -> None:
    with pytest.raises(im.FactorError) as err:
        apply_factor_overrides(im.load_scenario(), write(tmp_path, row))
    (problem,) = err.value.problems
    assert problem.file == "my_factors.csv" and problem.row == 2 and problem.field == field
    assert words in problem.message


def test_an_override_that_makes_reefer_variants_circle_is_named(tmp_path: Path) -> None:
    # the bundle's sea_container_average has this factor as its reefer variant: pointing back makes a circle
    row = "sea_container_average_reefer,sea,g/TEU-km,23,148,sea_container_average,true,x,Carrier X\n"
    with pytest.raises(im.FactorError) as err:
        apply_factor_overrides(im.load_scenario(), write(tmp_path, row))
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.field) == ("my_factors.csv", 2, "reefer_variant")
    assert (
        problem.found
        == "sea_container_average_reefer -> sea_container_average -> sea_container_average_reefer"
    )


def test_an_override_may_name_a_reefer_variant_the_bundle_has(tmp_path: Path) -> None:
    row = "sea_container_average,sea,g/TEU-km,11,70,sea_container_average_reefer,true,x,Carrier X\n"
    mine = apply_factor_overrides(im.load_scenario(), write(tmp_path, row))
    assert mine.factors["sea_container_average"].reefer_variant == "sea_container_average_reefer"


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,  # binary: not UTF-8
        b"\x89PNG\r\n\x1a\n" + bytes(1000),
        HEADER.encode() + b"road_truck_container,road,g/t-km,11," + b"9" * 200_000 + b",,true,x,y\n",
        HEADER.encode() + b'road_truck_container,road,g/t-km,11,36,,true,"x\n' * 3,
    ],
)
def test_binary_or_broken_factor_files_are_named_not_a_crash(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "my_factors.csv"
    path.write_bytes(content)
    with pytest.raises(im.FactorError) as err:
        apply_factor_overrides(im.load_scenario(), path)
    assert err.value.problems and all(p.file == "my_factors.csv" for p in err.value.problems)


def test_the_cli_exits_2_on_a_binary_factor_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from intermodal.services.cli import app

    path = tmp_path / "my_factors.csv"
    path.write_bytes(bytes(range(256)) * 40)
    args = ["route", "--from", "nanpeng", "--to", "hanoi", "--teu", "1", "--factors", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "my_factors.csv: not UTF-8 text" in result.stderr


def test_a_factor_path_the_file_system_refuses_is_named() -> None:
    with pytest.raises(im.FactorError, match="File name too long"):
        apply_factor_overrides(im.load_scenario(), "f" * 5000)

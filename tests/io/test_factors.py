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

"""Zones, demand (CSV, Parquet, OMX), choice parameters and mode shares; every bad cell is named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openmatrix as omx
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermodal.exceptions import InputError
from intermodal.io import load_bundle
from intermodal.io.demand import (
    CLASS_MODES,
    MAX_PARAMS_BYTES,
    read_choice_params,
    read_demand,
    read_mode_shares,
    read_zones,
)
from intermodal.model import Bundle
from intermodal.model.demand import Zone

MINI = Path(__file__).parent / "bundles" / "mini"
DEMO = Path(__file__).resolve().parents[2] / "src" / "intermodal" / "data" / "demand" / "chongqing"


@pytest.fixture(scope="module")
def mini() -> Bundle:
    return load_bundle(MINI)


ZONES = "id,name,terminal,lat,lon,source\n1,Hub,hub,,,a\n2,City,city,,,a\n3,Near,,29.1,106.1,x\n"


def _zones(tmp_path: Path, mini: Bundle, text: str = ZONES) -> list[Zone]:
    path = tmp_path / "zones.csv"
    path.write_text(text, encoding="utf-8")
    return read_zones(path, mini)


def _problems(err: pytest.ExceptionInfo[InputError]) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.file, p.row, p.field) for p in err.value.problems]


def test_zones_are_terminals_or_points(tmp_path: Path, mini: Bundle) -> None:
    zones = _zones(tmp_path, mini)
    assert [z.place for z in zones] == ["hub", "city", "29.1,106.1"]


def test_bad_zone_rows_are_named(tmp_path: Path, mini: Bundle) -> None:
    text = (
        "id,name,terminal,lat,lon,source\n"
        "0,Zero,hub,,,\n"  # id out of range
        "2,Both,hub,29,106,\n"  # terminal and point
        "3,Nowhere,atlantis,,,\n"  # unknown terminal
        "4,Half,,29,,\n"  # lat without lon
        "4,Again,city,,,\n"  # fine, but 4 was taken by the row before
        "5,Bad lat,,95,106,\n"
    )
    with pytest.raises(InputError) as err:
        _zones(tmp_path, mini, text)
    found = _problems(err)
    assert ("zones.csv", 2, "id") in found
    assert ("zones.csv", 3, "terminal") in found
    assert ("zones.csv", 4, "terminal") in found
    assert ("zones.csv", 5, "lon") in found
    assert ("zones.csv", 6, "id") in found
    assert ("zones.csv", 7, "lat") in found


def _demand_rows() -> list[dict[str, str]]:
    return [
        {"origin": "1", "destination": "2", "cargo": "general", "teu": "10", "period": "2020-04-06"},
        {"origin": "2", "destination": "1", "cargo": "dg:3", "tonnes": "43", "period": "2020-04-06"},
    ]


def test_demand_reads_the_same_from_csv_parquet_and_omx(tmp_path: Path, mini: Bundle) -> None:
    zones = _zones(tmp_path, mini)
    rows = _demand_rows()
    csv_path = tmp_path / "demand.csv"
    keys = ["origin", "destination", "cargo", "teu", "tonnes", "period"]
    csv_path.write_text(
        ",".join(keys) + "\n" + "".join(",".join(r.get(k, "") for k in keys) + "\n" for r in rows),
        encoding="utf-8",
    )
    from_csv = read_demand(csv_path, zones, mini)
    parquet_path = tmp_path / "demand.parquet"
    pl.DataFrame([{k: r.get(k) for k in keys} for r in rows]).write_parquet(parquet_path)
    from_parquet = read_demand(parquet_path, zones, mini)
    assert from_csv == from_parquet
    per_teu = mini.manifest.tonnes_per_teu
    assert from_csv[0].teu == 10 and from_csv[0].tonnes == pytest.approx(10 * per_teu)
    assert from_csv[1].teu == pytest.approx(43 / per_teu) and str(from_csv[1].cargo) == "dg:3"

    omx_path = tmp_path / "demand.omx"
    with omx.open_file(str(omx_path), "w") as f:
        general = np.zeros((3, 3))
        general[0, 1] = 10
        dg = np.zeros((3, 3))
        dg[1, 0] = 43
        f["general"] = general
        f["dg_3"] = dg
        f["dg_3"].attrs.units = "tonnes"
        f.create_mapping("zone", np.array([1, 2, 3], dtype=np.int32))
        f.root._v_attrs["period"] = "2020-04-06"
    from_omx = read_demand(omx_path, zones, mini)
    key = lambda c: (c.origin, c.destination, str(c.cargo))  # noqa: E731
    assert sorted(from_omx, key=key) == sorted(from_csv, key=key)


def test_bad_demand_cells_are_named(tmp_path: Path, mini: Bundle) -> None:
    zones = _zones(tmp_path, mini)
    path = tmp_path / "demand.csv"
    path.write_text(
        "origin,destination,cargo,teu,tonnes,period\n"
        "1,9,general,1,,2020-04-06\n"  # unknown zone
        "1,2,frozen,1,,2020-04-06\n"  # unknown cargo class
        "1,2,general,-1,,2020-04-06\n"  # negative
        "1,2,general,,,2020-04-06\n"  # neither teu nor tonnes
        "1,2,general,1,,1900-01-01\n"  # period out of range
        "1,2,general,1e30,,\n",  # beyond bounds
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_demand(path, zones, mini)
    found = _problems(err)
    for expected in [(2, "destination"), (3, "cargo"), (4, "teu"), (5, "teu"), (6, "period"), (7, "teu")]:
        assert ("demand.csv", *expected) in found, (expected, found)


def test_bad_omx_cells_are_named_by_matrix_and_zones(tmp_path: Path, mini: Bundle) -> None:
    zones = _zones(tmp_path, mini)
    path = tmp_path / "demand.omx"
    with omx.open_file(str(path), "w") as f:
        values = np.zeros((3, 3))
        values[0, 2] = np.nan
        values[2, 1] = -5
        f["general"] = values
        f["frozen"] = np.zeros((3, 3))
        f.create_mapping("zone", np.array([1, 2, 7], dtype=np.int32))
    with pytest.raises(InputError) as err:
        read_demand(path, zones, mini)
    fields = [p.field for p in err.value.problems]
    assert "mapping zone, position 2" in fields  # zone 7 is not in the zones file
    assert "matrix general, cell (1, 7)" in fields
    assert "matrix general, cell (7, 2)" in fields
    assert "matrix frozen" in fields


def test_a_file_that_is_not_omx_is_named(tmp_path: Path, mini: Bundle) -> None:
    zones = _zones(tmp_path, mini)
    path = tmp_path / "demand.omx"
    path.write_text("not hdf5", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_demand(path, zones, mini)
    assert err.value.problems[0].file == "demand.omx"


@pytest.mark.parametrize("content", [b"not hdf5", b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 8, b""])
def test_a_damaged_omx_file_is_one_line_not_the_hdf5_call_stack(
    tmp_path: Path, mini: Bundle, content: bytes
) -> None:
    path = tmp_path / "demand.omx"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_demand(path, _zones(tmp_path, mini), mini)
    [problem] = err.value.problems
    assert problem.file == "demand.omx" and problem.message.startswith("not an OMX file")
    assert "\n" not in problem.message and "H5F" not in problem.message


def test_a_compressed_omx_bomb_is_refused_from_its_shape_before_it_is_read(
    tmp_path: Path, mini: Bundle
) -> None:
    import tables

    from intermodal.io.demand import MAX_ZONES

    zones = _zones(tmp_path, mini)
    big = MAX_ZONES + 1
    path = tmp_path / "bomb.omx"
    with omx.open_file(str(path), "w") as f:
        # a few kB on disk, 200 MB as an array: never read
        f.create_matrix("general", shape=(big, big), atom=tables.Float64Atom(), filters=tables.Filters(9))
        f.create_mapping("zone", np.arange(1, big + 1, dtype=np.int32))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(InputError) as err:
        read_demand(path, zones, mini)
    assert [(p.message, p.field) for p in err.value.problems] == [("too many zones", "mapping zone")]

    with omx.open_file(str(path), "w") as f:
        f.create_matrix("general", shape=(3, 10**7), atom=tables.Float64Atom(), filters=tables.Filters(9))
        f.create_mapping("zone", np.array([1, 2, 3], dtype=np.int32))
    with pytest.raises(InputError) as err:
        read_demand(path, zones, mini)
    assert [(p.message, p.found) for p in err.value.problems] == [("wrong shape", "3 x 10000000")]


def test_a_parquet_file_of_too_many_rows_is_refused_from_its_footer(tmp_path: Path, mini: Bundle) -> None:
    from intermodal.io.demand import MAX_DEMAND_ROWS

    path = tmp_path / "demand.parquet"
    n = MAX_DEMAND_ROWS + 1
    pl.DataFrame({"origin": [1] * n, "destination": [2] * n, "teu": [1.0] * n}).write_parquet(path)
    with pytest.raises(InputError) as err:
        read_demand(path, _zones(tmp_path, mini), mini)
    assert [(p.message, p.found) for p in err.value.problems] == [("too many rows", f"{n:,}")]


def test_a_repeated_demand_cell_is_named_with_the_row_that_has_it(tmp_path: Path, mini: Bundle) -> None:
    path = tmp_path / "demand.csv"
    path.write_text(
        "origin,destination,cargo,teu,period\n1,2,general,1,2020-04-06\n1,2,reefer,1,2020-04-06\n"
        "2,1,general,1,2020-04-06\n1,2,general,4,2020-04-06\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_demand(path, _zones(tmp_path, mini), mini)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.message) == ("demand.csv", 5, "repeated cell")
    assert "row 2" in (problem.expected or "")


def test_choice_params_and_their_bad_keys(tmp_path: Path) -> None:
    params = read_choice_params(DEMO / "choice.toml")
    assert params.value_of_time > 0 and "value_of_time" in params.sources
    path = tmp_path / "choice.toml"
    path.write_text(
        "[choice]\nscale = -1\niterations = 2.5\nspeed = 3\n[choice.asc]\nroad = 'x'\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        read_choice_params(path)
    assert {p.field for p in err.value.problems} == {
        "choice.scale",
        "choice.iterations",
        "choice.speed",
        "choice.asc.road",
    }


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "not TOML: nested too deep"),
        ("[choice]\nscale = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n", "not TOML: nested too deep"),
        ("[choice]\n" + "# padding\n" * (MAX_PARAMS_BYTES // 10 + 1), "file too large"),
        ("\x00\xff", "not TOML"),
        ("", "no [choice] table"),
        ("[choice]\n[choice.asc]\nspaceship = 1\n", "unknown mode class"),
        ("[choice]\n[choice.asc]\nroad = nan\n", "value is not valid"),
        ("[choice]\n[choice.asc]\nrail = 1e308\n", "value is not valid"),
        ("[choice]\nasc = 3\n", "not a table"),
        ("[choice]\niterations = 1_000_000_000\n", "value is not valid"),
        ("[choice]\nscale = inf\n", "value is not valid"),
    ],
)
def test_hostile_choice_params_are_a_named_problem(tmp_path: Path, text: str, fault: str) -> None:
    path = tmp_path / "choice.toml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(InputError) as err:
        read_choice_params(path)
    assert err.value.problems[0].file == "choice.toml"
    assert err.value.problems[0].message.startswith(fault), err.value.problems


@given(
    st.lists(st.sampled_from([*CLASS_MODES, "road", "walk", "spaceship", "RAIL", ""]), min_size=1, max_size=4)
)
def test_mode_classes_are_road_alone_or_other_modes_in_one_order(parts: list[str]) -> None:
    from intermodal.io._tables import FieldError
    from intermodal.io.demand import _mode_class

    text = "+".join(parts)
    lowered = [p.lower() for p in parts]
    valid = lowered == ["road"] or (len(set(lowered)) == len(lowered) and set(lowered) <= set(CLASS_MODES))
    if not valid:
        with pytest.raises(FieldError):
            _mode_class(text)
        return
    got = _mode_class(text)
    # the same class whatever order the file gives its modes in, as planners.assignment.mode_class spells it
    assert got.split("+") == sorted(lowered, key=[*CLASS_MODES, "road"].index)


def test_mode_shares_name_an_unknown_or_repeated_mode_class(tmp_path: Path) -> None:
    path = tmp_path / "shares.csv"
    path.write_text("mode,share\nspaceship,1\nrail+sea,1\nsea+rail,2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_mode_shares(path)
    assert _problems(err) == [("shares.csv", 2, "mode"), ("shares.csv", 4, "mode")]


def test_mode_shares_are_fractions(tmp_path: Path) -> None:
    path = tmp_path / "shares.csv"
    path.write_text("mode,share\nroad,30\nrail+sea,10\n", encoding="utf-8")
    assert read_mode_shares(path) == {"road": 0.75, "rail+sea": 0.25}
    path.write_text("mode,share\nroad,0\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_mode_shares(path)


def test_the_demo_files_read_and_every_row_has_a_source() -> None:
    from intermodal.io import load_scenario

    bundle = load_scenario("chongqing")
    zones = read_zones(DEMO / "zones.csv", bundle)
    cells = read_demand(DEMO / "demand.csv", zones, bundle)
    # a week of the seed's 2020Q1 shuttle volume: 806 TEU over 13 weeks
    assert sum(c.teu for c in cells) == pytest.approx(806 / 13, abs=0.05)
    assert all(z.source for z in zones)
    for path in (DEMO / "demand.csv", DEMO / "zones.csv", DEMO / "observed_shares.csv"):
        frame = pl.read_csv(path)
        assert frame["source"].null_count() == 0 and all(frame["source"].str.len_chars() > 0)

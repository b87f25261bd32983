"""reliability.csv and the calibrated bundle: round trips, named problems, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.exceptions import BundleError, InputError
from intermodal.io import load_bundle, load_scenario
from intermodal.io.reliability import (
    PATCH_FILE,
    RELIABILITY_FILE,
    read_reliability,
    reliability_text,
    write_calibrated_bundle,
)
from intermodal.model import LoadFactor, Reliability, Spread
from intermodal.planners.reliability import timetable_hours

SOURCE = "measured: ledger 2019, n = 175"
MEASURED = Reliability(
    services={"shuttle-east": Spread(50.0, 0.12, 175, SOURCE, planned_h=45.0)},
    crossings={"youyiguan": Spread(13.65, 0.34, 618, "measured: ledger 2019, n = 618")},
    hubs={"nanpeng": Spread(6.04, 0.3, 1414, "measured: ledger 2019, n = 1414")},
    load_factors={"shuttle-east": LoadFactor(0.9, 175, SOURCE)},
    period="ledger 2019",
)


def test_the_table_reads_back_as_written(tmp_path: Path) -> None:
    (tmp_path / RELIABILITY_FILE).write_text(reliability_text(MEASURED), encoding="utf-8")
    back = read_reliability(tmp_path)  # the folder, or the file
    assert back == read_reliability(tmp_path / RELIABILITY_FILE)
    assert back.period == "ledger 2019"
    assert back.services["shuttle-east"] == MEASURED.services["shuttle-east"]
    assert back.crossings["youyiguan"].median_h == pytest.approx(13.65)
    assert back.load_factors == MEASURED.load_factors


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("service,shuttle-east,-4,0.1,45,,10,measured", "median_h", "a number more than 0 to 8784"),
        ("crossing,youyiguan,12,9,,,10,measured", "sigma", "a number from 0 to 5"),
        ("hub,nanpeng,6,0.3,,,1.5,measured", "n", None),
        (
            "service,shuttle-east,45,0.1,,,10,measured",
            "planned_h",
            "the service's timetable hours end to end",
        ),
        ("hub,Nan Peng,6,0.3,,,10,measured", "id", None),
        ("bridge,nanpeng,6,0.3,,,10,measured", "kind", "service | crossing | hub | load_factor"),
        ("hub,nanpeng,6,0.3,,,10,", "source", None),
        ("load_factor,shuttle-east,,,,7,10,measured", "load_factor", "a number from 0 to 2"),
    ],
)
def test_a_bad_row_is_named_by_file_row_and_column(
    tmp_path: Path, row: str, field: str, expected: str | None
) -> None:
    path = tmp_path / RELIABILITY_FILE
    header = reliability_text(Reliability()).strip()
    path.write_text(f"{header}\nhub,hanoi,4,0.3,,,10,measured\n{row}\n", encoding="utf-8")
    with pytest.raises(BundleError) as caught:
        read_reliability(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.field) == (str(path), 3, field)
    if expected is not None:
        assert problem.expected == expected


def test_not_a_table_or_missing_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(BundleError, match="not a reliability table"):
        read_reliability(tmp_path / "x.csv")
    with pytest.raises(BundleError, match="cannot read"):
        read_reliability(tmp_path / "nope.csv")


def test_the_calibrated_bundle_runs_the_measured_medians(tmp_path: Path) -> None:
    out = write_calibrated_bundle("chongqing", [], MEASURED, tmp_path / "cq", name="calibrated-2019")
    bundle = load_bundle(out)
    assert bundle.name == "chongqing+calibrated-2019"
    assert timetable_hours(bundle)["shuttle-east"] == pytest.approx(50.0, abs=0.01)
    assert bundle.crossings["youyiguan"].clearance_h == pytest.approx(13.65)
    assert bundle.terminals["nanpeng"].handling_h == pytest.approx(6.04)
    # every changed row says it was measured, and from how many
    services = (out / "services.csv").read_text(encoding="utf-8")
    east = next(line for line in services.splitlines() if line.startswith("shuttle-east,"))
    assert SOURCE in east
    assert "measured: ledger 2019, n = 618" in (out / "crossings.csv").read_text(encoding="utf-8")
    assert read_reliability(out) == read_reliability(out / RELIABILITY_FILE)
    assert (out / PATCH_FILE).is_file()
    # the rest of the network is the base's
    base = load_scenario("chongqing")
    assert timetable_hours(bundle)["shuttle-middle"] == timetable_hours(base)["shuttle-middle"]


def test_a_target_that_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError):
        write_calibrated_bundle("chongqing", [], MEASURED, taken)
    assert sorted(p.name for p in taken.iterdir()) == ["notes.txt"]

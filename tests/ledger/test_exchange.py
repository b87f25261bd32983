"""CSV import and export: round trips, and all-or-nothing imports whose errors name file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.exceptions import CapacityError, LedgerError, ShipmentError
from intermodal.ledger import (
    CHONGQING_SHUTTLE_LINES,
    Ledger,
    export_csv,
    import_csv,
    list_bookings,
    list_departures,
    list_events,
    load_demo,
    open_ledger,
    throughput_report,
    upsert_lines,
)
from intermodal.ledger.demo import QuarterTarget


def test_the_demo_exports_and_imports_back_to_the_same_report(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    # A small quarter keeps the row-by-row import quick; the calibrated one is tested in test_demo.py.
    load_demo(sqlite_ledger, targets={"2020Q1": QuarterTarget(40, 600, 16_000_000, "test")})
    counts = {
        table: export_csv(sqlite_ledger, table, tmp_path / f"{table}.csv")
        for table in ("departures", "bookings", "events")
    }
    with open_ledger(tmp_path / "copy.sqlite3") as copy:
        upsert_lines(copy, CHONGQING_SHUTTLE_LINES)
        for table, count in counts.items():
            assert import_csv(copy, table, tmp_path / f"{table}.csv", history=True) == count  # type: ignore[arg-type]
        assert (
            throughput_report(copy, "2020Q1").to_dict()
            == throughput_report(sqlite_ledger, "2020Q1").to_dict()
        )
        for table in counts:
            export_csv(copy, table, tmp_path / f"again-{table}.csv")  # type: ignore[arg-type]
            assert (tmp_path / f"again-{table}.csv").read_text() == (tmp_path / f"{table}.csv").read_text()


def test_bookings_imported_into_their_own_ledger_are_replays(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    load_demo(sqlite_ledger, targets={"2020Q1": QuarterTarget(40, 600, 16_000_000, "test")})
    n = export_csv(sqlite_ledger, "bookings", tmp_path / "bookings.csv")
    before = throughput_report(sqlite_ledger, "2020Q1").to_dict()
    # each row carries its booking's idempotency key and the same request: a retry, not a conflict
    assert import_csv(sqlite_ledger, "bookings", tmp_path / "bookings.csv", history=True) == n
    assert throughput_report(sqlite_ledger, "2020Q1").to_dict() == before


def test_an_import_with_bad_rows_writes_nothing_and_names_each_problem(
    ledger: Ledger, tmp_path: Path
) -> None:
    departures = tmp_path / "departures.csv"
    departures.write_text(
        "line,departs,capacity_teu\n"
        "shuttle-east,2020-04-01T09:00,2\n"
        "shuttle-moon,2020-04-01T09:00,2\n"
        "shuttle-west,not a time,2\n"
    )
    with pytest.raises(LedgerError) as caught:
        import_csv(ledger, "departures", departures)
    assert [(p.file, p.row) for p in caught.value.problems] == [("departures.csv", 2), ("departures.csv", 3)]
    assert list_departures(ledger) == []
    departures.write_text("line,departs,capacity_teu\nshuttle-east,2020-04-01T09:00,2\n")
    assert import_csv(ledger, "departures", departures) == 1
    bookings = tmp_path / "bookings.csv"
    bookings.write_text(
        "idempotency_key,departures,shipper,teu,tonnes,customs_status\n"
        "a,shuttle-east@2020-04-01T09:00+08:00,X,2,10,cleared\n"
        "b,shuttle-east@2020-04-01T09:00+08:00,X,1,1,bonded\n"
    )
    with pytest.raises(CapacityError) as over:
        import_csv(ledger, "bookings", bookings)
    assert over.value.problems[0].row == 2
    assert list_bookings(ledger) == []
    with pytest.raises(LedgerError, match="missing columns"):
        import_csv(ledger, "events", bookings)
    with pytest.raises(LedgerError, match="unknown table"):
        export_csv(ledger, "trucks", tmp_path / "x.csv")  # type: ignore[arg-type]


def test_an_export_into_a_missing_folder_is_an_error_and_makes_no_folder(
    sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    target = tmp_path / "typo" / "departures.csv"
    with pytest.raises(LedgerError, match="folder does not exist") as caught:
        export_csv(sqlite_ledger, "departures", target)
    assert caught.value.problems[0].field == "path"
    assert not target.parent.exists()
    with pytest.raises(LedgerError, match="is a folder"):
        export_csv(sqlite_ledger, "departures", tmp_path)


@pytest.mark.parametrize(
    ("table", "text", "field"),
    [
        ("departures", "line,departs,capacity_kg\nshuttle-east,2020-04-01T09:00,1e30\n", "capacity_kg"),
        ("departures", "line,departs,capacity_kg\nshuttle-east,2020-04-01T09:00,28000.5\n", "capacity_kg"),
        ("departures", "line,departs,capacity_kg\nshuttle-east,2020-04-01T09:00,lots\n", "capacity_kg"),
        ("departures", "line,departs\nshuttle-east,1900-04-01T09:00\n", "departs"),
        ("events", "kind,at,place,equipment_ref\ngate-in,2020-04-01T09:00,nowhere,CSQU3054383\n", "place"),
        (
            "events",
            "kind,at,place,equipment_ref\ngate-in,2020-04-01T09:00,nanpeng,NOTACONTAINER\n",
            "equipment_ref",
        ),
        ("events", "kind,at,place,equipment_ref\ngate-in,9999-12-31T23:59,nanpeng,CSQU3054383\n", "at"),
        ("events", f"kind,at,place,departure\ngate-in,2020-04-01T09:00,nanpeng,{'9' * 30}\n", "departure"),
    ],
)
def test_imported_rows_meet_the_same_bounds_as_written_ones(
    sqlite_ledger: Ledger, tmp_path: Path, table: str, text: str, field: str
) -> None:
    source = tmp_path / f"{table}.csv"
    source.write_text(text)
    with pytest.raises(LedgerError) as caught:
        import_csv(sqlite_ledger, table, source, places={"nanpeng"})  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.field) == (f"{table}.csv", 1, field)
    assert list_departures(sqlite_ledger) == [] and list_events(sqlite_ledger) == []


@pytest.mark.parametrize(
    "content", [b"line,departs\n\xff\xfeshuttle-east,2020\n", b'line,departs\n"' + b"x" * 200_000]
)
def test_a_file_that_is_not_utf8_csv_is_a_named_problem(
    sqlite_ledger: Ledger, tmp_path: Path, content: bytes
) -> None:
    source = tmp_path / "departures.csv"
    source.write_bytes(content)
    with pytest.raises(LedgerError, match="cannot read the file"):
        import_csv(sqlite_ledger, "departures", source)


def test_an_imported_booking_states_its_customs_status(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    departures = tmp_path / "departures.csv"
    departures.write_text("line,departs\nshuttle-east,2020-04-01T09:00\n")
    import_csv(sqlite_ledger, "departures", departures)
    bookings = tmp_path / "bookings.csv"
    bookings.write_text(
        "idempotency_key,departures,shipper,teu,tonnes\na,shuttle-east@2020-04-01T09:00+08:00,X,1,1\n"
    )
    with pytest.raises(LedgerError, match="missing columns"):
        import_csv(sqlite_ledger, "bookings", bookings)
    bookings.write_text(
        "idempotency_key,departures,shipper,teu,tonnes,customs_status\na,shuttle-east@2020-04-01T09:00+08:00,X,1,1,\n"
    )
    with pytest.raises(ShipmentError) as caught:
        import_csv(sqlite_ledger, "bookings", bookings)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "customs_status")]
    assert list_bookings(sqlite_ledger) == []

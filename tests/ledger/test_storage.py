"""Storage: where the ledger lives, WAL on SQLite, migrations that match the code, UTC timestamps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, column, inspect, select, table
from sqlalchemy.exc import StatementError

from intermodal.exceptions import LedgerError
from intermodal.ledger import ENV_URL, Ledger, create_departure, list_lines, open_ledger, resolve_url
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import downgrade, migrate, schema_revision


def test_the_default_ledger_is_sqlite_in_the_users_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    url = resolve_url(None)
    assert url.startswith("sqlite:///") and url.endswith("ledger.sqlite3")
    assert str(tmp_path) in url


def test_urls_paths_and_the_environment_resolve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv(ENV_URL, "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    with pytest.raises(LedgerError, match="unsupported"):
        open_ledger("mysql://u@h/db")


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "wal.sqlite3") as ledger, ledger.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_create_exactly_the_schema_the_code_uses(ledger: Ledger) -> None:
    assert schema_revision(ledger) == "0007"
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, s.metadata)
    assert differences == []
    migrate(ledger)  # a second run is a no-op
    assert schema_revision(ledger) == "0007"


def test_migrations_go_down_and_up_again(ledger: Ledger) -> None:
    downgrade(ledger, revision="base")
    assert "bookings" not in inspect(ledger.engine).get_table_names()
    migrate(ledger)
    assert {"lines", "departures", "bookings", "booking_legs", "events"} <= set(
        inspect(ledger.engine).get_table_names()
    )


def test_times_are_stored_in_utc_and_shown_in_the_terminals_zone(ledger: Ledger) -> None:
    bangkok_time = dt.datetime(2020, 4, 3, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    departure = create_departure(ledger, "shuttle-middle", bangkok_time)
    assert departure.departs_at == dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)
    assert departure.departs_local.isoformat() == "2020-04-03T09:00:00+08:00"
    assert departure.ref == "shuttle-middle@2020-04-03T09:00+08:00"
    with ledger.reading() as connection:
        stored = connection.execute(
            # The raw column, without the UTC-aware type on top.
            select(column("departs_at", DateTime)).select_from(table("departures"))
        ).scalar_one()
    assert stored.replace(tzinfo=None) == dt.datetime(2020, 4, 3, 1, 0)


def test_a_naive_datetime_is_never_guessed(ledger: Ledger) -> None:
    with pytest.raises(StatementError, match="aware"), ledger.engine.begin() as connection:
        connection.execute(
            s.lines.insert().values(
                id="x", name_en="x", capacity_teu=2, capacity_kg=1, zone="UTC", commercial_line="x"
            )
        )
        connection.execute(
            s.departures.insert().values(
                ref="x@1",
                line_id="x",
                service_date=dt.date(2020, 1, 1),
                departs_at=dt.datetime(2020, 1, 1),
                zone="UTC",
                capacity_teu=2,
                capacity_kg=1,
                created_at=dt.datetime.now(dt.UTC),
            )
        )


def test_upgrading_from_0001_keeps_the_data(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path / "old.sqlite3", migrate_schema=False)
    migrate(ledger, revision="0001")
    with ledger.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO lines (id, name_en, name_zh, capacity_teu, capacity_kg, zone) "
            "VALUES ('shuttle-east', 'East', '东线', 2, 28000, 'Asia/Shanghai')"
        )
    migrate(ledger)
    assert schema_revision(ledger) == "0007"
    (line,) = list_lines(ledger)
    assert (line.id, line.name_zh, line.commercial_line) == ("shuttle-east", "东线", "shuttle-east")
    ledger.dispose()


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("mysql://u@h/db", "unsupported ledger database URL"),
        ("http://example.com/ledger", "unsupported ledger database URL"),
        ("notaurl://x", "unsupported ledger database URL"),
        ("postgresql:/u@h/db", "no '//' after the scheme"),
        ("sqlite:ledger.db", "no '//' after the scheme"),
        ("postgresql://u@h", "names no database"),
        ("", "no ledger database given"),
    ],
)
def test_a_value_that_is_no_supported_url_is_an_error_naming_the_field(db: str, message: str) -> None:
    with pytest.raises(LedgerError, match=message) as caught:
        resolve_url(db, field="--db")
    [problem] = caught.value.problems
    assert problem.field == "--db" and problem.found is not None and problem.expected


def test_a_password_is_never_shown_in_an_error() -> None:
    with pytest.raises(LedgerError) as caught:
        resolve_url("postgresql:/u:s3cret@h/db")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(LedgerError) as caught:
        resolve_url("postgresql://u:s3cret@h")
    assert "s3cret" not in str(caught.value)


def test_supported_urls_and_plain_paths_resolve(tmp_path: Path) -> None:
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite://") == "sqlite://"
    assert resolve_url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert resolve_url("SQLite:///:memory:") == "sqlite:///:memory:"
    assert resolve_url(f"sqlite:///{tmp_path}/a.db") == f"sqlite:///{tmp_path}/a.db"
    # a plain name is a SQLite file in the current folder; a drive-letter-like "C:" is not a scheme
    assert resolve_url("ledger.sqlite3").endswith("/ledger.sqlite3")


@pytest.mark.parametrize("form", ["path", "url"])
def test_a_sqlite_file_in_a_missing_folder_is_an_error_and_nothing_is_made(tmp_path: Path, form: str) -> None:
    target = tmp_path / "no-such-folder" / "ledger.sqlite3"
    db = str(target) if form == "path" else f"sqlite:///{target}"
    with pytest.raises(LedgerError, match="folder does not exist") as caught:
        open_ledger(db, field="--db")
    assert caught.value.problems[0].field == "--db"
    assert not target.parent.exists()


def test_a_folder_or_a_file_that_is_no_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="is a folder"):
        open_ledger(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="not a SQLite database") as caught:
        open_ledger(text)
    assert caught.value.problems[0].field == "db"
    assert text.read_text(encoding="utf-8") == "not a database\n"  # left as it was


def test_a_bad_value_in_the_environment_is_named_after_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_URL, str(tmp_path / "missing" / "ledger.sqlite3"))
    with pytest.raises(LedgerError, match="folder does not exist") as caught:
        open_ledger()
    assert caught.value.problems[0].field == ENV_URL
    monkeypatch.setenv(ENV_URL, "notaurl://x")
    with pytest.raises(LedgerError) as caught:
        resolve_url(None)
    assert caught.value.problems[0].field == ENV_URL

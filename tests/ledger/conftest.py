"""Ledgers to test against: a SQLite file per test, and a fresh PostgreSQL database per test when
``INTERMODAL_TEST_PG_URL`` names a server (CI always sets it; .ci/run starts the server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from intermodal.ledger import CHONGQING_SHUTTLE_LINES, Ledger, open_ledger, upsert_lines

PG_ENV = "INTERMODAL_TEST_PG_URL"


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set, so there is no PostgreSQL to test against (CI sets it)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database made for this test alone, dropped after it."""
    base = _pg_base_url()
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty ledger database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """An open, migrated ledger with the six Chongqing shuttle lines, on each backend."""
    opened = open_ledger(ledger_url)
    upsert_lines(opened, CHONGQING_SHUTTLE_LINES)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Ledger]:
    """An open SQLite ledger with the shuttle lines, for tests whose subject is not the backend."""
    opened = open_ledger(tmp_path / "ledger.sqlite3")
    upsert_lines(opened, CHONGQING_SHUTTLE_LINES)
    try:
        yield opened
    finally:
        opened.dispose()

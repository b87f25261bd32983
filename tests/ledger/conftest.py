"""Ledgers to test against: a SQLite file per test, and a fresh PostgreSQL database per test when
``INTERMODAL_TEST_PG_URL`` names a server (CI always sets it; .ci/run starts the server).

Each backend is migrated once per session into a template, which every test then copies; the migrations
themselves are tested in test_storage.py.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from intermodal.ledger import CHONGQING_SHUTTLE_LINES, Ledger, open_ledger, upsert_lines

PG_ENV = "INTERMODAL_TEST_PG_URL"


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set, so there is no PostgreSQL to test against (CI sets it)")
    return url


def _database_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[tuple[str, Engine, str]]:
    """The server's URL, an autocommit engine on it, and a migrated template database made for this run."""
    base = _pg_base_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    template = f"ledger_tmpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{template}"')
    open_ledger(_database_url(base, template)).dispose()
    try:
        yield base, admin, template
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def pg_url(pg_admin: tuple[str, Engine, str]) -> Iterator[str]:
    """A migrated PostgreSQL database made for this test alone, dropped after it."""
    base, admin, template = pg_admin
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _database_url(base, name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledger.sqlite3"
    open_ledger(path).dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty, migrated ledger database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """An open ledger with the six Chongqing shuttle lines, on each backend."""
    opened = open_ledger(ledger_url)
    upsert_lines(opened, CHONGQING_SHUTTLE_LINES)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def sqlite_ledger(tmp_path: Path, sqlite_template: Path) -> Iterator[Ledger]:
    """An open SQLite ledger with the shuttle lines, for tests whose subject is not the backend."""
    path = tmp_path / "ledger.sqlite3"
    shutil.copyfile(sqlite_template, path)
    opened = open_ledger(path)
    upsert_lines(opened, CHONGQING_SHUTTLE_LINES)
    try:
        yield opened
    finally:
        opened.dispose()

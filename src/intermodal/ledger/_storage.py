"""Where the ledger lives and how it is opened: URL resolution, engines, migrations and write transactions.

SQLite (the default) runs in WAL mode with ``BEGIN IMMEDIATE`` write transactions: a writer takes the
database's write lock before it reads the capacity it is about to check, so two processes can never both see
the last free slot. PostgreSQL locks the departure rows (``SELECT ... FOR UPDATE``) in id order instead. On
both, CHECK constraints refuse an overbooked departure even if the code above them were wrong.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from intermodal.exceptions import LedgerError, Problem

__all__ = ["ENV_URL", "Ledger", "default_url", "open_ledger", "resolve_url"]

#: The environment variable that names the ledger database when ``--db`` is not given.
ENV_URL = "INTERMODAL_LEDGER_URL"

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_T = TypeVar("_T")


def default_url() -> str:
    """The default ledger: a SQLite file in the user's data directory (created on first use)."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("intermodal", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'ledger.sqlite3'}"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn what a user gave into a SQLAlchemy URL.

    Parameters
    ----------
    db
        A URL (``postgresql://user@host/db``, ``sqlite:///path``), a path to a SQLite file, or ``None`` for
        :data:`ENV_URL` if set, else :func:`default_url`.

    Returns
    -------
    str
        The URL, with ``postgresql://`` pointed at the psycopg 3 driver that intermodal installs.
    """
    if db is None:
        db = os.environ.get(ENV_URL) or default_url()
    value = os.fspath(db)
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling issues a deferred BEGIN late; take control of it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL fsyncs the WAL at each commit: a committed booking survives power loss, not only kill -9.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Reads take a snapshot without blocking writers (WAL); writes take the write lock up front.
        if connection.get_execution_options().get("ledger_read"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _is_transient(error: DBAPIError) -> bool:
    """A lock timeout, deadlock or serialization failure: the whole transaction may simply be run again."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in {"40001", "40P01", "55P03"}:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


class Ledger:
    """An open ledger database.

    Create one with :func:`open_ledger`; pass it to the ledger functions (:func:`~intermodal.ledger.book`,
    :func:`~intermodal.ledger.throughput_report`, ...). It is safe to share between threads; each process
    opens its own.

    Parameters
    ----------
    engine
        The SQLAlchemy engine.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads: one consistent snapshot, never blocking a writer."""
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                # A report runs several queries; they must all see the same committed state.
                connection.execution_options(isolation_level="REPEATABLE READ")
            connection.execution_options(ledger_read=True)
            yield connection

    def write(self, work: Callable[[Connection], _T], *, attempts: int = 8) -> _T:
        """Run ``work`` in one write transaction, again from the start on a transient lock failure.

        ``work`` must do all its reads and writes on the connection it is given and have no other side effect,
        since it may run more than once. Either everything it wrote is committed, or nothing is.
        """
        for attempt in range(attempts):
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except OperationalError as error:
                if attempt == attempts - 1 or not _is_transient(error):
                    raise
            except DBAPIError as error:
                if attempt == attempts - 1 or not _is_transient(error):
                    raise
            time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(ledger: Ledger, *, revision: str = "head") -> None:
    """Bring the ledger's schema up to ``revision`` (all migrations by default). Safe to run concurrently."""
    from alembic import command

    with ledger.engine.begin() as connection:
        if ledger.dialect == "postgresql":
            # Two processes opening a fresh database at once must not both create the tables.
            connection.execute(text("SELECT pg_advisory_xact_lock(7207310)"))
        command.upgrade(_alembic_config(connection), revision)


def downgrade(ledger: Ledger, *, revision: str) -> None:
    """Take the ledger's schema back to ``revision`` (``base`` drops every ledger table, and its data)."""
    from alembic import command

    with ledger.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def schema_revision(ledger: Ledger) -> str | None:
    """The schema revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with ledger.reading() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_ledger(db: str | os.PathLike[str] | None = None, *, migrate_schema: bool = True) -> Ledger:
    """Open (and, the first time, create) a ledger.

    Parameters
    ----------
    db
        A database URL or SQLite path; ``None`` for the ``INTERMODAL_LEDGER_URL`` environment variable, else a
        SQLite file in the user's data directory. ``postgresql://...`` uses PostgreSQL.
    migrate_schema
        Apply any pending migrations (the default).

    Returns
    -------
    Ledger
        The open ledger.

    Raises
    ------
    LedgerError
        The URL names a backend the ledger does not support, or the database cannot be reached.
    """
    url = resolve_url(db)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise LedgerError(
            Problem("unsupported ledger database", field="db", found=backend, expected="sqlite or postgresql")
        )
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # One connection per checkout: each process (and each thread) gets its own SQLite handle.
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    ledger = Ledger(engine)
    if migrate_schema:
        try:
            migrate(ledger)
        except OperationalError as error:
            ledger.dispose()
            raise LedgerError(
                Problem(
                    "cannot open the ledger database", field="db", found=ledger.url, expected=str(error.orig)
                )
            ) from None
    return ledger

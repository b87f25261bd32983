"""Where the ledger lives and how it is opened: URL resolution, engines, migrations and write transactions.

SQLite (the default) runs in WAL mode with ``BEGIN IMMEDIATE`` write transactions: a writer takes the
database's write lock before it reads the capacity it is about to check, so two processes can never both see
the last free slot. PostgreSQL locks the departure rows (``SELECT ... FOR UPDATE``) in id order instead. On
both, CHECK constraints refuse an overbooked departure even if the code above them were wrong.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.pool import NullPool, QueuePool

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


#: the URL schemes the ledger accepts, and the SQLAlchemy driver each one means
_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
_EXPECTED = "a SQLite file path, sqlite:///path/to/file, or postgresql://user@host/db"
#: text before a first ":" that makes a value look like a URL (two letters or more: not a drive letter)
_SCHEME_LIKE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def _shown(value: str) -> str:
    """``value`` with any password (``user:secret@host``) hidden, for an error message."""
    return re.sub(r"(?<=:)[^:@/]+(?=@)", "***", value)


def _bad(message: str, field: str, found: str, expected: str = _EXPECTED) -> LedgerError:
    return LedgerError(Problem(message, field=field, found=found, expected=expected))


def _sqlite_file(path: Path, field: str, shown: str) -> Path:
    """``path`` as an absolute SQLite file path; its folder must exist and it must not be a folder itself."""
    path = path.expanduser().resolve()
    if path.is_dir():
        raise _bad("is a folder, not a SQLite file", field, shown, "a file path, e.g. ledger.sqlite3")
    if not path.parent.is_dir():
        raise _bad(
            "folder does not exist",
            field,
            shown,
            f"a file in an existing folder: create {path.parent} first, or fix the path",
        )
    return path


def _check_existing_ledger(path: Path, field: str) -> None:
    """For a command that only reads: ``path`` must already be a ledger, and it is not touched to find out.

    Opening a ledger applies migrations, which would write a ledger's tables into any SQLite file.
    """
    made_by = "a ledger file (`intermodal ledger init` or `intermodal demo-data` makes one)"
    if not path.exists():
        raise _bad("no ledger at this path", field, str(path), made_by)
    try:
        with closing(sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)) as con:
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise _bad(f"not a SQLite database ({error})", field, str(path), made_by) from None
    if "alembic_version" not in tables:
        raise _bad("not a ledger: it has no ledger tables", field, str(path), made_by)


def resolve_url(db: str | os.PathLike[str] | None = None, *, field: str = "db") -> str:
    """Turn what a user gave into a SQLAlchemy URL.

    The rules: a value with ``://`` must be a ``sqlite://`` or ``postgresql://`` URL (``postgres://`` and
    ``postgresql+psycopg://`` too); any other scheme, or a ``scheme:`` without ``//``, is an error. Anything
    else is the path of a SQLite file, made on first use; its folder must already exist, so a typo in a
    folder name is an error rather than a new, empty ledger somewhere unexpected.

    Parameters
    ----------
    db
        A URL (``postgresql://user@host/db``, ``sqlite:///path``), a path to a SQLite file, or ``None`` for
        :data:`ENV_URL` if set, else :func:`default_url`.
    field
        What the caller calls this value (``db``, ``--db``), named in errors. A value from :data:`ENV_URL`
        is named after that variable.

    Returns
    -------
    str
        The URL, with ``postgresql://`` pointed at the psycopg 3 driver that intermodal installs.

    Raises
    ------
    LedgerError
        An unsupported or malformed URL, or a SQLite path whose folder does not exist.
    """
    if db is None:
        from_env = os.environ.get(ENV_URL)
        if not from_env:
            return default_url()
        db, field = from_env, ENV_URL
    value = os.fspath(db)
    if not value.strip():
        raise _bad("no ledger database given", field, value)
    if "://" not in value:
        if match := _SCHEME_LIKE.match(value):
            raise _bad(
                "looks like a URL but has no '//' after the scheme",
                field,
                _shown(value),
                f"{match.group(1)}://... for a URL, or ./NAME for a SQLite file whose name has a colon",
            )
        return f"sqlite:///{_sqlite_file(Path(value), field, value)}"
    scheme = value.split("://", 1)[0]
    driver = _SCHEMES.get(scheme.lower())
    if driver is None:
        raise _bad("unsupported ledger database URL", field, f"{scheme}://...")
    url = f"{driver}://{value.split('://', 1)[1]}"  # the scheme in the form SQLAlchemy knows
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise _bad("not a valid database URL", field, f"{scheme}://...") from None
    if driver.startswith("sqlite"):
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _sqlite_file(Path(database), field, value)
    elif not parsed.database:
        raise _bad(
            "PostgreSQL URL names no database", field, parsed.render_as_string(), "postgresql://user@host/db"
        )
    return url


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


def _fork_safe(engine: Engine) -> None:
    """Never hand a process a pooled connection that another process opened.

    A SQLite handle carried across ``fork`` shares the parent's file locks and may corrupt the database; the
    child drops it (without closing the parent's) and opens its own (SQLAlchemy's recipe for pools and fork).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info["pid"] != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("a connection opened by another process")


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
        The SQLAlchemy engine: writes, and reads unless ``read_engine`` is given.
    read_engine
        The engine :meth:`reading` uses (SQLite: a pool of read connections beside the writers' own).
    """

    def __init__(self, engine: Engine, *, read_engine: Engine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

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
        with self.read_engine.connect() as connection:
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
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

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


def open_ledger(
    db: str | os.PathLike[str] | None = None,
    *,
    migrate_schema: bool = True,
    field: str = "db",
    create: bool = True,
) -> Ledger:
    """Open (and, the first time, create) a ledger.

    Parameters
    ----------
    db
        A database URL or SQLite path (see :func:`resolve_url` for the rules); ``None`` for the
        ``INTERMODAL_LEDGER_URL`` environment variable, else a SQLite file in the user's data directory.
        ``postgresql://...`` uses PostgreSQL.
    migrate_schema
        Apply any pending migrations (the default).
    field
        What the caller calls ``db`` (``--db`` on the command line), named in errors.
    create
        Make a new SQLite ledger file when there is none. A command that only reads passes ``False``, so
        a mistyped file name is an error rather than an empty report.

    Returns
    -------
    Ledger
        The open ledger.

    Raises
    ------
    LedgerError
        The URL names a backend the ledger does not support, a SQLite file's folder does not exist, the file
        is not a ledger database, or the database cannot be reached.
    """
    url = resolve_url(db, field=field)
    if db is None and os.environ.get(ENV_URL):
        field = ENV_URL
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:  # pragma: no cover - resolve_url admits only these
        raise _bad("unsupported ledger database URL", field, backend)
    database = parsed.database or ":memory:"
    if backend == "sqlite" and not create and database != ":memory:":
        _check_existing_ledger(Path(database), field)
    read_engine = None
    if backend == "sqlite":
        # Writers: one connection per transaction, opened and closed by the process (and thread) that runs it.
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        # Readers: a pool, since opening a connection (and its pragmas) cost as much as a live route query's
        # read. A reader only ever takes WAL snapshots: it takes no lock a writer waits for, and its snapshot
        # ends when it goes back to the pool (rolled back). A pooled handle is used by one thread at a time
        # (hence check_same_thread off) and never by a process that did not open it.
        read_engine = create_engine(
            url, poolclass=QueuePool, connect_args={"timeout": 60, "check_same_thread": False}
        )
        _configure_sqlite(read_engine)
        _fork_safe(read_engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    ledger = Ledger(engine, read_engine=read_engine)
    if migrate_schema:
        try:
            migrate(ledger)
        except OperationalError as error:
            ledger.dispose()
            raise LedgerError(
                Problem(
                    "cannot open the ledger database", field=field, found=ledger.url, expected=str(error.orig)
                )
            ) from None
        except DBAPIError as error:
            ledger.dispose()
            if backend == "sqlite":  # "file is not a database": some other file, not a ledger
                raise _bad(
                    f"not a SQLite database ({error.orig})",
                    field,
                    ledger.url,
                    "a ledger file, or the name of a new file to create",
                ) from None
            raise
    return ledger

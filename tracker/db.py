"""The database: engine, sessions, and the declarative base every model shares.

A statement that runs on every request, or several times a page, is built once, as a module's
constant with bind parameters (`bindparam("ids", expanding=True)` for a list): building a
statement and working out its cache key cost more than running it on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, String, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from tracker import config

# Stable constraint names, so Alembic can alter and drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every id column is a plain `Mapped[int]`: INTEGER, 32 bits on PostgreSQL (a test holds this).
# An id above this names nothing, and must be answered before it reaches the database, where
# PostgreSQL refuses it as out of range (and SQLite cannot even bind one of 2**63 or more).
ID_MAX = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The detection pass uses materialized CTEs, and the dispatcher claims rows with RETURNING:
# both SQLite 3.35. Python's sqlite3 module uses the system's SQLite.
SQLITE_MIN_VERSION = (3, 35, 0)


def check_sqlite_version(version: tuple[int, ...] = sqlite3.sqlite_version_info) -> None:
    """Fail at start-up, saying why, rather than in the first detection pass."""
    if version < SQLITE_MIN_VERSION:
        found, needed = (".".join(map(str, v)) for v in (version, SQLITE_MIN_VERSION))
        raise RuntimeError(
            f"This Python's SQLite is version {found}; the tracker needs {needed} or later. "
            "Use a newer Python build, or PostgreSQL (TRACKER_DATABASE_URL)."
        )


def make_engine(url: str) -> Engine:
    """An engine with the settings this service relies on for its backend."""
    # hide_parameters: a database error's message would otherwise carry the row's values
    # (emails, notes) into the error log.
    if url.startswith("sqlite"):
        check_sqlite_version()
        engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # libpq waits for ever on a server that does not answer (a dropped route, a failover): give
    # up after a while, so /readyz answers 503 and a request fails, rather than hanging a thread.
    # A connect_timeout in the URL itself wins.
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 10}
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web process read while the jobs process writes; foreign keys are off by
    # default in SQLite and the schema relies on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    dbapi_connection.create_function("tracker_local_date", 2, _local_date, deterministic=True)


class local_date(FunctionElement):
    """`local_date(column, zone)`: the calendar day ('YYYY-MM-DD') of a UTC timestamp in an IANA
    time zone, worked out by the database, so that rows can be grouped by the reader's days."""

    type = String()
    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw) -> str:
    at, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"to_char(timezone({zone}, {at}), 'YYYY-MM-DD')"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw) -> str:
    at, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"tracker_local_date({at}, {zone})"


def _local_date(stored: str | None, zone: str | None) -> str | None:
    # SQLite has no time zones: UTCDateTime stores UTC as text, read here as Python would.
    if stored is None or zone is None:
        return None
    at = datetime.fromisoformat(stored)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return at.astimezone(ZoneInfo(zone)).date().isoformat()


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty PostgreSQL database `name` on `server_url`'s server (dropped first if it
    exists), and its URL. For the tests' and benchmarks' databases of their own."""
    drop_database(server_url, name)
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop PostgreSQL database `name` on `server_url`'s server, if it exists."""
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            try:
                # Plain DROP first: it ends an autovacuum worker busy in the database (common
                # after many rows were written), which FORCE may not, being allowed to end
                # only the sessions of roles we belong to.
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            except OperationalError:  # a session of ours left connected: end it
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# Set in a connection's `info` once its transaction has sent anything but a SELECT.
WROTE = "tracker_wrote"


def _forget_writes(conn: Connection) -> None:
    conn.info.pop(WROTE, None)


def _note_writes(conn: Connection, _cursor, statement: str, *_args) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


def init_app(app: Flask) -> None:
    engine = make_engine(config.of(app).database.url)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_writes)
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["engine"]


def session() -> Session:
    """The session of the current app context, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sessionmaker"]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        if exc is None and _only_read(db_session):
            # A transaction that wrote nothing ends the same by COMMIT as by ROLLBACK; but on
            # every rollback psycopg forgets the statements it has prepared, and then every
            # page's queries are planned afresh each time.
            db_session.commit()
    except SQLAlchemyError:
        pass  # nothing was written; close() below rolls back what is left
    finally:
        db_session.close()


def _only_read(db_session: Session) -> bool:
    """Whether the session's transaction has sent nothing but SELECTs, and holds no changes."""
    if not db_session.in_transaction() or db_session.new or db_session.dirty:
        return False
    return not db_session.deleted and not db_session.connection().info.get(WROTE)


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit what the block did, or roll all of it back: nothing is half-saved."""
    db_session = session()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise


def insert_on_conflict(s: Session):
    """The `insert` of this session's backend, which has ON CONFLICT DO NOTHING / DO UPDATE."""
    return (postgresql if s.get_bind().dialect.name == "postgresql" else sqlite).insert

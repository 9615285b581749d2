"""Alembic environment: migrate the database the app is configured for."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from tracker.db import _sqlite_pragmas
from tracker.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    engine = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    if url.startswith("sqlite"):
        from sqlalchemy import event

        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _foreign_keys_off)
        # Python's sqlite3 begins a transaction only before it changes rows, so each CREATE,
        # DROP or ALTER would commit on its own. Begun by SQLAlchemy instead, the whole upgrade
        # is one transaction, which SQLite undoes whole if anything in it fails.
        event.listen(engine, "connect", _no_implicit_transactions)
        event.listen(engine, "begin", _begin)
    with engine.connect() as conn:
        _run(conn)


def _no_implicit_transactions(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection) -> None:
    # Except inside Alembic's autocommit_block, whose statements must run outside one.
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN")


def _foreign_keys_off(dbapi_connection, _record) -> None:
    # Batch mode rebuilds a SQLite table by copying it, dropping the old one and renaming the
    # copy. With foreign keys on, dropping `patients` would first delete, by cascade, every
    # diary entry and alert that refers to it. So, as SQLite's own procedure for altering a
    # table says, they are off while migrating (it must be said outside a transaction, hence
    # on connecting), and every reference is checked before the commit (`_run`).
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _refuse_broken_references(connection)


def _refuse_broken_references(connection) -> None:
    """Fail the migration, before it commits, if any row refers to one that is not there."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(
            f"the migration would leave {len(broken)} rows referring to rows that are not "
            f"there, in {', '.join(tables)}; it was stopped before committing"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

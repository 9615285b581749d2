"""Alembic environment: migrate the database the app is configured for."""

from __future__ import annotations

from alembic import context
from sqlalchemy import event

from tracker.db import make_engine
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
    # The app's own engine settings (SQLite's pragmas and version check among them), with the
    # changes migrating needs on SQLite.
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_for_migrating)
        event.listen(engine, "begin", _begin)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _sqlite_for_migrating(dbapi_connection, _record) -> None:
    # Batch mode rebuilds a SQLite table by copying it, dropping the old one and renaming the
    # copy. With foreign keys on, dropping `patients` would first delete, by cascade, every
    # diary entry and alert that refers to it. So, as SQLite's own procedure for altering a
    # table says, they are off while migrating (said outside a transaction, so on connecting),
    # and every reference is checked before the commit (`_run`).
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    # Python's sqlite3 begins a transaction only before it changes rows, so each CREATE, DROP
    # or ALTER would commit on its own. Begun by SQLAlchemy instead (`_begin`), the whole
    # upgrade is one transaction, which SQLite undoes whole if anything in it fails.
    dbapi_connection.isolation_level = None


def _begin(connection) -> None:
    # Except inside Alembic's autocommit_block, whose statements must run outside one.
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN")


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

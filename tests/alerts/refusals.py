"""The database itself refusing part of a save's work, for the tests of what follows: a real
trigger that refuses every insert into a table, or a table gone. Nothing of ours is replaced."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

REFUSED = "refused by the test"


def _statements(dialect: str, table: str) -> tuple[list[str], list[str]]:
    name = f"refuse_{table}"
    if dialect == "postgresql":
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSED}'; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    else:
        create = [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]
    return create, drop


def refuse_inserts(s: Session, table: str) -> None:
    """From now on, the database refuses every insert into `table` (see `allow_inserts`)."""
    create, _ = _statements(s.get_bind().dialect.name, table)
    for statement in create:
        s.execute(text(statement))
    s.commit()


def allow_inserts(s: Session, table: str) -> None:
    """Undo `refuse_inserts`."""
    _, drop = _statements(s.get_bind().dialect.name, table)
    for statement in drop:
        s.execute(text(statement))
    s.commit()


@contextmanager
def refusing_inserts(s: Session, table: str) -> Iterator[None]:
    """Every insert into `table` refused by the database inside the block."""
    refuse_inserts(s, table)
    try:
        yield
    finally:
        s.rollback()
        allow_inserts(s, table)


@contextmanager
def table_gone(s: Session, table: Table) -> Iterator[None]:
    """`table` dropped inside the block (every read of it fails), then made again, empty."""
    s.execute(text(f"DROP TABLE {table.name}"))
    s.commit()
    try:
        yield
    finally:
        s.rollback()
        table.create(s.connection())
        s.commit()

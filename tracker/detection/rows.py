"""Reading many rows quickly, as plain tuples."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from sqlalchemy import Connection, Select
from sqlalchemy.types import TypeDecorator

# Rows turned into Python objects at a time.
_ROWS_PER_FETCH = 5000


def plain_rows(conn: Connection, query: Select) -> Iterator[tuple]:
    """The rows of `query` as plain tuples, fetched a few thousand at a time.

    On PostgreSQL straight from a binary-format psycopg cursor: its values are already the
    Python types wanted, and SQLAlchemy's row objects cost more than the database's whole scan.
    SQLite stores dates as text, so there the result goes through SQLAlchemy to be typed, as
    it does for any column whose type converts values of its own (a TypeDecorator).
    """
    if conn.dialect.name != "postgresql" or any(
        isinstance(column.type, TypeDecorator) for column in query.selected_columns
    ):
        yield from chain.from_iterable(conn.execute(query).partitions(_ROWS_PER_FETCH))
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    with conn.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params, prepare=False)
        while rows := cursor.fetchmany(_ROWS_PER_FETCH):
            yield from rows

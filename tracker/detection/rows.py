"""Reading many rows quickly, as plain tuples."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from itertools import chain

from sqlalchemy import Boolean, Connection, Date, Integer, Select, String
from sqlalchemy.types import Enum, TypeDecorator, TypeEngine

# Rows turned into Python objects at a time.
_ROWS_PER_FETCH = 5000

# How SQLite's stored values become the Python values SQLAlchemy would give, for the column
# types whose values need it (dates are stored as ISO text, booleans as 0 and 1).
_FROM_SQLITE: dict[type[TypeEngine], Callable | None] = {
    Integer: None,
    String: None,
    Date: date.fromisoformat,
    Boolean: bool,
}


def plain_rows(conn: Connection, query: Select) -> Iterator[tuple]:
    """The rows of `query` as plain tuples, fetched a few thousand at a time.

    SQLAlchemy's row objects, and its typing of each value, cost more than the database's whole
    scan of a detection batch. So on PostgreSQL the rows come straight from a binary-format
    psycopg cursor, whose values are already the Python types wanted; on SQLite, from the
    DB-API cursor, with only the dates and booleans converted. Any other column type (one that
    converts values its own way, such as a TypeDecorator) goes through SQLAlchemy as usual.
    """
    if conn.dialect.name == "postgresql" and not any(
        isinstance(column.type, TypeDecorator) for column in query.selected_columns
    ):
        yield from _postgresql_rows(conn, query)
        return
    if conn.dialect.name == "sqlite":
        converters = _sqlite_converters(query)
        if converters is not None:
            yield from _sqlite_rows(conn, query, converters)
            return
    yield from chain.from_iterable(conn.execute(query).partitions(_ROWS_PER_FETCH))


def _postgresql_rows(conn: Connection, query: Select) -> Iterator[tuple]:
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    with conn.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params, prepare=False)
        while rows := cursor.fetchmany(_ROWS_PER_FETCH):
            yield from rows


def _sqlite_converters(query: Select) -> list[tuple[int, Callable]] | None:
    """(column index, converter) for each column that needs one; None if a type is unknown."""
    converters = []
    for index, column in enumerate(query.selected_columns):
        if isinstance(column.type, Enum):
            return None  # a String that SQLAlchemy checks against its values
        known = next((k for k in _FROM_SQLITE if isinstance(column.type, k)), None)
        if known is None:  # DateTime, a TypeDecorator, or any other type
            return None
        if _FROM_SQLITE[known] is not None:
            converters.append((index, _FROM_SQLITE[known]))
    return converters


def _sqlite_rows(
    conn: Connection, query: Select, converters: list[tuple[int, Callable]]
) -> Iterator[tuple]:
    # SQLAlchemy still compiles the query and binds its parameters; only the reading of the
    # rows is done here, from the DB-API cursor it executed on.
    result = conn.execute(query)
    try:
        cursor = result.cursor
        while rows := cursor.fetchmany(_ROWS_PER_FETCH):
            if not converters:
                yield from rows
                continue
            for row in rows:
                values = list(row)
                for index, convert in converters:
                    value = values[index]
                    if value is not None:
                        values[index] = convert(value)
                yield tuple(values)
    finally:
        result.close()

"""Reading and writing many rows quickly, as plain tuples."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Integer, Select, String, Table
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


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert `rows`, each the values of `columns`, and give back the `returning` columns.

    The insert's counterpart of `plain_rows`. SQLAlchemy's executemany converts every value of
    every row on its way to the driver, which for a first detection pass's 60,000 alerts, and as
    many events and prompts, took longer than the database's whole work. Here each column's
    values still go through SQLAlchemy's own conversion for the database, but once per distinct
    value (a batch's rows share one timestamp and a few dates). The statements run through
    `exec_driver_sql`: the transaction, events and errors are SQLAlchemy's as usual.

    With `returning`, rows go as multi-row VALUES statements of as many rows as the dialect
    takes, and what they return comes back in no particular order, as the driver gives it (so
    return ids, numbers and text: on SQLite a date would come back as its text). Without, the
    rows go as one executemany.
    """
    if not rows:
        return []
    values = _driver_values(conn, table, columns, rows)
    preparer = conn.dialect.identifier_preparer
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one_row = "(" + ", ".join([placeholder] * len(columns)) + ")"
    # Names from the table's own metadata, quoted by the dialect; every value is a parameter.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        preparer.format_table(table), ", ".join(preparer.quote(name) for name in columns)
    )
    if not returning:
        conn.exec_driver_sql(head + one_row, values)
        return []
    tail = " RETURNING " + ", ".join(preparer.quote(name) for name in returning)
    per_statement = min(
        conn.dialect.insertmanyvalues_page_size,
        conn.dialect.insertmanyvalues_max_parameters // len(columns),
    )
    returned: list[tuple] = []
    for start in range(0, len(values), per_statement):
        chunk = values[start : start + per_statement]
        statement = head + ", ".join([one_row] * len(chunk)) + tail
        result = conn.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
        returned.extend(tuple(row) for row in result)
    return returned


def _driver_values(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[tuple]:
    """Each row's values as SQLAlchemy would hand them to the driver."""
    dialect = conn.dialect
    converters = []
    for index, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters.append((index, process, {}))
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for index, process, seen in converters:
            value = values[index]
            # Keyed by type too: 1 and True, or a date and an equal datetime, are equal keys.
            key = (type(value), value)
            if key not in seen:
                seen[key] = process(value)
            values[index] = seen[key]
        converted.append(tuple(values))
    return converted

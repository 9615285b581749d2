"""Readiness: the database answers and its schema is at the migrations' head."""

from __future__ import annotations

from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

# The reasons a probe is shown: fixed words, never a driver's message (which can name the host,
# the user or the database).
UNREACHABLE = "database unreachable"
NOT_MIGRATED = "database not migrated"
BEHIND = "database schema is not at the migrations' head"


def unready_reason(engine: Engine, heads: frozenset[str]) -> str | None:
    """None when ready; otherwise why not."""
    try:
        with engine.connect() as conn:
            # Reads alembic_version, and finds no revision where the table does not exist.
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError:
        return UNREACHABLE
    if not current:
        return NOT_MIGRATED
    if current != heads:
        return BEHIND
    return None

"""Leave room on each page of alerts, so the daily moves of episode dates are HOT updates.

Revision ID: e5b2c7d90a14
Revises: d7e3f1a9c2b8
Create Date: 2026-11-21 10:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e5b2c7d90a14"
down_revision: str | Sequence[str] | None = "d7e3f1a9c2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A storage parameter of PostgreSQL's only. It applies to pages written from now on: old
    # pages gain room as their rows are updated and vacuumed, so nothing is rewritten here.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alerts SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alerts RESET (fillfactor)")

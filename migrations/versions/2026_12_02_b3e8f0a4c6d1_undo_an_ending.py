"""Undo an ending recorded by mistake (issue 19, item 14): what monitoring was before it ended,
and, for a death, the password put aside when the account was closed.

Two nullable columns on `patients`; no existing row needs either (an ending recorded before
this migration cannot be undone: what it ended from was not kept).

Revision ID: b3e8f0a4c6d1
Revises: a7d4e1c09b35
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e8f0a4c6d1"
down_revision: str | Sequence[str] | None = "a7d4e1c09b35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("patients", sa.Column("status_before_end", sa.String(10), nullable=True))
    op.add_column("patients", sa.Column("held_password_hash", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("patients", "held_password_hash")
    op.drop_column("patients", "status_before_end")

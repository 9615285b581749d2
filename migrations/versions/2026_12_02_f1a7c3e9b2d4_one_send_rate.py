"""One send rate for the whole service: the table every dispatcher books its sends in

Issue 24, item 5: the send-rate cap was per process, so two dispatchers sent at twice the cap.
Each sending route ("sms:<sender>", "email") now has one row holding its next free moment, in
seconds of the database's clock. No existing row changes.

Revision ID: f1a7c3e9b2d4
Revises: e5b2c8d40a17
Create Date: 2026-12-02 08:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a7c3e9b2d4"
down_revision: str | Sequence[str] | None = "e5b2c8d40a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_rates",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_rates")),
    )


def downgrade() -> None:
    op.drop_table("send_rates")

"""Job successes: when each scheduled job last finished without error, for /metrics

The jobs process writes one row per job (its scheduler id) after each success, so that
`tracker_job_last_success_timestamp_seconds{job}` shows a job that has stopped running. A new
table; no existing row changes.

Revision ID: c9f4a2e7d013
Revises: f1c3a9d27b54
Create Date: 2026-12-02 07:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "c9f4a2e7d013"
down_revision: str | Sequence[str] | None = "f1c3a9d27b54"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_successes",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("succeeded_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_successes")),
    )


def downgrade() -> None:
    op.drop_table("job_successes")

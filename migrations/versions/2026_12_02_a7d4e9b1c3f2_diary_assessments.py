"""diary assessments: which diaries have changes not yet assessed (rules §4, issue 18)

A save assesses the diary in a transaction after its own, so a change whose assessment was lost
(the process died, the database refused) must be found again: each patient's count of diary
changes, and the count their last completed assessment covered.

Existing diaries: a patient with a symptom entry or resolved mark written (or edited, or
deleted) since the last completed daily detection run began is counted as changed once and not
yet assessed, so the lost-assessment job assesses them soon after the upgrade; everyone else is
left out (their diary is as the last pass saw it). With no completed run, every diary counts.

Revision ID: a7d4e9b1c3f2
Revises: a7d4e2c91b36
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.db import UTCDateTime

revision: str = "a7d4e9b1c3f2"
down_revision: str | Sequence[str] | None = "a7d4e2c91b36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "assessed_changes < changes"


def upgrade() -> None:
    op.create_table(
        "diary_assessments",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("assessed_changes", sa.Integer(), nullable=False),
        sa.Column("assessed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_diary_assessments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_diary_assessments")),
    )
    op.create_index(
        "ix_diary_assessments_pending",
        "diary_assessments",
        ["changed_at"],
        unique=False,
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )
    # Both columns are stored the same way on each backend, so they compare as stored.
    op.execute(
        """
        INSERT INTO diary_assessments (patient_id, changes, changed_at, assessed_changes)
        SELECT patient_id, 1, MAX(updated_at), 0
        FROM diary_entries
        WHERE kind IN ('symptom', 'resolved')
          AND NOT EXISTS (
            SELECT 1 FROM job_runs r
            WHERE r.job = 'detect' AND r.status = 'done'
              AND r.started_at >= diary_entries.updated_at
          )
        GROUP BY patient_id
        """
    )


def downgrade() -> None:
    op.drop_index("ix_diary_assessments_pending", table_name="diary_assessments")
    op.drop_table("diary_assessments")

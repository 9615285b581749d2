"""quiet spells: a quiet patient in the team's queue, once per spell (rules v2 §4b)

Revision ID: a7d4e1c09b35
Revises: a7d4e9b1c3f2
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "a7d4e1c09b35"
down_revision: str | Sequence[str] | None = "a7d4e9b1c3f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A new table only: no existing row changes. Quiet patients reach the queue from the job's
# first run after this upgrade.
def upgrade() -> None:
    op.create_table(
        "quiet_spells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("last_heard", sa.Date(), nullable=False),
        sa.Column("quiet_from", sa.Date(), nullable=False),
        sa.Column("noted", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("outcome_at", tracker.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('contacted', 'appointment', 'tests', 'no_action')",
            name=op.f("ck_quiet_spells_outcome"),
        ),
        sa.CheckConstraint(
            "(outcome IS NULL AND staff_id IS NULL AND outcome_at IS NULL) "
            "OR (outcome IS NOT NULL AND staff_id IS NOT NULL AND outcome_at IS NOT NULL)",
            name=op.f("ck_quiet_spells_outcome_recorded"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_quiet_spells_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_quiet_spells_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiet_spells")),
        sa.UniqueConstraint(
            "patient_id", "last_heard", name=op.f("uq_quiet_spells_patient_id_last_heard")
        ),
    )


def downgrade() -> None:
    op.drop_table("quiet_spells")

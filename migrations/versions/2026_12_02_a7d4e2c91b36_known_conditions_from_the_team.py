"""Known conditions from the team: an end date, a reason, who set it, and every change kept.

Rules version 2, section 2: the team can mark a symptom as expected for a patient until a date
(inclusive), and every change to known conditions is kept with who and when. Existing rows were
all recorded by the patient or at enrolment without an end date: they stay as they are, set by
the patient, and each gets one "added" history row dated when it was recorded, so that the
history of every condition starts somewhere.

`known_conditions` is rebuilt on SQLite (batch mode) to add its foreign key to `staff`; no
table refers to it, so the rebuild cannot cascade anywhere.

Revision ID: a7d4e2c91b36
Revises: c0b5e7a31d42
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.db import UTCDateTime

revision: str = "a7d4e2c91b36"
down_revision: str | Sequence[str] | None = "c0b5e7a31d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("known_conditions") as batch:
        batch.add_column(sa.Column("until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("set_by_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_known_conditions_set_by_staff_id_staff", "staff", ["set_by_staff_id"], ["id"]
        )
    op.create_table(
        "known_condition_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("symptom_code", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('added', 'changed', 'removed')",
            name=op.f("ck_known_condition_changes_action"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_known_condition_changes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_known_condition_changes_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_condition_changes")),
    )
    op.create_index(
        "ix_known_condition_changes_patient_at",
        "known_condition_changes",
        ["patient_id", "at"],
        unique=False,
    )
    # Every condition recorded so far was the patient's (or ticked with them at enrolment).
    op.execute(
        "INSERT INTO known_condition_changes (patient_id, symptom_code, action, at) "
        "SELECT patient_id, symptom_code, 'added', created_at FROM known_conditions"
    )


def downgrade() -> None:
    op.drop_index("ix_known_condition_changes_patient_at", table_name="known_condition_changes")
    op.drop_table("known_condition_changes")
    with op.batch_alter_table("known_conditions") as batch:
        batch.drop_constraint("fk_known_conditions_set_by_staff_id_staff", type_="foreignkey")
        batch.drop_column("updated_at")
        batch.drop_column("set_by_staff_id")
        batch.drop_column("reason")
        batch.drop_column("until")

"""Contact attempts, alert assignments, the queue's indexes, and the patient's NHS number and
date of birth (issue 19, items 16 and 17; issue 24, item 4)

New tables only, two partial indexes on `alerts`, an index for the patient list, and two
nullable columns on `patients`: existing patients keep no NHS number or date of birth until the
team adds them; new enrolments require both. No existing row changes.

Revision ID: c8f2a6d19e47
Revises: f1a7c3e9b2d4
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "c8f2a6d19e47"
down_revision: str | Sequence[str] | None = "f1a7c3e9b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The team's "to do" list as it stood at this revision (tracker.alerts.models.WAITING_SQL).
WAITING = (
    "status = 'open' OR (status IN ('acknowledged', 'resolved') "
    "AND urgency IN ('emergency', 'same_day'))"
)


def upgrade() -> None:
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("quiet_spell_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attempt IN ('no_answer', 'left_message')", name=op.f("ck_contact_attempts_attempt")
        ),
        sa.CheckConstraint(
            "(alert_id IS NULL) <> (quiet_spell_id IS NULL)",
            name=op.f("ck_contact_attempts_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_contact_attempts_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_contact_attempts_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiet_spell_id"],
            ["quiet_spells.id"],
            name=op.f("fk_contact_attempts_quiet_spell_id_quiet_spells"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_contact_attempts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
    )
    op.create_index(
        "ix_contact_attempts_alert_id_at", "contact_attempts", ["alert_id", "at"], unique=False
    )
    op.create_index(
        "ix_contact_attempts_quiet_spell_id_at",
        "contact_attempts",
        ["quiet_spell_id", "at"],
        unique=False,
    )
    op.create_table(
        "alert_assignments",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_assignments_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["staff.id"], name=op.f("fk_alert_assignments_assigned_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_alert_assignments_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_assignments")),
    )
    op.create_index(
        op.f("ix_alert_assignments_staff_id"), "alert_assignments", ["staff_id"], unique=False
    )
    op.create_index(
        "ix_alerts_waiting_urgency",
        "alerts",
        ["urgency", "opened_at", "id"],
        unique=False,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_alerts_waiting_opened",
        "alerts",
        ["opened_at", "id"],
        unique=False,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    # Plain added columns and an index: no table rebuild on SQLite.
    op.add_column("patients", sa.Column("nhs_number", sa.String(length=10), nullable=True))
    op.add_column("patients", sa.Column("date_of_birth", sa.Date(), nullable=True))
    op.create_index("uq_patients_nhs_number", "patients", ["nhs_number"], unique=True)
    op.create_index("ix_patients_team_id_name", "patients", ["team_id", "name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_patients_team_id_name", table_name="patients")
    op.drop_index("uq_patients_nhs_number", table_name="patients")
    # Plain drops, as added: SQLite drops a column no constraint names without a rebuild.
    op.drop_column("patients", "date_of_birth")
    op.drop_column("patients", "nhs_number")
    op.drop_index("ix_alerts_waiting_opened", table_name="alerts")
    op.drop_index("ix_alerts_waiting_urgency", table_name="alerts")
    op.drop_index(op.f("ix_alert_assignments_staff_id"), table_name="alert_assignments")
    op.drop_table("alert_assignments")
    op.drop_index("ix_contact_attempts_quiet_spell_id_at", table_name="contact_attempts")
    op.drop_index("ix_contact_attempts_alert_id_at", table_name="contact_attempts")
    op.drop_table("contact_attempts")

"""Requests to be contacted: "ask my team to contact me" (issue 21)

A new table, `contact_requests`; each team's response target in working days (`teams.response_days`,
3 for every existing team); a contact attempt may now be about a request (a new nullable column on
`contact_attempts`, whose "exactly one subject" check names it too); and the outbox's new kind
`contact_request` (the confirmation and closure messages). No existing row changes.

Revision ID: d2a6f4c81e39
Revises: a3d7e1f09b62
Create Date: 2026-12-02 14:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "d2a6f4c81e39"
down_revision: str | Sequence[str] | None = "a3d7e1f09b62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('prompt', 'reminder', 'invitation', 'team_notice', 'reply', 'account_notice')"
NEW_KINDS = (
    "kind IN ('prompt', 'reminder', 'invitation', 'team_notice', 'reply', 'account_notice', "
    "'contact_request')"
)
OLD_SUBJECT = "(alert_id IS NULL) <> (quiet_spell_id IS NULL)"
NEW_SUBJECT = (
    "(CASE WHEN alert_id IS NULL THEN 0 ELSE 1 END) + "
    "(CASE WHEN quiet_spell_id IS NULL THEN 0 ELSE 1 END) + "
    "(CASE WHEN contact_request_id IS NULL THEN 0 ELSE 1 END) = 1"
)
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("alert_ids", sa.String(length=200), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("reach_by", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("good_times", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("assigned_staff_id", sa.Integer(), nullable=True),
        sa.Column("first_contact_at", tracker.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", tracker.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'open' AND outcome IS NULL AND closed_at IS NULL AND closed_by IS NULL) OR (status = 'closed' AND outcome IS NOT NULL AND closed_at IS NOT NULL AND closed_by IS NOT NULL)",
            name=op.f("ck_contact_requests_closed_with_outcome"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('contacted', 'appointment', 'tests', 'no_action')",
            name=op.f("ck_contact_requests_outcome"),
        ),
        sa.CheckConstraint(
            "reach_by IN ('phone', 'email')", name=op.f("ck_contact_requests_reach_by")
        ),
        sa.CheckConstraint("source IN ('web', 'sms')", name=op.f("ck_contact_requests_source")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_contact_requests_status")),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"],
            ["staff.id"],
            name=op.f("fk_contact_requests_assigned_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["staff.id"], name=op.f("fk_contact_requests_closed_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_contact_requests_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_contact_requests_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
        sa.UniqueConstraint(
            "patient_id", "form_key", name=op.f("uq_contact_requests_patient_id_form_key")
        ),
    )
    op.create_index(
        "ix_contact_requests_open_due",
        "contact_requests",
        ["due_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_contact_requests_patient_created", "contact_requests", ["patient_id", "created_at"]
    )
    op.create_index(
        "ix_contact_requests_team_created", "contact_requests", ["team_id", "created_at"]
    )

    # A table nothing refers to: rebuilt on SQLite to change its check.
    with op.batch_alter_table("contact_attempts") as batch:
        batch.add_column(sa.Column("contact_request_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_contact_attempts_contact_request_id_contact_requests"),
            "contact_requests",
            ["contact_request_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.drop_constraint(op.f("ck_contact_attempts_one_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_contact_attempts_one_subject"), NEW_SUBJECT)
    op.create_index(
        "ix_contact_attempts_contact_request_id_at",
        "contact_attempts",
        ["contact_request_id", "at"],
    )

    # A plain added column with a default: no rebuild of a table so much refers to.
    op.add_column(
        "teams", sa.Column("response_days", sa.SmallInteger(), server_default="3", nullable=False)
    )

    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_messages_kind"), NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE kind = 'contact_request'")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_messages_kind"), OLD_KINDS)

    op.drop_column("teams", "response_days")

    op.execute("DELETE FROM contact_attempts WHERE contact_request_id IS NOT NULL")
    op.drop_index("ix_contact_attempts_contact_request_id_at", table_name="contact_attempts")
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_constraint(op.f("ck_contact_attempts_one_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_contact_attempts_one_subject"), OLD_SUBJECT)
        batch.drop_constraint(
            batch.f("fk_contact_attempts_contact_request_id_contact_requests"), type_="foreignkey"
        )
        batch.drop_column("contact_request_id")

    op.drop_index("ix_contact_requests_team_created", table_name="contact_requests")
    op.drop_index("ix_contact_requests_patient_created", table_name="contact_requests")
    op.drop_index("ix_contact_requests_open_due", table_name="contact_requests")
    op.drop_table("contact_requests")

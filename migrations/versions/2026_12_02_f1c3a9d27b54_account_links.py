"""Account links: getting back into an account (issue 22)

One table for the links and text codes that let a patient back in: a password reset by email or
by text, a new sign-in link from the treating team, and the link that confirms a new email
address; and the link a member of staff sets a password and an authenticator again from. Only hashes of tokens and codes are stored. No existing row changes.

Revision ID: f1c3a9d27b54
Revises: d4b8e2f6a1c3
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.db import UTCDateTime

revision: str = "f1c3a9d27b54"
down_revision: str | Sequence[str] | None = "d4b8e2f6a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSES = (
    "purpose IN ('reset_email', 'reset_code', 'reset_after_code', 'reset_team', 'email_change')"
)


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.SmallInteger(), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(PURPOSES, name=op.f("ck_account_links_purpose")),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_account_links_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_account_links_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    for column in ("patient_id", "staff_id"):
        op.create_index(op.f(f"ix_account_links_{column}"), "account_links", [column], unique=False)


def downgrade() -> None:
    for column in ("patient_id", "staff_id"):
        op.drop_index(op.f(f"ix_account_links_{column}"), table_name="account_links")
    op.drop_table("account_links")

"""Own copies: each summary or download a patient takes of their own record

Shown with the team's audit trail in "who has looked at your record" (issue 23, item 4). A new
table; no existing row changes.

Revision ID: a3d7e1f09b62
Revises: c9f4a2e7d013
Create Date: 2026-12-02 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "a3d7e1f09b62"
down_revision: str | Sequence[str] | None = "c9f4a2e7d013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "own_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('own_summary', 'own_summary_pdf', 'own_download')",
            name=op.f("ck_own_copies_action"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_own_copies_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_copies")),
    )
    op.create_index("ix_own_copies_patient_at", "own_copies", ["patient_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_own_copies_patient_at", table_name="own_copies")
    op.drop_table("own_copies")

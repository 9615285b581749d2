"""An index of the patients without prompts by email, by team and name

The queue names the first few patients whom no prompt could reach (tracker.patients.reachability):
only those without prompts by email can be among them, and they are few, but finding them read
every patient of the team. This partial index holds only them, in the order the queue lists them.

Revision ID: c9e1f4a7b2d6
Revises: b7e4c2a91f30
Create Date: 2026-12-02 20:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9e1f4a7b2d6"
down_revision: str | Sequence[str] | None = "b7e4c2a91f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_EMAIL_PROMPTS = sa.text("email_consent_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_patients_no_email_prompts",
        "patients",
        ["team_id", "name", "id"],
        sqlite_where=NO_EMAIL_PROMPTS,
        postgresql_where=NO_EMAIL_PROMPTS,
    )


def downgrade() -> None:
    op.drop_index("ix_patients_no_email_prompts", table_name="patients")

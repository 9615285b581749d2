"""patient postcode district

Revision ID: c4a1d2e3f4b5
Revises: 6ecd002c5934
Create Date: 2026-11-21 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a1d2e3f4b5"
down_revision: str | Sequence[str] | None = "6ecd002c5934"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN, not batch mode: with foreign keys on, SQLite's batch rebuild of
# `patients` would drop the old table and cascade-delete every diary, alert and session.
def upgrade() -> None:
    op.add_column("patients", sa.Column("postcode_district", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("patients", "postcode_district")

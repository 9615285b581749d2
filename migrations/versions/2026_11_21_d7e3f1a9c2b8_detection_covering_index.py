"""An index for the detection pass: live symptom rows, with every column it reads.

Revision ID: d7e3f1a9c2b8
Revises: 31e7ba9bd295
Create Date: 2026-11-21 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e3f1a9c2b8"
down_revision: str | Sequence[str] | None = "31e7ba9bd295"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported from the models: a migration must keep meaning what it meant
# when it landed, whatever the models say later.
LIVE = "deleted_at IS NULL AND kind IN ('symptom', 'resolved')"


def upgrade() -> None:
    # CONCURRENTLY on PostgreSQL, so patients can keep saving entries while a big table is
    # indexed; it cannot run inside a transaction, hence the autocommit block.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_diary_entries_live_symptom_days",
            "diary_entries",
            [
                "patient_id",
                "symptom_code",
                "entry_date",
                "kind",
                "severity",
                "onset_date",
                "worrying",
                "deleted_at",
            ],
            unique=False,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_diary_entries_live_symptom_days",
            table_name="diary_entries",
            postgresql_concurrently=True,
        )

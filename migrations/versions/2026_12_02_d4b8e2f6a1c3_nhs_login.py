"""NHS login: the patient's NHS login subject, once they have signed in with it

Issue 22, item 6. A first NHS login is joined to a patient by the NHS number their team recorded;
from then on the subject (`sub`) finds them. Unique: one NHS login, one patient. Existing rows
get no link.

Revision ID: d4b8e2f6a1c3
Revises: c8f2a6d19e47
Create Date: 2026-12-02 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.db import UTCDateTime

revision: str = "d4b8e2f6a1c3"
down_revision: str | Sequence[str] | None = "c8f2a6d19e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain adds and drops, no batch rebuild: SQLite adds and drops a column no constraint
    # names in place, and a rebuild would rewrite the table's other constraints.
    op.add_column("patients", sa.Column("nhs_login_sub", sa.String(length=255), nullable=True))
    op.add_column(
        "patients", sa.Column("nhs_login_linked_at", UTCDateTime(timezone=True), nullable=True)
    )
    op.create_index("uq_patients_nhs_login_sub", "patients", ["nhs_login_sub"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_patients_nhs_login_sub", table_name="patients")
    op.drop_column("patients", "nhs_login_linked_at")
    op.drop_column("patients", "nhs_login_sub")

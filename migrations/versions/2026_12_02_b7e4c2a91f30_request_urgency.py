"""A request's urgency, so that the queue orders requests with alerts (issue 21)

`contact_requests.urgency`: the most urgent of the open alerts the patient ticked when they
asked, or `soon` (the team's response target) when they ticked none. Existing requests get it
from the alerts they name. A partial index serves the queue's order over open requests.

Revision ID: b7e4c2a91f30
Revises: d2a6f4c81e39
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4c2a91f30"
down_revision: str | Sequence[str] | None = "d2a6f4c81e39"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URGENCIES = "urgency IN ('soon', 'same_day', 'emergency')"
# Most urgent first: as tracker.rules.urgency ranks them.
RANKED = ("emergency", "same_day", "soon")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("contact_requests") as batch:
        batch.add_column(
            sa.Column("urgency", sa.String(length=16), server_default="soon", nullable=False)
        )
        batch.create_check_constraint(op.f("ck_contact_requests_urgency"), URGENCIES)
    _from_ticked_alerts()
    op.create_index(
        "ix_contact_requests_open_urgency_due",
        "contact_requests",
        ["urgency", "due_at"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def _from_ticked_alerts() -> None:
    bind = op.get_bind()
    asked = bind.execute(
        sa.text("SELECT id, alert_ids FROM contact_requests WHERE alert_ids <> ''")
    ).all()
    for request_id, alert_ids in asked:
        ids = [int(i) for i in alert_ids.split(",") if i]
        found = set(
            bind.execute(
                sa.text("SELECT urgency FROM alerts WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            ).scalars()
        )
        most = next((u for u in RANKED if u in found), "soon")
        bind.execute(
            sa.text("UPDATE contact_requests SET urgency = :u WHERE id = :id"),
            {"u": most, "id": request_id},
        )


def downgrade() -> None:
    op.drop_index("ix_contact_requests_open_urgency_due", table_name="contact_requests")
    with op.batch_alter_table("contact_requests") as batch:
        batch.drop_constraint(op.f("ck_contact_requests_urgency"), type_="check")
        batch.drop_column("urgency")

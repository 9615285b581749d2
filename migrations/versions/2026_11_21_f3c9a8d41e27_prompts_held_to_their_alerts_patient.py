"""Hold each prompt to its alert's patient in the database: one foreign key on both columns.

A prompt referred to its alert and to its patient by two separate keys, so nothing but the code
that queues it kept the two in step (hazard H05, a prompt to the wrong person). One key from
(alert_id, patient_id) to the alert's (id, patient_id) makes a mismatch impossible, and the
alert's own key to its patient covers what the second key did.

On SQLite, `prompts` is rebuilt (it is how SQLite changes a table's keys); the migration
environment keeps every row that refers to it, and checks every reference before committing.
If any prompt already names a patient other than its alert's, the upgrade stops there, on
either database: such a row is a fault to look into, not one to carry over.

Revision ID: f3c9a8d41e27
Revises: e5b2c7d90a14
Create Date: 2026-11-21 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "f3c9a8d41e27"
down_revision: str | Sequence[str] | None = "e5b2c7d90a14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("uq_alerts_id_patient_id", "alerts", ["id", "patient_id"], unique=True)
    with op.batch_alter_table("prompts") as batch:
        batch.drop_constraint("fk_prompts_alert_id_alerts", type_="foreignkey")
        batch.drop_constraint("fk_prompts_patient_id_patients", type_="foreignkey")
        batch.create_foreign_key(
            "fk_prompts_alert_id_patient_id_alerts",
            "alerts",
            ["alert_id", "patient_id"],
            ["id", "patient_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("prompts") as batch:
        batch.drop_constraint("fk_prompts_alert_id_patient_id_alerts", type_="foreignkey")
        batch.create_foreign_key(
            "fk_prompts_alert_id_alerts", "alerts", ["alert_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            "fk_prompts_patient_id_patients", "patients", ["patient_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_index("uq_alerts_id_patient_id", table_name="alerts")

"""Support directory: services, the areas they serve, and the record of every change

Revision ID: be93191c7536
Revises: 18bcc673de16
Create Date: 2026-11-21 05:26:58.727368
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.db

revision: str = "be93191c7536"
down_revision: str | Sequence[str] | None = "18bcc673de16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("opening_hours", sa.String(length=300), nullable=True),
        sa.Column("nationwide", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.String(length=600), nullable=False),
        sa.Column("last_checked", sa.Date(), nullable=True),
        sa.Column("needs_check", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("retired_at", tracker.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('helpline', 'hospice', 'palliative_care', 'support_group', 'psychological', 'carers', 'practical')",
            name=op.f("ck_support_services_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_services")),
    )
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.create_index("ix_support_services_kind", ["kind"], unique=False)

    op.create_table(
        "support_service_areas",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("area", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["support_services.id"],
            name=op.f("fk_support_service_areas_service_id_support_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "code", name=op.f("pk_support_service_areas")),
    )
    with op.batch_alter_table("support_service_areas", schema=None) as batch_op:
        batch_op.create_index("ix_support_service_areas_area", ["area"], unique=False)

    op.create_table(
        "support_service_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("at", tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["support_services.id"],
            name=op.f("fk_support_service_changes_service_id_support_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_service_changes")),
    )
    with op.batch_alter_table("support_service_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_service_changes_service_id"), ["service_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_service_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_service_changes_service_id"))

    op.drop_table("support_service_changes")
    with op.batch_alter_table("support_service_areas", schema=None) as batch_op:
        batch_op.drop_index("ix_support_service_areas_area")

    op.drop_table("support_service_areas")
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.drop_index("ix_support_services_kind")

    op.drop_table("support_services")

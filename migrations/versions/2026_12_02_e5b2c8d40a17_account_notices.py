"""Account notices: an email telling the owner of an address that someone tried to use it

An outbox message of the new kind `account_notice` (issue 19, item 19): open sign-up answers the
same way whatever the address, and tells an address that already has an account what happened.
Only the check constraint on `outbox_messages.kind` changes; no row changes.

Revision ID: e5b2c8d40a17
Revises: b3e8f0a4c6d1
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e5b2c8d40a17"
down_revision: str | Sequence[str] | None = "b3e8f0a4c6d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "kind IN ('prompt', 'reminder', 'invitation', 'team_notice', 'reply')"
NEW = "kind IN ('prompt', 'reminder', 'invitation', 'team_notice', 'reply', 'account_notice')"


def _kinds(condition: str) -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_messages_kind"), condition)


def upgrade() -> None:
    _kinds(NEW)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE kind = 'account_notice'")
    _kinds(OLD)

"""Prompts and reminders become separate consents (rules version 2, §4 and §4a).

Version 1 had one consent per channel, `patients.email_consent_at` / `sms_consent_at` ("this
channel at all"), which governed prompts and reminders alike, and `contact_preferences.
remind_by_*` on top of it for reminders (true when there was no row). From this revision:

- `*_consent_at` is the consent to **prompts** by that channel (when switched on; None: off);
- `remind_by_*` alone is the consent to **reminders** by that channel, off unless chosen (its
  default becomes false, and every patient has a row).

Nobody is opted back in to anything, and nothing anyone is sent changes at this revision. Per
patient and channel, with v1's channel consent (on/off) and v1's remind_by (stored, or true when
the patient had no row):

  v1 channel   v1 remind_by      v2 prompts   v2 reminders   recorded (source "rules_v2")
  on           true              on           on             prompts given
  on           false             on           off            prompts given
  off          true (or no row)  off          off            prompts withdrawn, reminders withdrawn
  off          false             off          off            prompts withdrawn

So a patient who had every channel off keeps prompts off on all of them: they are then reached
by no channel, and see the banner on every diary page, and are flagged to their team, until they
choose. A patient without a row gets one, with the default cadence and reminders as above.

Every patient gets one "rules_v2" record per channel for prompts (the meaning of the channel
consent narrowed for everyone), and one for reminders where the stored or implied value went
from on to off. The service is who made them; `at` is when this migration ran. Earlier records
(scope "messages") stay as they were: the history of version 1's channel consent.

Downgrade puts back the old default only. The data stays: read by version 1, a patient keeps
the prompts they had and reminders only where both are on (never more than they chose), and
the records stay, as the audit trail is never deleted.

Revision ID: c0b5e7a31d42
Revises: a1c5e9d3b7f2
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker import clock
from tracker.db import UTCDateTime

revision: str = "c0b5e7a31d42"
down_revision: str | Sequence[str] | None = "a1c5e9d3b7f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE = "rules_v2"
CHANNELS = (
    ("email", "email_consent_at", "remind_by_email"),
    ("sms", "sms_consent_at", "remind_by_sms"),
)

patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("email_consent_at", UTCDateTime),
    sa.column("sms_consent_at", UTCDateTime),
)
prefs = sa.table(
    "contact_preferences",
    sa.column("patient_id", sa.Integer),
    sa.column("reminder_cadence", sa.String),
    sa.column("reminder_weekday", sa.SmallInteger),
    sa.column("reminder_time", sa.String),
    sa.column("remind_by_email", sa.Boolean),
    sa.column("remind_by_sms", sa.Boolean),
    sa.column("updated_at", UTCDateTime),
)
changes = sa.table(
    "consent_changes",
    sa.column("patient_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("scope", sa.String),
    sa.column("given", sa.Boolean),
    sa.column("source", sa.String),
    sa.column("at", UTCDateTime),
)


def _record(channel: str, scope: str, given, query: sa.Select) -> None:
    """One consent_changes row per patient `query` selects (its first column: the id)."""
    now = sa.literal(clock.now(), UTCDateTime)
    columns = [
        query.selected_columns[0],
        sa.literal(channel, sa.String),
        sa.literal(scope, sa.String),
        given,
        sa.literal(SOURCE, sa.String),
        now,
    ]
    op.execute(
        changes.insert().from_select(
            ["patient_id", "channel", "scope", "given", "source", "at"],
            query.with_only_columns(*columns),
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("contact_preferences") as batch:
        for _, _, remind in CHANNELS:
            batch.alter_column(remind, server_default=sa.false(), existing_type=sa.Boolean())

    for channel, consent, remind in CHANNELS:
        given = patients.c[consent].is_not(None)
        # Prompts: the same switch, narrowed in meaning; said once for every patient.
        prompts_on = sa.case((given, sa.true()), else_=sa.false())
        _record(channel, "prompts", prompts_on, sa.select(patients.c.id))
        # Reminders: withdrawn where the channel was off but remind_by said (or implied) on.
        row = sa.select(prefs.c.patient_id).where(prefs.c.patient_id == patients.c.id)
        on_in_row = row.where(prefs.c[remind].is_(True))
        _record(
            channel,
            "reminders",
            sa.false(),
            sa.select(patients.c.id).where(~given, sa.or_(~sa.exists(row), sa.exists(on_in_row))),
        )
        off = sa.select(patients.c.id).where(~given)
        op.execute(prefs.update().where(prefs.c.patient_id.in_(off)).values({remind: sa.false()}))

    now = sa.literal(clock.now(), UTCDateTime)
    email_on, sms_on = (
        sa.case((patients.c[consent].is_not(None), sa.true()), else_=sa.false())
        for _, consent, _ in CHANNELS
    )
    without_row = sa.select(
        patients.c.id,
        sa.literal("weekly", sa.String),
        sa.literal(0, sa.SmallInteger),
        sa.literal("10:00", sa.String),
        email_on,
        sms_on,
        now,
    ).where(~sa.exists(sa.select(prefs.c.patient_id).where(prefs.c.patient_id == patients.c.id)))
    op.execute(
        prefs.insert().from_select(
            [
                "patient_id",
                "reminder_cadence",
                "reminder_weekday",
                "reminder_time",
                "remind_by_email",
                "remind_by_sms",
                "updated_at",
            ],
            without_row,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("contact_preferences") as batch:
        for _, _, remind in CHANNELS:
            batch.alter_column(remind, server_default=sa.true(), existing_type=sa.Boolean())

"""The migration that splits prompts from reminders opts nobody back in, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.test_migrations import (
    empty_database_url,  # noqa: F401 (a fixture)
    insert_row,
)
from tracker.db import make_engine
from tracker.migrate import alembic_config
from tracker.notify.outbox import reach_from
from tracker.patients.models import ConsentChange, ContactPreference, Patient

SPLIT = "c0b5e7a31d42"
V1_CONSENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _v1_patients(conn) -> dict[str, int]:
    """One patient per version 1 state: channel on or off, remind_by stored or implied. Written
    as the tables were then, not through today's models (which have columns added since)."""
    team = insert_row(conn, "teams")
    ids = {}
    states = {
        # name: (email on, sms on, row's (remind_by_email, remind_by_sms) or None for no row)
        "both_on_reminders_on": (True, True, (True, True)),
        "both_on_text_reminders_off": (True, True, (True, False)),
        "email_only_no_row": (True, False, None),
        "nothing_no_row": (False, False, None),
        "nothing_reminders_off": (False, False, (False, False)),
    }
    for name, (email, sms, row) in states.items():
        patient = insert_row(
            conn,
            "patients",
            team_id=team,
            email=f"{name}@example.test",
            mobile="+447700900001",
            email_consent_at=V1_CONSENT if email else None,
            sms_consent_at=V1_CONSENT if sms else None,
        )
        if row is not None:
            insert_row(
                conn,
                "contact_preferences",
                patient_id=patient,
                remind_by_email=row[0],
                remind_by_sms=row[1],
                reminder_cadence="weekly",
                reminder_weekday=0,
                reminder_time="10:00",
            )
        ids[name] = patient
    return ids


def test_splitting_prompts_from_reminders_opts_nobody_back_in(empty_database_url):  # noqa: F811
    url = empty_database_url
    cfg = alembic_config(url)
    before = ScriptDirectory.from_config(cfg).get_revision(SPLIT).down_revision
    command.upgrade(cfg, before)
    engine = make_engine(url)
    with engine.begin() as conn:
        ids = _v1_patients(conn)

    command.upgrade(cfg, SPLIT)

    with Session(engine) as s:

        def state(name: str) -> tuple:
            patient = _patient(s, ids[name])
            reach = reach_from(patient, s.get(ContactPreference, patient.id), False)
            return (
                reach.prompt_by_email,
                reach.prompt_by_sms,
                reach.remind_by_email,
                reach.remind_by_sms,
            )

        # (prompts by email, by text, reminders by email, by text)
        assert state("both_on_reminders_on") == (True, True, True, True)
        assert state("both_on_text_reminders_off") == (True, True, True, False)
        assert state("email_only_no_row") == (True, False, True, False)
        assert state("nothing_no_row") == (False, False, False, False)
        assert state("nothing_reminders_off") == (False, False, False, False)
        # Every patient now has a row.
        assert s.scalar(
            select(ContactPreference).where(ContactPreference.patient_id == ids["nothing_no_row"])
        )

        def records(name: str) -> list[tuple]:
            rows = s.scalars(
                select(ConsentChange)
                .where(ConsentChange.patient_id == ids[name])
                .order_by(ConsentChange.scope, ConsentChange.channel)
            )
            return [(c.scope, c.channel, bool(c.given), c.source) for c in rows]

        assert records("both_on_reminders_on") == [
            ("prompts", "email", True, "rules_v2"),
            ("prompts", "sms", True, "rules_v2"),
        ]
        assert records("email_only_no_row") == [
            ("prompts", "email", True, "rules_v2"),
            ("prompts", "sms", False, "rules_v2"),
            ("reminders", "sms", False, "rules_v2"),
        ]
        assert records("nothing_no_row") == [
            ("prompts", "email", False, "rules_v2"),
            ("prompts", "sms", False, "rules_v2"),
            ("reminders", "email", False, "rules_v2"),
            ("reminders", "sms", False, "rules_v2"),
        ]
        assert records("nothing_reminders_off") == [
            ("prompts", "email", False, "rules_v2"),
            ("prompts", "sms", False, "rules_v2"),
        ]
        # The v1 channel consent's date is kept: it is when prompts were last switched on.
        assert _patient(s, ids["both_on_reminders_on"]).email_consent_at == V1_CONSENT
        at = s.scalars(select(ConsentChange.at)).all()
        assert all(a.tzinfo is not None for a in at)
    engine.dispose()

    command.downgrade(cfg, before)
    command.upgrade(cfg, SPLIT)


def _patient(s: Session, patient_id: int) -> SimpleNamespace:
    """The patient's columns `reach_from` reads, and only those: later migrations add others."""
    columns = (Patient.id, Patient.email, Patient.mobile)
    consents = (Patient.email_consent_at, Patient.sms_consent_at)
    row = s.execute(select(*columns, *consents).where(Patient.id == patient_id)).one()
    return SimpleNamespace(**row._asdict())

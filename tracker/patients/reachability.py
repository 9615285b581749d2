"""Patients no channel reaches for prompts (rules §4): for the diary's banner and the team's flags.

One statement of the decision: `tracker.notify.outbox.reach_from`, the same the dispatcher uses
when it turns a prompt into messages. A patient is flagged only while their account is set up
and their team is monitoring them (nothing is sent otherwise, and the team sees why).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.notify.models import PROMPT
from tracker.notify.outbox import opted_out_numbers, reach, reach_from
from tracker.patients.models import ACTIVE, ContactPreference, Patient


def reaches_no_one(s: Session, patient: Patient) -> bool:
    """True if a prompt to this patient now would go by no channel."""
    return not reach(s, patient).for_purpose(PROMPT)


def unreachable_patients(s: Session, team_ids: Iterable[int]) -> list[Patient]:
    """These teams' monitored patients with an account whom no prompt could reach now, by name."""
    teams = sorted(set(team_ids))
    if not teams:
        return []
    rows = s.execute(
        select(Patient, ContactPreference)
        .outerjoin(ContactPreference, ContactPreference.patient_id == Patient.id)
        .where(
            Patient.team_id.in_(teams),
            Patient.monitoring_status == ACTIVE,
            Patient.password_hash.is_not(None),
            # Every patient has an email address (it is their sign-in): one with prompts on by
            # email is reached, so only the few without need the full decision below.
            Patient.email_consent_at.is_(None),
        )
        .order_by(Patient.name, Patient.id)
    ).all()
    opted = opted_out_numbers(s, [p.mobile for p, _ in rows])
    return [p for p, pref in rows if not reach_from(p, pref, p.mobile in opted).for_purpose(PROMPT)]

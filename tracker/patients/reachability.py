"""Patients no channel reaches for prompts (rules §4): for the diary's banner and the team's flags.

One statement of the decision: `tracker.notify.outbox.reach_from`, the same the dispatcher uses
when it turns a prompt into messages. A patient is flagged only while their account is set up
and their team is monitoring them (nothing is sent otherwise, and the team sees why).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from sqlalchemy import Integer, Select, String, bindparam, select, tuple_
from sqlalchemy.orm import Session

from tracker.notify.models import PROMPT
from tracker.notify.outbox import opted_out_numbers, reach, reach_from
from tracker.patients.models import ACTIVE, ContactPreference, Patient

BATCH = 200


def reaches_no_one(s: Session, patient: Patient) -> bool:
    """True if a prompt to this patient now would go by no channel."""
    # Prompts on by email reach them whatever else is so: no need to read their preferences and
    # opt-outs (this runs before every diary page and save).
    if patient.email_consent_at is not None and patient.email:
        return False
    return not reach(s, patient).for_purpose(PROMPT)


def unreachable_patients(s: Session, team_ids: Iterable[int]) -> list[Patient]:
    """These teams' monitored patients with an account whom no prompt could reach now, by name."""
    return list(_unreachable(s, team_ids))


def first_unreachable(s: Session, team_ids: Iterable[int], limit: int) -> list[Patient]:
    """The first `limit` of `unreachable_patients`, by name, reading no further than needed."""
    return list(islice(_unreachable(s, team_ids), limit))


def unreachable_among(s: Session, patients: Sequence[Patient]) -> set[int]:
    """The ids of those of these patients (a page of a list) whom no prompt could reach now."""
    if not patients:
        return set()
    return {p.id for p in _unreachable_in(s, _AMONG, {"ids": [p.id for p in patients]})}


def _candidates() -> Select:
    """Monitored patients with an account set up and no prompts by email, by name, a batch at a
    time from after a (name, id)."""
    return (
        select(Patient, ContactPreference)
        .outerjoin(ContactPreference, ContactPreference.patient_id == Patient.id)
        .where(
            Patient.monitoring_status == ACTIVE,
            Patient.password_hash.is_not(None),
            # Every patient has an email address (it is their sign-in): one with prompts on by
            # email is reached, so only the few without need the full decision below.
            Patient.email_consent_at.is_(None),
            tuple_(Patient.name, Patient.id)
            > tuple_(bindparam("after_name", type_=String), bindparam("after_id", type_=Integer)),
        )
        .order_by(Patient.name, Patient.id)
        .limit(bindparam("batch", type_=Integer))
    )


# Built once (see tracker.db): the queue reads the first of a team's on every view.
_IN_TEAMS = _candidates().where(Patient.team_id.in_(bindparam("team_ids", expanding=True)))
_AMONG = _candidates().where(Patient.id.in_(bindparam("ids", expanding=True)))


def _unreachable(s: Session, team_ids: Iterable[int]) -> Iterator[Patient]:
    teams = sorted(set(team_ids))
    if teams:
        yield from _unreachable_in(s, _IN_TEAMS, {"team_ids": teams})


def _unreachable_in(s: Session, query: Select, values: dict) -> Iterator[Patient]:
    # A batch a statement, each starting after the last patient of the one before (the first
    # after every name), so that a caller wanting the first few stops the read there. Not a
    # server-side cursor (yield_per): PostgreSQL plans a cursor for its first rows, and walked
    # the team's whole name index to find the few patients without prompts by email.
    after: tuple[str, int] = ("", 0)
    while True:
        given = values | {"after_name": after[0], "after_id": after[1], "batch": BATCH}
        rows = s.execute(query, given).all()
        opted = opted_out_numbers(s, [p.mobile for p, _ in rows])
        for p, pref in rows:
            if not reach_from(p, pref, p.mobile in opted).for_purpose(PROMPT):
                yield p
        if len(rows) < BATCH:
            return
        last = rows[-1][0]
        after = (last.name, last.id)

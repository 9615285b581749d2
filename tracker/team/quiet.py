"""Quiet patients (rules §4b): who has gone quiet, for the team's patient list; putting a quiet
patient in the team's queue once per quiet spell (the scheduled job); and the team's outcome.

The decision is `tracker.rules.quiet`'s, on plain data read here. A patient is heard from when
any diary row of theirs is saved or changed: an entry, a resolved mark, "no new symptoms today",
or a check-in answer (which is one of those). The day is the patient's local date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.db import insert_on_conflict
from tracker.diary.models import DiaryEntry
from tracker.diary.reading import read_diary
from tracker.patients.models import ACTIVE, Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.quiet import Noted, is_quiet, quiet_state
from tracker.team import access, audit, wording
from tracker.team.attempts import attempt_words, latest_attempts
from tracker.team.models import OUTCOMES, QUIET_OUTCOME_RECORDED, QuietSpell, Staff
from tracker.team.paging import Page, paged, read_page
from tracker.team.queue_filter import PAGE_SIZE


def day_month_year(value: date) -> str:
    """For example "3 October 2026"."""
    return f"{value.day} {value:%B %Y}"


def not_heard_words(last_heard: date | None, watched_from: date) -> str:
    """The patient list's words for a quiet patient."""
    if last_heard is None:
        return f"Nothing from them since they joined on {day_month_year(watched_from)}"
    return f"Not heard from since {day_month_year(last_heard)}"


def noted_words(noted: Iterable[Noted], rules: Catalogue) -> str:
    """What the patient last noted, in the team's words: no diagnosis, only what was logged."""
    parts = []
    for n in noted:
        label = rules.symptom(n.symptom).name if rules.is_known(n.symptom) else n.symptom
        if n.name:
            label = f"{label}: {n.name}"
        said = f"{label}, last logged {day_month_year(n.last_entry)}"
        if n.finding is not None:
            why = wording.reasons(n.finding.reasons, n.finding.urgency, rules, symptom=n.symptom)
            said += f" ({'; '.join(why)})"
        else:
            said += " (not marked as gone)"
        parts.append(said)
    return "; ".join(parts)


def watched_from(patient: Patient) -> date:
    """The day monitoring began or last restarted, in the patient's time zone."""
    if patient.status_changed_at is None:
        return patient.enrolled_on
    return max(patient.enrolled_on, clock.local_date(patient.status_changed_at, patient.timezone))


def last_heard(s: Session, patients: list[Patient]) -> dict[int, date]:
    """The last local day each patient was heard from (patients never heard from are left out)."""
    if not patients:
        return {}
    rows = s.execute(
        select(
            DiaryEntry.patient_id, func.max(DiaryEntry.created_at), func.max(DiaryEntry.updated_at)
        )
        .where(DiaryEntry.patient_id.in_([p.id for p in patients]))
        .group_by(DiaryEntry.patient_id)
    ).all()
    zones = {p.id: p.timezone for p in patients}
    out = {}
    for pid, created, updated in rows:
        latest = max(t for t in (created, updated) if t is not None)
        out[pid] = clock.local_date(latest, zones[pid])
    return out


@dataclass(frozen=True)
class QuietPatient:
    """A quiet patient, for the team's patient list."""

    last_heard: date | None
    words: str


def quiet_patients(s: Session, patients: list[Patient], quiet_days: int) -> dict[int, QuietPatient]:
    """Which of these patients are quiet today, and the list's words for each."""
    heard = last_heard(s, patients)
    out = {}
    for p in patients:
        since = watched_from(p)
        today = clock.today(p.timezone)
        if is_quiet(heard.get(p.id), since, today, quiet_days, p.monitoring_status == ACTIVE):
            out[p.id] = QuietPatient(heard.get(p.id), not_heard_words(heard.get(p.id), since))
    return out


def raise_quiet(s: Session, rules: Catalogue) -> int:
    """Put each quiet patient who needs a call in their team's queue, once per quiet spell.

    Idempotent: a spell already raised is skipped before its diary is read, and the unique key
    (patient, last heard) stops a second row if two runs overlap. Returns how many it raised.
    """
    quiet_days = rules.thresholds["quiet_days"]
    patients = list(s.scalars(select(Patient).where(Patient.monitoring_status == ACTIVE)))
    heard = last_heard(s, patients)
    raised_for = {tuple(r) for r in s.execute(select(QuietSpell.patient_id, QuietSpell.last_heard))}
    raised = 0
    for p in patients:
        last = heard.get(p.id)
        if last is None or (p.id, last) in raised_for:
            continue
        since, today = watched_from(p), clock.today(p.timezone)
        if not is_quiet(last, since, today, quiet_days, True):
            continue
        entries, marks, known = read_diary(s, p.id)
        state = quiet_state(last, since, today, quiet_days, True, entries, marks, known, rules)
        if not state.to_queue:
            continue
        made = s.scalar(
            insert_on_conflict(s)(QuietSpell)
            .values(
                patient_id=p.id,
                last_heard=last,
                quiet_from=today,
                noted=noted_words(state.noted, rules),
                rules_version=rules.version,
                created_at=clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["patient_id", "last_heard"])
            .returning(QuietSpell.id)  # a row only when this run made it
        )
        raised += made is not None
    return raised


@dataclass(frozen=True)
class QuietRow:
    """A quiet patient waiting in the team's queue."""

    spell_id: int
    patient_id: int
    patient_name: str
    team_name: str
    words: str  # "Not heard from since …; last noted: …"
    raised_at: datetime
    attempt: str | None = None  # the latest try that did not reach them, in words


def spell_words(spell: QuietSpell) -> str:
    """The queue's words for a quiet spell."""
    return f"Not heard from since {day_month_year(spell.last_heard)}; last noted: {spell.noted}"


# Built once (see tracker.db).
_WAITING = paged(
    select(QuietSpell, Patient)
    .join(Patient, Patient.id == QuietSpell.patient_id)
    .where(
        QuietSpell.outcome.is_(None),
        Patient.monitoring_status == ACTIVE,
        Patient.team_id.in_(access.TEAM_IDS),
    )
    .order_by(QuietSpell.created_at, QuietSpell.id)
)


def waiting_quiet(s: Session, staff: Staff, page: int = 1, size: int = PAGE_SIZE) -> Page[QuietRow]:
    """Quiet patients of the member's teams waiting for a call, oldest first, a page at a time.
    A patient whose monitoring was paused or ended since is left out: they are not quiet."""
    values = {"team_ids": access.visible_team_ids(staff)}
    found = read_page(s, _WAITING, page, size, values)
    rows = found.rows
    tried = latest_attempts(s, "quiet_spell_id", [q.id for q, _ in rows])
    listed = [
        QuietRow(
            q.id,
            p.id,
            p.name,
            p.team.name,
            spell_words(q),
            q.created_at,
            attempt_words(tried.get(q.id)),
        )
        for q, p in rows
    ]
    return replace(found, rows=listed)


def spell_for(s: Session, staff: Staff, spell_id: int) -> tuple[QuietSpell, Patient]:
    """The quiet spell and its patient, if the patient is in one of the member's teams."""
    row = s.execute(
        select(QuietSpell, Patient)
        .join(Patient, Patient.id == QuietSpell.patient_id)
        .where(QuietSpell.id == spell_id, Patient.team_id.in_(access.visible_team_ids(staff)))
    ).first()
    if row is None:
        raise access.NotFound(spell_id)
    return row[0], row[1]


class AlreadyRecorded(ValueError):
    """The team has already recorded what was done about this quiet spell."""


def record_quiet_outcome(
    s: Session,
    staff: Staff,
    spell_id: int,
    outcome: str,
    note: str | None,
    now: datetime | None = None,
) -> QuietSpell:
    """Record what the team did about a quiet patient; this takes them off the queue (the
    caller commits). Raises access.NotFound outside the member's teams, AlreadyRecorded."""
    now = now or clock.now()
    spell, patient = spell_for(s, staff, spell_id)
    if spell.outcome is not None:
        raise AlreadyRecorded(spell_id)
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    spell.outcome = outcome
    spell.note = (note or "").strip() or None
    spell.staff_id = staff.id
    spell.outcome_at = now
    audit.record(s, staff.id, QUIET_OUTCOME_RECORDED, patient, detail=f"quiet {spell.id}", now=now)
    return spell

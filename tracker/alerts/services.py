"""Turning findings into alerts and prompts (rules §4), the patient's answers, and re-prompts.

The caller commits: one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from tracker import clock
from tracker.alerts import wording
from tracker.alerts.changes import Outcome, Stale, carry_out, queue_prompts, read_alerts, record
from tracker.alerts.lifecycle import NONE_YET, UNCHANGED, Action, decide
from tracker.alerts.models import ACKNOWLEDGED, OPEN, RESOLVED, Alert, Prompt
from tracker.diary import services as diary
from tracker.diary.models import RESOLVED as RESOLVED_MARK
from tracker.diary.models import DiaryEntry
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.data import split_series
from tracker.rules.engine import Finding
from tracker.rules.urgency import rank

DETECTION = "detection"


def apply_findings(
    s: Session,
    patient_id: int,
    findings: Iterable[Finding],
    actor: str = DETECTION,
    now: datetime | None = None,
) -> Outcome:
    """Open, update or leave alone one alert per finding, queueing a prompt where §4 says: the
    save path, one patient's findings (`lifecycle.decide`, as the detection pass decides).

    Raises `changes.Stale` if another writer changed one of the alerts between this reading
    them and writing them: roll back, and apply the findings again.
    """
    now = now or clock.now()
    findings = list(findings)
    if not findings:
        return Outcome()
    s.flush()  # the alerts are read, and written, below the ORM
    decided = _decide(s, [(patient_id, findings)])
    outcome = carry_out(s, decided, actor, now)
    # An alert this session holds as an object is now older than its row.
    for _, action in decided:
        held = action.was and s.identity_map.get(identity_key(Alert, action.was.id))
        if held:
            s.expire(held)
    return outcome


def apply_batch(
    s: Session,
    assessed: list[tuple[int, list[Finding]]],
    actor: str,
    now: datetime,
    on_failure: Callable[[int, Exception], None],
) -> tuple[Outcome, set[int]]:
    """Apply many patients' findings in one transaction, and commit it.

    From one read of their alerts, and a few statements for them all. If that fails (most
    likely one patient's write, or a race with another writer), each patient with anything to
    write is redone alone, in a savepoint, and one that fails again is passed to `on_failure`
    and left out. Returns what was done, and the ids of the patients left out.
    """
    if not assessed:
        return Outcome(), set()
    decided: list[tuple[int, Action]] = []
    try:
        decided = _decide(s, assessed)
        outcome = carry_out(s, decided, actor, now)
        s.commit()
        return outcome, set()
    except (OperationalError, InterfaceError):
        raise  # the database is gone, not one patient's record
    except Exception:
        s.rollback()
    touched = {pid for pid, action in decided if action.kind != UNCHANGED}
    if not decided:
        touched = {pid for pid, _ in assessed}
    # The others were decided unchanged, and are counted so here.
    outcome = Outcome(unchanged=sum(len(f) for pid, f in assessed if pid not in touched))
    failed: set[int] = set()
    for patient_id, findings in assessed:
        if patient_id in touched:
            try:
                outcome.add(_apply_alone(s, patient_id, findings, actor, now))
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:
                on_failure(patient_id, exc)
                failed.add(patient_id)
    s.commit()
    return outcome, failed


def _decide(s: Session, assessed: list[tuple[int, list[Finding]]]) -> list[tuple[int, Action]]:
    """What each finding does, from one read of the patients' alerts as they are now."""
    pids = [pid for pid, _ in assessed]
    alerts = read_alerts(s, min(pids), max(pids))
    return [
        (pid, decide(alerts.get((pid, f.series), NONE_YET), f))
        for pid, findings in assessed
        for f in findings
    ]


def _apply_alone(
    s: Session, patient_id: int, findings: list[Finding], actor: str, now: datetime
) -> Outcome:
    try:
        with s.begin_nested():
            return apply_findings(s, patient_id, findings, actor, now)
    except (IntegrityError, Stale):
        # Another writer (a concurrent pass, or the web app on a save) opened or changed the
        # same alert, or queued the same prompt, between our read and our write. Theirs is
        # committed now: read again, and decide again.
        with s.begin_nested():
            return apply_findings(s, patient_id, findings, actor, now)


def _change_status(s: Session, alert: Alert, status: str, actor: str, now: datetime) -> None:
    alert.status = status
    alert.closed_at = now
    alert.updated_at = now
    s.flush()  # the event records what the alert's row then says
    record(s.connection(), status, actor, now, [alert.id])
    s.expire(alert, ["events"])


# ---- the patient's answers -----------------------------------------------------------------


class NotAnswerable(LookupError):
    """No open alert with that id belongs to this patient."""


def own_open_alert(s: Session, patient: Patient, alert_id: int) -> Alert | None:
    return s.scalar(
        select(Alert).where(
            Alert.id == alert_id, Alert.patient_id == patient.id, Alert.status == OPEN
        )
    )


def open_alerts(s: Session, patient: Patient) -> list[Alert]:
    """The patient's open alerts, most urgent first, then oldest."""
    rows = s.scalars(select(Alert).where(Alert.patient_id == patient.id, Alert.status == OPEN))
    return sorted(rows, key=lambda a: (-rank(a.urgency), a.opened_at, a.id))


def open_alert_cards(s: Session, patient: Patient) -> list[wording.AlertCard]:
    """The patient's open alerts as the diary's home page shows them, most urgent first."""
    rules = load_rules()
    return [
        wording.alert_card(a.id, a.series, a.urgency, a.reason_list, a.episode_start, rules)
        for a in open_alerts(s, patient)
    ]


def acknowledge(s: Session, patient: Patient, alert_id: int, now: datetime | None = None) -> Alert:
    """ "I have contacted my team"."""
    alert = own_open_alert(s, patient, alert_id)
    if alert is None:
        raise NotAnswerable(alert_id)
    _change_status(s, alert, ACKNOWLEDGED, diary.actor_for(patient), now or clock.now())
    return alert


def resolve(
    s: Session, patient: Patient, alert_id: int, today: date, now: datetime | None = None
) -> Alert:
    """ "This has gone away": closes the alert and ends the episode with a resolved mark."""
    alert = own_open_alert(s, patient, alert_id)
    if alert is None:
        raise NotAnswerable(alert_id)
    _change_status(s, alert, RESOLVED, diary.actor_for(patient), now or clock.now())
    diary.record_resolved(s, patient, alert.symptom_code, today, split_series(alert.series)[1])
    return alert


def answer_by_mark(
    s: Session, patient: Patient, series: str, day: date, now: datetime | None = None
) -> Alert | None:
    """A resolved mark saved in the diary answers its series' open alert like "this has gone
    away" (rules §4): the open alert whose episode the mark ends, if there is one."""
    alert = s.scalar(
        select(Alert).where(
            Alert.patient_id == patient.id,
            Alert.series == series,
            Alert.status == OPEN,
            Alert.last_entry <= day,
        )
    )
    if alert is not None:
        _change_status(s, alert, RESOLVED, diary.actor_for(patient), now or clock.now())
    return alert


def follow_rename(s: Session, patient: Patient, old_series: str, new_series: str) -> None:
    """A renamed series keeps its alerts: the episode is the same, only its name changed."""
    s.execute(
        update(Alert)
        .where(Alert.patient_id == patient.id, Alert.series == old_series)
        .values(series=new_series)
        .execution_options(synchronize_session="fetch")
    )


def answer_marked(s: Session, now: datetime, today: date) -> int:
    """The scheduled pass's net under `answer_by_mark`: answer every open alert whose episode a
    live resolved mark in the diary ends (saved by a save path that stopped short, say). Marks
    dated after `today` wait, as the engine's do: the pass and `assess` see the same diary."""
    marked = s.execute(
        select(Alert.id, Alert.patient_id)
        .where(
            Alert.status == OPEN,
            exists().where(
                DiaryEntry.patient_id == Alert.patient_id,
                DiaryEntry.kind == RESOLVED_MARK,
                DiaryEntry.series == Alert.series,
                DiaryEntry.deleted_at.is_(None),
                DiaryEntry.entry_date.between(Alert.last_entry, today),
            ),
        )
        .order_by(Alert.id)
    ).all()
    if not marked:
        return 0
    ids = [alert_id for alert_id, _ in marked]
    s.execute(
        update(Alert)
        .where(Alert.id.in_(ids), Alert.status == OPEN)
        .values(status=RESOLVED, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    conn = s.connection()
    for alert_id, patient_id in marked:
        record(conn, RESOLVED, f"patient:{patient_id}", now, [alert_id])
    return len(ids)


# ---- re-prompts ----------------------------------------------------------------------------


def queue_reprompts(
    s: Session,
    reprompt_days: int,
    max_reprompts: int,
    now: datetime | None = None,
    today: date | None = None,
) -> int:
    """Queue the next prompt for open alerts left unanswered for `reprompt_days` (rules §4).

    `today` is the pass's day; without one, the UTC date of `now`."""
    now = now or clock.now()
    today = today or now.date()
    answer_marked(s, now, today)  # a resolved mark in the diary answers its alert: no re-prompt
    # Due on a local date, so only prompts at least `reprompt_days` - 1 days old (less a
    # clock change or two) can be; the SQL leaves the rest out, and the dates are checked below.
    cutoff = now - timedelta(days=reprompt_days - 1, hours=-3)
    last = (
        select(
            Prompt.alert_id,
            func.max(Prompt.reprompt).label("last_reprompt"),
            func.max(Prompt.created_at).label("last_at"),
        )
        .group_by(Prompt.alert_id)
        .having(func.max(Prompt.reprompt) < max_reprompts, func.max(Prompt.created_at) <= cutoff)
        .subquery()
    )
    found = s.execute(
        select(Alert.id, last.c.last_reprompt, last.c.last_at, Patient.timezone)
        .join(last, last.c.alert_id == Alert.id)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(Alert.status == OPEN)
        .order_by(Alert.id)
    ).all()
    rows = [
        (alert_id, n)
        for alert_id, n, last_at, zone in found
        if reprompt_due(last_at, now, zone, reprompt_days)
    ]
    conn = s.connection()
    for reprompt in sorted({n + 1 for _, n in rows}):
        queue_prompts(conn, reprompt, now, [alert_id for alert_id, n in rows if n + 1 == reprompt])
    record(conn, "reprompted", DETECTION, now, [alert_id for alert_id, _ in rows])
    return len(rows)


def reprompt_due(last_prompt: datetime, now: datetime, zone: str, reprompt_days: int) -> bool:
    """True when `now` falls on or after the local date `reprompt_days` after the last prompt's."""
    gap = clock.local_date(now, zone) - clock.local_date(last_prompt, zone)
    return gap.days >= reprompt_days

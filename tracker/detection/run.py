"""The detection pass: every patient's diary, through the one engine, into alerts and prompts.

Patients are read in batches in id order (keyset pagination: a batch costs the same however
far the pass has gone). Each batch's diaries are read (`diaries.read_batch`) and assessed by
the engine (`assess_grouped`, the function `assess` ends in); `apply_batch` turns the findings
into alerts and prompts as on a save (`lifecycle.decide`), in one transaction per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.services import DETECTION, apply_batch, queue_reprompts
from tracker.detection.diaries import log_failure, read_batch
from tracker.diary.assessed import mark_assessed, pending_between
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.engine import Finding, Rules, assess_grouped, compile_rules

# Patients per batch: fewer, larger batches read the index's pages fewer times, for more memory.
DEFAULT_BATCH_SIZE = 5000

SessionFactory = Callable[[], Session]
Assessed = list[tuple[int, list[Finding]]]  # (patient id, findings) for those with findings
Seen = dict[int, int]  # patient id: count of diary changes, for those with changes not assessed


@dataclass
class Summary:
    """What a pass did: patients read, findings, alerts opened, updated and left unchanged."""

    patients: int = 0
    findings: int = 0
    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # patients skipped because the engine (or writing their alerts) failed
    reprompted: int = 0

    def to_json(self) -> dict[str, int]:
        """The summary `jobs detect --json` prints."""
        names = ("patients", "findings", "opened", "updated", "unchanged")
        return {name: getattr(self, name) for name in names}


class Interrupted(Exception):
    """The pass was asked to stop between two batches; every batch before it is committed."""

    def __init__(self, summary: Summary) -> None:
        super().__init__("detection pass interrupted")
        self.summary = summary


def detect(
    sessions: SessionFactory,
    today: date,
    rules: Catalogue,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    now: datetime | None = None,
) -> Summary:
    """Assess every patient as of `today`, apply the findings as alerts, queue re-prompts."""
    now = now or clock.now()
    summary = Summary()
    batches = assess_batches(sessions, today, rules, batch_size)
    # Checked between batches only: a batch is one transaction, so stopping there leaves
    # nothing half-written, and running the pass again finishes the job.
    while should_stop is None or not should_stop():
        batch = next(batches, None)
        if batch is None:
            summary.reprompted = _queue_reprompts(sessions, rules, now, today)
            return summary
        patients, failed, assessed, seen = batch
        with sessions() as s:
            outcome, write_failed = apply_batch(s, assessed, DETECTION, now, log_failure)
            _mark_assessed(s, seen, failed | write_failed, today, now)
        summary.patients += patients
        summary.findings += sum(len(f) for pid, f in assessed if pid not in write_failed)
        summary.failed += len(failed) + len(write_failed)
        summary.opened += outcome.opened
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        if progress is not None:
            progress(patients)
    raise Interrupted(summary)


def assess_batches(
    sessions: SessionFactory, today: date, rules: Rules | Catalogue, batch_size: int
) -> Iterator[tuple[int, set[int], Assessed, Seen]]:
    """Per batch: patients read, ids that failed, (id, findings) for those with findings, and
    the counts of changes, read before the diaries, of those with changes not yet assessed."""
    r = compile_rules(rules)
    after = 0
    while True:
        with sessions() as s:
            query = select(Patient.id).where(Patient.id > after).order_by(Patient.id)
            ids = list(s.scalars(query.limit(batch_size)))
            seen = pending_between(s, ids[0], ids[-1]) if ids else {}
        if not ids:
            return
        after = ids[-1]
        failed: set[int] = set()
        assessed = []
        for patient_id, days, marks, known in read_batch(sessions, ids, today, r, failed):
            try:
                findings = assess_grouped(days, marks, known, today, r)
            except Exception as exc:  # one patient's record must not stop everyone else's
                log_failure(patient_id, exc)
                failed.add(patient_id)
                continue
            if findings:
                assessed.append((patient_id, findings))
        yield len(ids), failed, sorted(assessed, key=itemgetter(0)), seen


def _mark_assessed(s: Session, seen: Seen, skipped: set[int], today: date, now: datetime) -> None:
    """Record these diaries as assessed, so the lost-assessment job leaves them alone; but not
    for a patient whose own today is not the pass's (a later date's entries waited)."""
    if not seen:
        return
    zones = s.execute(select(Patient.id, Patient.timezone).where(Patient.id.in_(list(seen))))
    done = {
        pid: seen[pid]
        for pid, zone in zones
        if pid not in skipped and clock.local_date(now, zone) == today
    }
    mark_assessed(s, done, now)
    s.commit()


def _queue_reprompts(sessions: SessionFactory, rules: Catalogue, now: datetime, today: date) -> int:
    days, most = rules.thresholds["reprompt_days"], rules.thresholds["max_reprompts"]
    with sessions() as s:
        try:
            queued = queue_reprompts(s, days, most, now, today)
        except IntegrityError:
            # A concurrent run queued the same re-prompt first: look again, it is not due now.
            s.rollback()
            queued = queue_reprompts(s, days, most, now, today)
        s.commit()
    return queued

"""Assessments lost between a save and its alerts (rules §4), found and done within minutes.

A diary save commits first and assesses after (`tracker.alerts.on_save`). When that second
step does not complete (the process died, the database refused), the diary's count of changes
stays ahead of its assessed count (`tracker.diary.assessed`). This job, every few minutes,
assesses those patients through the same path as a save, rather than leaving them for the next
daily pass, which is the net under this one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.services import DETECTION
from tracker.detection.diaries import log_failure
from tracker.detection.patient import apply_assessment, assess_patient
from tracker.diary.assessed import pending_since
from tracker.rules.catalogue import Catalogue

log = logging.getLogger(__name__)

# Patients per run: a backlog (say, after the database was down for an hour) is worked off over
# a few runs, oldest change first, rather than in one run that holds up the next.
DEFAULT_LIMIT = 500


@dataclass
class LostSummary:
    """What a run did, in counts only: nothing about any one patient."""

    found: int = 0
    assessed: int = 0
    findings: int = 0
    opened: int = 0
    updated: int = 0
    failed: int = 0


def assess_lost(
    sessions: Callable[[], Session],
    rules: Catalogue,
    now: datetime,
    settle: timedelta,
    limit: int = DEFAULT_LIMIT,
) -> LostSummary:
    """Assess every patient whose diary changed more than `settle` ago and was not assessed
    since, each in the patient's own today, one transaction each."""
    summary = LostSummary()
    with sessions() as s:
        pending = pending_since(s, now - settle, limit)
    summary.found = len(pending)
    for pid, zone in pending:
        with sessions() as s:
            try:
                assessment = assess_patient(s, pid, clock.local_date(now, zone), rules)
                outcome = apply_assessment(s, assessment, DETECTION, now)
            except (OperationalError, InterfaceError):
                raise  # the database is gone, not one patient's record: the next run retries
            except Exception as exc:  # one patient's record must not stop everyone else's
                s.rollback()
                log_failure(pid, exc)
                summary.failed += 1
                continue
        summary.assessed += 1
        summary.findings += len(assessment.findings)
        summary.opened += outcome.opened
        summary.updated += outcome.updated
    return summary

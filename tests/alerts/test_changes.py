"""Carrying out `decide`'s actions changes an alert only while it is what was read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from tests.conftest import make_patient
from tracker.alerts.changes import Stale, carry_out, read_alerts
from tracker.alerts.lifecycle import MERGE, MOVE, RAISE, SUPERSEDE_AND_OPEN, decide
from tracker.alerts.models import ACKNOWLEDGED, OPEN, Alert, AlertEvent, Prompt
from tracker.rules.engine import Finding

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
START = date(2026, 11, 1)


def stored_alert(session, patient_id: int) -> None:
    """An open `soon` cough alert, `new` only, its episode from START to the 10th."""
    session.add(
        Alert(
            patient_id=patient_id,
            symptom_code="cough",
            status=OPEN,
            urgency="soon",
            reasons="new",
            episode_start=START,
            first_entry=START,
            last_entry=date(2026, 11, 10),
            duration_days=9,
            rules_version="test",
            opened_at=NOW,
            updated_at=NOW,
        )
    )
    session.commit()


def finding(urgency="soon", reasons=("new",), first=START, last=date(2026, 11, 12)) -> Finding:
    return Finding("cough", urgency, reasons, first, last, (last - first).days, "test", first)


FINDINGS = {
    MOVE: finding(),
    MERGE: finding(reasons=("new", "persistent")),
    RAISE: finding(urgency="same_day", reasons=("red_flag",)),
    SUPERSEDE_AND_OPEN: finding(first=date(2026, 11, 19), last=date(2026, 11, 19)),
}
CHANGES_IN_BETWEEN = {
    "answered": {"status": ACKNOWLEDGED},
    "another reason": {"reasons": "new,worrying"},
    "urgency rose": {"urgency": "same_day"},
}


def everything(session) -> tuple:
    rows = session.execute(select(Alert.__table__).order_by(Alert.id)).all()
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (AlertEvent, Prompt)]
    return [tuple(r) for r in rows], counts


@pytest.mark.parametrize("kind", FINDINGS)
@pytest.mark.parametrize("change", CHANGES_IN_BETWEEN)
def test_an_alert_changed_since_it_was_read_is_left_alone_and_said_to_be_stale(
    session, kind, change
):
    patient_id = make_patient(session).id
    stored_alert(session, patient_id)
    alerts = read_alerts(session, patient_id, patient_id)[(patient_id, "cough")]
    action = decide(alerts, FINDINGS[kind])
    assert action.kind == kind
    session.rollback()
    session.execute(update(Alert).values(**CHANGES_IN_BETWEEN[change]))  # by someone else
    session.commit()
    before = everything(session)

    with pytest.raises(Stale):
        carry_out(session, [(patient_id, action)], "detection", NOW)
    session.rollback()

    assert everything(session) == before

"""The one Urgency type: its order, the urgencies raised at once, and the database's constraint
agree, and a plain string read back from the database stands for its member."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import CheckConstraint
from sqlalchemy.exc import IntegrityError

from tracker.alerts.models import OPEN, Alert
from tracker.rules.catalogue import CLASSES, RECORD, WATCH
from tracker.rules.urgency import RAISED_AT_ONCE, Urgency, rank

# As the first migration wrote it (migrations/versions/2026_11_21_18bcc673de16_...): the
# models' constraint must stay byte for byte the same, or the schema would need a migration.
MIGRATED_CONSTRAINT = "urgency IN ('soon', 'same_day', 'emergency')"


def _urgency_constraint() -> str:
    [check] = [
        c
        for c in Alert.__table__.constraints
        if isinstance(c, CheckConstraint) and c.name.endswith("urgency")
    ]
    return str(check.sqltext)


def test_urgencies_are_listed_least_urgent_first_and_rank_in_that_order():
    assert [rank(u) for u in Urgency] == sorted(rank(u) for u in Urgency)
    assert len({rank(u) for u in Urgency}) == len(Urgency)
    assert list(Urgency) == [Urgency.SOON, Urgency.SAME_DAY, Urgency.EMERGENCY]


def test_a_plain_string_ranks_compares_and_looks_up_like_its_member():
    for u in Urgency:
        assert rank(u.value) == rank(u)
        assert u.value == u and str(u) == u.value and f"{u}" == u.value
        assert {u: True}[u.value]
    assert "emergency" in RAISED_AT_ONCE and "soon" not in RAISED_AT_ONCE


def test_the_urgencies_raised_at_once_are_the_most_urgent_listed_most_urgent_first():
    by_rank = sorted(Urgency, key=rank, reverse=True)
    assert list(RAISED_AT_ONCE) == by_rank[: len(RAISED_AT_ONCE)]
    assert RAISED_AT_ONCE == (Urgency.EMERGENCY, Urgency.SAME_DAY)  # rules §4
    assert Urgency.SOON not in RAISED_AT_ONCE


def test_the_database_constraint_lists_every_urgency_in_order_and_has_not_changed():
    text = _urgency_constraint()
    assert text == MIGRATED_CONSTRAINT
    assert re.findall(r"'([a-z_]+)'", text) == [u.value for u in Urgency]


def test_the_rules_file_classes_are_the_urgencies_watch_and_record():
    # Rules version 2 adds `record` (clinical-rules.md §1): like `watch`, a class, not an urgency.
    assert set(CLASSES) == {*Urgency, WATCH, RECORD}
    assert WATCH not in {u.value for u in Urgency}
    assert RECORD not in {u.value for u in Urgency}


def _alert(patient_id: int, symptom: str, urgency: str) -> Alert:
    day = date(2026, 11, 1)
    return Alert(
        patient_id=patient_id,
        symptom_code=symptom,
        episode_start=day,
        first_entry=day,
        last_entry=day,
        duration_days=0,
        urgency=urgency,
        reasons="new",
        rules_version="test",
        status=OPEN,
    )


def test_the_database_takes_every_urgency_as_a_member_or_a_string_and_refuses_a_class(
    session, patient
):
    codes = iter(["cough", "lump", "bone_pain", "headache", "nausea", "rash"])
    for u in Urgency:
        session.add(_alert(patient.id, next(codes), u))
        session.add(_alert(patient.id, next(codes), u.value))
    session.commit()
    stored = sorted(a.urgency for a in session.query(Alert).filter_by(patient_id=patient.id))
    assert stored == sorted([u.value for u in Urgency] * 2)
    assert all(type(u) is str for u in stored)  # read back as plain strings, equal to members

    session.add(_alert(patient.id, "fatigue", WATCH))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()

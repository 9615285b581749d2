"""The team sets a patient's known conditions (rules v2 §2): a symptom, an optional end date
(today allowed: it counts through that day) and a reason; every change kept with who and when.

Other teams' patients are 404 on every one of these routes: tests/team/test_access.py walks them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import post_form
from tests.diary.test_logging import error_beside
from tests.team.conftest import KNOWN_ON_BOTH_SIDES, database, plain, read
from tracker.diary.assessed import changes_seen, pending_between
from tracker.patients import conditions
from tracker.patients.models import KnownCondition, KnownConditionChange, Patient
from tracker.team.models import CONDITIONS_CHANGED, StaffAccess

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 2 December 2026 in London too
TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def stopped_clock(clock):
    clock.set(NOW)
    return clock


def _new(world) -> str:
    return f"/team/patients/{world.ours.patient}/conditions/new"


def _form(symptom="joint_pain", until=("31", "1", "2027"), reason="Joint aches from letrozole"):
    data = {"reason": reason}
    if symptom is not None:
        data["symptom"] = symptom
    data.update(zip(("until[day]", "until[month]", "until[year]"), until, strict=True))
    return data


def _conditions(app, patient_id: int) -> dict[str, tuple]:
    rows = read(
        app,
        lambda s: s.scalars(
            select(KnownCondition).where(KnownCondition.patient_id == patient_id)
        ).all(),
    )
    return {k.symptom_code: (k.until, k.reason, k.set_by_staff_id) for k in rows}


def _history(app, patient_id: int) -> list[tuple]:
    rows = read(
        app,
        lambda s: s.scalars(
            select(KnownConditionChange)
            .where(KnownConditionChange.patient_id == patient_id)
            .order_by(KnownConditionChange.id)
        ).all(),
    )
    return [(c.symptom_code, c.action, c.until, c.reason, c.staff_id, c.at) for c in rows]


def _audited(app, patient_id: int) -> int:
    return len(
        read(
            app,
            lambda s: s.scalars(
                select(StaffAccess).where(
                    StaffAccess.patient_id == patient_id, StaffAccess.action == CONDITIONS_CHANGED
                )
            ).all(),
        )
    )


def test_the_team_adds_one_with_an_end_date_and_a_reason_kept_with_who_and_when(
    app, clinician, world
):
    response = post_form(clinician, _new(world), _form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/team/patients/{world.ours.patient}#known-conditions"
    )
    pid, who = world.ours.patient, world.ours.clinician
    until = date(2027, 1, 31)
    assert _conditions(app, pid)["joint_pain"] == (until, "Joint aches from letrozole", who)
    assert _history(app, pid)[-1] == (
        "joint_pain", "added", until, "Joint aches from letrozole", who, NOW,
    )  # fmt: skip
    assert _audited(app, pid) == 1
    record = plain(clinician.get(f"/team/patients/{pid}"))
    assert "Joint aches Expected until Sunday 31 January 2027" in record
    assert "Reason: Joint aches from letrozole Set by Clin a" in record
    assert "Clin a added joint aches: expected until Sunday 31 January 2027" in record


def test_an_end_date_of_today_is_accepted_it_counts_through_that_day(app, clinician, world):
    response = post_form(clinician, _new(world), _form(until=("2", "12", "2026")))
    assert response.status_code == 302
    assert _conditions(app, world.ours.patient)["joint_pain"][0] == TODAY


def test_no_end_date_is_accepted(app, clinician, world):
    assert post_form(clinician, _new(world), _form(until=("", "", ""))).status_code == 302
    assert _conditions(app, world.ours.patient)["joint_pain"][0] is None


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (_form(until=("1", "12", "2026")), "until", "The end date must be today or in the future"),
        (_form(until=("31", "2", "2027")), "until", "The end date must be a real date"),
        (_form(until=("31", "", "2027")), "until", "The end date must include a month"),
        (_form(until=("31", "1", "27")), "until", "The end date must include a 4-digit year"),
        (_form(reason=""), "reason", "Enter why the team expects this symptom"),
        (_form(reason="x" * 201), "reason", "The reason must be 200 characters or fewer"),
        (_form(reason="aches\x00"), "reason", "The reason contains a hidden character"),
        (_form(symptom=""), "symptom", "Select the symptom the team expects"),
        (_form(symptom="nonsense"), "symptom", "Select the symptom the team expects"),
        # A red flag is always raised, whatever is known (rules §3): never a known condition.
        (_form(symptom="seizure"), "symptom", "Select the symptom the team expects"),
        (_form(symptom="other"), "symptom", "Select the symptom the team expects"),
        (_form(symptom=KNOWN_ON_BOTH_SIDES), "symptom", "Select the symptom the team expects"),
    ],
)
def test_bad_input_is_shown_beside_its_field_kept_and_nothing_saved(
    app, clinician, world, form, field, message
):
    before = (_conditions(app, world.ours.patient), _history(app, world.ours.patient))
    response = post_form(clinician, _new(world), form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(body, field).startswith(message)
    assert f'href="#{field}-day"' in body if field == "until" else f'href="#{field}"' in body
    for name, typed in form.items():
        if name == "symptom":
            # Kept chosen when it was one offered (one not offered cannot be shown as chosen).
            assert bool(re.search(r'value="joint_pain"\s+selected', body)) is (
                typed == "joint_pain"
            )
        elif typed and "\x00" not in typed:
            assert f'value="{typed}"' in body or f">{typed}</textarea>" in body, name
    assert (_conditions(app, world.ours.patient), _history(app, world.ours.patient)) == before
    assert _audited(app, world.ours.patient) == 0


def test_the_add_form_offers_watched_symptoms_not_yet_held(clinician, world):
    body = clinician.get(_new(world)).get_data(as_text=True)
    offered = set(re.findall(r'<option value="([a-z_]+)"', body))
    assert "joint_pain" in offered and "numbness" in offered
    assert not offered & {KNOWN_ON_BOTH_SIDES, "seizure", "fracture", "lump", "hot_flushes"}


def test_the_team_changes_the_patients_own_condition_which_becomes_the_teams(app, clinician, world):
    pid, who = world.ours.patient, world.ours.clinician
    page = f"/team/patients/{pid}/conditions/{KNOWN_ON_BOTH_SIDES}"
    assert "The patient added this themselves" in plain(clinician.get(page))
    form = _form(symptom=None, until=("28", "2", "2027"), reason="Tired after radiotherapy")
    assert post_form(clinician, page, form).status_code == 302
    assert _conditions(app, pid)[KNOWN_ON_BOTH_SIDES] == (
        date(2027, 2, 28), "Tired after radiotherapy", who,
    )  # fmt: skip
    assert _history(app, pid)[-1][:5] == (
        KNOWN_ON_BOTH_SIDES, "changed", date(2027, 2, 28), "Tired after radiotherapy", who,
    )  # fmt: skip
    # Saving it again unchanged is not a change: no history row, no audit row.
    count = len(_history(app, pid))
    assert post_form(clinician, page, form).status_code == 302
    assert len(_history(app, pid)) == count and _audited(app, pid) == 1


def test_a_change_with_an_end_date_in_the_past_is_refused_beside_the_field(app, clinician, world):
    page = f"/team/patients/{world.ours.patient}/conditions/{KNOWN_ON_BOTH_SIDES}"
    response = post_form(clinician, page, _form(symptom=None, until=("30", "11", "2026")))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert error_beside(body, "until") == "The end date must be today or in the future"
    assert 'value="30"' in body and 'value="11"' in body
    assert _conditions(app, world.ours.patient)[KNOWN_ON_BOTH_SIDES] == (None, None, None)


def test_the_team_removes_one_and_its_history_stays(app, clinician, world):
    pid = world.ours.patient
    page = f"/team/patients/{pid}/conditions/{KNOWN_ON_BOTH_SIDES}"
    response = post_form(clinician, page, {}, action=f"{page}/remove")
    assert response.status_code == 302
    assert KNOWN_ON_BOTH_SIDES not in _conditions(app, pid)
    assert [h[:2] for h in _history(app, pid)] == [
        (KNOWN_ON_BOTH_SIDES, "added"),
        (KNOWN_ON_BOTH_SIDES, "removed"),
    ]
    assert _history(app, pid)[-1][4] == world.ours.clinician
    assert "The patient added fatigue" not in plain(clinician.get(f"/team/patients/{pid}"))
    assert "Clin a removed tiredness" in plain(clinician.get(f"/team/patients/{pid}"))


def test_a_symptom_the_patient_does_not_have_as_a_condition_is_404(clinician, world):
    page = f"/team/patients/{world.ours.patient}/conditions/joint_pain"
    assert clinician.get(page).status_code == 404
    response = post_form(clinician, _new(world), {}, action=f"{page}/remove")
    assert response.status_code == 404


def test_an_ended_condition_shows_as_ended_to_the_team(app, clinician, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        for code, until in (("joint_pain", TODAY), ("numbness", date(2026, 12, 1))):
            conditions.add(s, patient, code, staff_id=world.ours.clinician, until=until, reason="r")
        s.commit()
    page = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "Joint aches Expected until Wednesday 2 December 2026" in page
    assert "Ended : expected until Tuesday 1 December 2026, so it no longer counts" in page
    # The summary at the top lists only those that count today.
    assert "Known conditions Tiredness, Joint aches Monitoring" in page


def test_a_change_to_known_conditions_is_assessed_by_the_lost_assessment_job(app, clinician, world):
    """Known conditions are what the rules read too: a change is counted like a diary change,
    so the job assesses the diary within minutes rather than at the next daily run."""
    pid = world.ours.patient
    before = read(app, lambda s: changes_seen(s, pid))
    assert post_form(clinician, _new(world), _form()).status_code == 302
    assert read(app, lambda s: changes_seen(s, pid)) == before + 1
    assert pid in read(app, lambda s: pending_between(s, pid, pid))

"""Findings at save time (rules version 2, §4): every change to a diary runs the engine over the
whole diary at once, every finding opens or updates its alert then, and the page that confirms
the save shows every finding, most urgent first, with what to do. Every change is counted, and
every completed assessment recorded, so that a lost one can be found (tracker.diary.assessed)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from tests.alerts.test_alert_pages import (
    BLOOD,
    EMERGENCY,
    NEVER_SAY,
    SAME_DAY,
    SEIZURE,
    SOON,
    alerts,
    log,
    main_text,
    prompts,
)
from tests.conftest import post_form
from tests.detection.stored import store, symptom
from tests.detection.test_pass import before_each_statement
from tests.diary.test_logging import date_fields, log_form, save, today
from tracker.alerts.models import OPEN, RESOLVED, Alert
from tracker.alerts.wording import finding_groups, joined
from tracker.diary.assessed import DiaryAssessment
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.rules import load_rules

RULES = load_rules()
BONE_PAIN = RULES.symptom("bone_pain").name
LUMP = RULES.symptom("lump").name
COUGH = RULES.symptom("cough").name


def counts(session, patient) -> tuple[int, int] | None:
    """The patient's (changes, assessed changes), or None if the diary never changed."""
    session.expire_all()
    row = session.get(DiaryAssessment, patient.id)
    return None if row is None else (row.changes, row.assessed_changes)


def bone_pain_for_two_weeks(session, patient) -> None:
    """Bone pain on and off for 15 days to yesterday, getting worse: new, persistent, worsening."""
    days = [today() - timedelta(days=n) for n in (16, 11, 6, 1)]
    store(
        session,
        patient.id,
        [symptom(d, "bone_pain", s) for d, s in zip(days, (3, 3, 6, 6), strict=True)],
    )
    session.commit()


def test_a_save_shows_every_finding_of_the_whole_diary_most_urgent_first_with_what_to_do(
    patient_client, session, patient
):
    bone_pain_for_two_weeks(session, patient)  # logged earlier: never assessed until now
    response = log(patient_client, "seizure", "lump", follow_redirects=True)
    assert response.request.path == "/diary/saved"
    body = response.get_data(as_text=True)
    words = main_text(response)

    # The most urgent first, as the page's heading; then each urgency's findings under it.
    assert f"<title>{EMERGENCY} – Symptom diary</title>" in body
    order = [words.index(w) for w in (EMERGENCY, SEIZURE, SOON, BONE_PAIN)]
    assert order == sorted(order)
    assert words.index(SOON) < words.index(LUMP)
    assert body.index("nhsuk-card--care--emergency") < body.index("nhsuk-card--care--non-urgent")
    assert body.count("<h1") == 1
    # What to do, for each urgency, and why, in words.
    assert "Call 999 now, or go to A&E" in words
    assert "Please call them in the next few days" in words
    assert "Call Breast Care Team on 0118 496 0000" in words
    assert "it is a symptom that needs help straight away" in words
    assert "it is a symptom your team asks to hear about within a few days" in words
    assert (
        "it is new for you and has lasted a week or more, it has lasted 2 weeks or more "
        "and it has been getting worse"
    ) in words
    start = today() - timedelta(days=16)
    assert f"It started on {start:%A} {start.day} {start:%B %Y}." in words
    assert "Your 2 symptoms have been saved in your diary." in words
    assert "Each of these will stay at the top of your diary" in words
    assert not NEVER_SAY.search(words)

    # Every finding opened its alert at once, by the save, with its prompt.
    raised = {a.symptom_code: (a.urgency, a.status) for a in alerts(session, patient)}
    assert raised == {
        "seizure": ("emergency", OPEN),
        "lump": ("soon", OPEN),
        "bone_pain": ("soon", OPEN),
    }
    assert {e.actor for a in alerts(session, patient) for e in a.events} == {"diary"}
    assert sorted(p.urgency for p in prompts(session, patient)) == ["emergency", "soon", "soon"]
    # The save's assessment covered every change so far.
    assert counts(session, patient) == (2, 2)


def test_a_save_with_no_finding_says_saved_and_records_the_assessment(
    patient_client, session, patient
):
    response = log(patient_client, "cough", severity="3")
    assert response.headers["Location"] == "/diary/"
    assert alerts(session, patient) == []
    assert counts(session, patient) == (1, 1)


def test_a_check_in_is_not_a_change_the_engine_reads(patient_client, session, patient):
    # Yesterday's cough: a check-in is not recorded on a day with symptoms (issue 19, item 1).
    yesterday = log_form({"cough": {"severity": "3"}}, today() - timedelta(days=1))
    save(patient_client, yesterday)
    response = post_form(patient_client, "/diary/", {}, action="/diary/check-in")
    assert response.headers["Location"] == "/diary/"
    assert counts(session, patient) == (1, 1)


def test_a_resolved_mark_saved_in_the_diary_is_assessed_at_once(patient_client, session, patient):
    log(patient_client, "coughing_blood")
    response = post_form(
        patient_client,
        "/diary/symptoms/coughing_blood/gone",
        date_fields("gone_date", today()),
        follow_redirects=True,
    )
    # A red flag ended by a resolved mark is still reported for 30 days (rules §3, example 8):
    # the page says so, and the alert, answered by the mark, waits for the team.
    assert response.request.path == "/diary/saved"
    words = main_text(response)
    assert SAME_DAY in words and BLOOD in words
    assert f"Saved: {BLOOD.lower()} has gone away." in words
    assert "stay at the top of your diary" not in words  # answered: off the diary's home page
    [alert] = alerts(session, patient)
    assert (alert.status, alert.urgency) == (RESOLVED, "same_day")
    assert len(prompts(session, patient)) == 1
    assert counts(session, patient) == (2, 2)


def test_a_resolved_mark_that_leaves_no_finding_says_saved(patient_client, session, patient):
    log(patient_client, "lump")
    response = post_form(
        patient_client, "/diary/symptoms/lump/gone", date_fields("gone_date", today())
    )
    assert response.headers["Location"] == "/diary/"
    home = main_text(patient_client.get("/diary/"))
    assert f"Saved: {LUMP.lower()} has gone away." in home
    [alert] = alerts(session, patient)
    assert alert.status == RESOLVED


def test_an_edit_that_makes_a_finding_shows_it_and_raises_its_alert(
    patient_client, session, patient
):
    [entry] = record_symptoms(session, patient, today(), [SymptomReport("cough", 3)])
    session.commit()
    data = {
        "entry_date[day]": str(today().day),
        "entry_date[month]": str(today().month),
        "entry_date[year]": str(today().year),
        "severity-cough": "9",
        "note-cough": "",
    }
    response = post_form(
        patient_client, f"/diary/entries/{entry.id}/edit", data, follow_redirects=True
    )
    assert response.request.path == "/diary/saved"
    words = main_text(response)
    assert SOON in words and COUGH in words
    assert "Your changes have been saved." in words
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.reason_list) == ("cough", ["severe"])
    assert counts(session, patient) == (2, 2)


def test_deleting_is_assessed_too(patient_client, session, patient):
    [entry] = record_symptoms(session, patient, today(), [SymptomReport("cough", 3)])
    session.commit()
    assert counts(session, patient) == (1, 0)  # saved outside a request: not yet assessed
    response = post_form(patient_client, f"/diary/entries/{entry.id}/delete", {})
    assert response.headers["Location"] == "/diary/history"
    assert "The entry has been deleted" in main_text(patient_client.get("/diary/history"))
    assert counts(session, patient) == (2, 2)


def test_another_patients_findings_never_show_on_my_page(client, session, patient):
    from tests.conftest import make_patient, sign_in_as

    other = make_patient(session, email="other.person@example.test")
    bone_pain_for_two_weeks(session, other)
    sign_in_as(client, patient)
    response = log(client, "lump", follow_redirects=True)
    words = main_text(response)
    assert LUMP in words and BONE_PAIN not in words
    assert alerts(session, other) == []


def test_findings_are_grouped_by_urgency_most_urgent_first_in_the_engines_order():
    day = today()
    groups = finding_groups(
        [
            ("soon", "lump", None, ["report_promptly"], day),
            ("emergency", "seizure", None, ["red_flag"], day),
            ("soon", "other", "jaw ache", ["worrying"], day),
            ("same_day", "jaundice", None, [], None),
        ],
        RULES,
    )
    assert [g.urgency for g in groups] == ["emergency", "same_day", "soon"]
    assert [g.care_card for g in groups] == ["emergency", "urgent", "non-urgent"]
    assert [f.symptom for f in groups[2].findings] == [
        LUMP,
        "Jaw ache",  # a named 'something else' reads in the patient's own words
    ]
    assert groups[2].findings[1].because == "you told us it worries you"
    assert groups[1].findings[0].because == ""  # the diary could not be assessed


def test_reasons_are_joined_as_a_sentence():
    assert joined([]) == ""
    assert joined(["a"]) == "a"
    assert joined(["a", "b"]) == "a and b"
    assert joined(["a", "b", "c"]) == "a, b and c"


def test_no_url_carries_health_detail_after_any_change(patient_client, session, patient):
    response = log(patient_client, "lump", follow_redirects=True)
    visited = [r.request.url for r in response.history] + [response.request.url]
    assert all("lump" not in url.lower() and "?" not in url for url in visited)
    rows = session.scalars(select(DiaryAssessment)).all()
    assert [r.patient_id for r in rows] == [patient.id]


def test_an_alert_changed_by_another_writer_during_the_save_is_read_again_once(
    app, patient_client, session, patient, caplog
):
    # The lump's alert is open (an earlier save); just before this save writes its new reason,
    # another writer (the detection pass, say) commits a change to the same alert: the save's
    # write finds it changed (changes.Stale), and the save reads it again and merges once.
    log(patient_client, "lump")
    engine = app.extensions["engine"]
    raced = []

    def change_it_first(conn, cursor, statement, parameters, context, executemany):
        if raced or "alerts.reasons =" not in statement:
            return
        raced.append(True)
        with engine.connect() as other:
            other.execute(update(Alert).values(reasons="report_promptly,severe"))
            other.commit()

    with before_each_statement(engine, change_it_first), caplog.at_level(logging.ERROR):
        response = save(patient_client, log_form({"lump": {"severity": "5", "worrying": "yes"}}))
    assert raced
    assert response.headers["Location"] == "/diary/saved"
    assert caplog.messages == []
    [alert] = alerts(session, patient)
    assert alert.reason_list == ["report_promptly", "worrying", "severe"]
    assert [e.action for e in alert.events] == ["opened", "updated"]
    assert counts(session, patient) == (2, 2)

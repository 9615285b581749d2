"""Editing and deleting keep the original; history and charts; other patients' entries are 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_patient, post_form, sign_in_as
from tracker.clock import SYSTEM
from tracker.diary import services
from tracker.diary.models import DiaryEntry
from tracker.diary.services import SymptomReport


def today():
    return SYSTEM.today("Europe/London")


def add(session, patient, code="cough", severity=4, days_ago=0, note=None, worrying=False):
    [entry] = services.record_symptoms(
        session,
        patient,
        today() - timedelta(days=days_ago),
        [SymptomReport(code, severity, note=note, worrying=worrying)],
    )
    session.commit()
    return entry


def edit_data(day, severity="7", note="Now worse", worrying=True, code="cough"):
    data = {
        "entry_date[day]": str(day.day),
        "entry_date[month]": str(day.month),
        "entry_date[year]": str(day.year),
        f"severity-{code}": severity,
        f"note-{code}": note,
    }
    if worrying:
        data[f"worrying-{code}"] = "yes"
    return data


def test_editing_keeps_the_original_as_a_revision(patient_client, session, patient):
    entry = add(session, patient, severity=3, note="Mild")
    response = post_form(patient_client, f"/diary/entries/{entry.id}/edit", edit_data(today()))
    assert response.status_code == 302
    session.expire_all()
    entry = session.get(DiaryEntry, entry.id)
    assert (entry.severity, entry.note, entry.worrying) == (7, "Now worse", True)
    first, second = entry.revisions
    assert (first.action, first.severity, first.note) == ("created", 3, "Mild")
    assert (second.action, second.severity, second.note) == ("edited", 7, "Now worse")
    page = patient_client.get(f"/diary/entries/{entry.id}").get_data(as_text=True)
    assert "Earlier versions" in page
    assert "Mild" in page


def test_a_bad_edit_shows_the_error_keeps_the_typing_and_changes_nothing(
    patient_client, session, patient
):
    entry = add(session, patient, severity=3, note="Mild")
    response = post_form(
        patient_client,
        f"/diary/entries/{entry.id}/edit",
        edit_data(today() + timedelta(days=2), severity="12", note="Typed but not saved"),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The date cannot be in the future" in body
    assert "select a number from 1 to 10" in body
    assert "Typed but not saved" in body
    session.expire_all()
    entry = session.get(DiaryEntry, entry.id)
    assert (entry.severity, entry.note, len(entry.revisions)) == (3, "Mild", 1)


def test_deleting_hides_the_entry_but_keeps_the_row_and_its_history(
    patient_client, session, patient
):
    entry = add(session, patient, note="Delete me")
    response = post_form(patient_client, f"/diary/entries/{entry.id}/delete", {})
    assert response.status_code == 302
    session.expire_all()
    entry = session.get(DiaryEntry, entry.id)
    assert entry.deleted_at is not None
    assert [r.action for r in entry.revisions] == ["created", "deleted"]
    assert "Delete me" not in patient_client.get("/diary/history").get_data(as_text=True)
    assert patient_client.get(f"/diary/entries/{entry.id}").status_code == 404


def other_patients_entry(session):
    other = make_patient(session, email="other@example.test", name="Other Person")
    return add(session, other, note="Not yours")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/diary/entries/{id}"),
        ("get", "/diary/entries/{id}/edit"),
        ("get", "/diary/entries/{id}/delete"),
        ("post", "/diary/entries/{id}/edit"),
        ("post", "/diary/entries/{id}/delete"),
    ],
)
def test_another_patients_entry_is_not_found(patient_client, session, method, path):
    entry = other_patients_entry(session)
    url = path.format(id=entry.id)
    if method == "get":
        response = patient_client.get(url)
    else:
        response = post_form(patient_client, "/diary/", edit_data(today()), action=url)
    assert response.status_code == 404
    assert "Not yours" not in response.get_data(as_text=True)
    session.expire_all()
    unchanged = session.get(DiaryEntry, entry.id)
    assert (unchanged.severity, unchanged.deleted_at, len(unchanged.revisions)) == (4, None, 1)


def test_another_patients_entries_never_appear_in_my_history(patient_client, session):
    other_patients_entry(session)
    assert "Not yours" not in patient_client.get("/diary/history").get_data(as_text=True)
    assert "Not yours" not in patient_client.get("/diary/symptoms/cough").get_data(as_text=True)


def test_a_script_in_a_note_is_shown_as_text(patient_client, session, patient):
    entry = add(session, patient, note='<script>alert("x")</script>')
    for page in ("/diary/history", f"/diary/entries/{entry.id}", "/diary/symptoms/cough"):
        body = patient_client.get(page).get_data(as_text=True)
        assert '<script>alert("x")</script>' not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


def test_markup_in_a_note_stays_text_inside_the_design_system_macros(
    patient_client, session, patient
):
    # The edit page puts the note inside the character-count macro's <textarea>: a note that
    # closes the textarea must not become live markup.
    entry = add(session, patient, note="</textarea><b>bold</b>")
    for page in (f"/diary/entries/{entry.id}/edit", f"/diary/entries/{entry.id}"):
        body = patient_client.get(page).get_data(as_text=True)
        assert "<b>bold</b>" not in body
        assert "&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;" in body


def test_a_team_name_with_markup_is_shown_as_text(patient_client, session, patient):
    patient.team.name = "<i>Team</i>"
    session.add(patient.team)
    session.commit()
    for page in ("/diary/", "/settings/"):
        body = patient_client.get(page).get_data(as_text=True)
        assert "<i>Team</i>" not in body
        assert "&lt;i&gt;Team&lt;/i&gt;" in body


def test_history_lists_entries_newest_first(patient_client, session, patient):
    add(session, patient, code="rash", days_ago=5, note="older")
    add(session, patient, code="cough", days_ago=1, note="newer")
    body = patient_client.get("/diary/history").get_data(as_text=True)
    assert body.index("newer") < body.index("older")


def test_symptom_page_has_a_chart_with_a_text_summary_and_a_table(patient_client, session, patient):
    for days_ago, severity in ((9, 3), (5, 5), (1, 6)):
        add(session, patient, code="bone_pain", days_ago=days_ago, severity=severity)
    body = patient_client.get("/diary/symptoms/bone_pain").get_data(as_text=True)
    assert '<svg class="app-chart"' in body and 'role="img"' in body
    assert body.count('class="app-chart__point"') == 3
    assert "You noted this 3 times" in body
    assert "It ranged from 3 to 6 out of 10" in body
    assert "The most recent was 6 out of 10" in body
    assert body.count('<td class="nhsuk-table__cell">') == 9  # 3 rows of date, severity, worry


def test_only_symptom_entries_can_be_edited(patient_client, session, patient):
    mark = services.record_resolved(session, patient, "cough", today())
    session.commit()
    assert patient_client.get(f"/diary/entries/{mark.id}/edit").status_code == 404
    assert patient_client.get(f"/diary/entries/{mark.id}").status_code == 200


def test_home_lists_recent_symptoms_until_marked_gone(patient_client, session, patient):
    add(session, patient, code="headache", days_ago=2)
    assert "Headache" in patient_client.get("/diary/").get_data(as_text=True)
    services.record_resolved(session, patient, "headache", today())
    session.commit()
    assert "Headache" not in patient_client.get("/diary/").get_data(as_text=True)


def test_a_symptom_is_named_by_its_short_name_in_the_history_and_the_saved_message(
    patient_client, session, patient
):
    # Issue 19, item 5: the words a symptom is chosen by read badly as its name.
    add(session, patient, code="cough", severity=4, days_ago=3)
    day = today()
    gone = {"gone_date[day]": str(day.day), "gone_date[month]": str(day.month)}
    gone["gone_date[year]"] = str(day.year)
    saved = post_form(patient_client, "/diary/symptoms/cough/gone", gone, follow_redirects=True)
    assert "Saved: cough has gone away." in saved.get_data(as_text=True)
    history = patient_client.get("/diary/history").get_data(as_text=True)
    assert "Cough: gone away" in history and "Cough: 4 out of 10" in history
    assert "A cough that does not go away" not in history


def test_home_shows_the_treating_team_contact(patient_client, patient):
    body = patient_client.get("/diary/").get_data(as_text=True)
    assert "0118 496 0000" in body and "Monday to Friday, 9am to 5pm" in body


def test_entries_are_scoped_in_the_service_layer_too(session, patient):
    entry = other_patients_entry(session)
    assert services.own_entry(session, patient, entry.id) is None


def test_a_signed_in_patient_sees_only_their_own_name(client, session):
    me = make_patient(session, email="me@example.test", name="Robin Mine")
    make_patient(session, email="you@example.test", name="Jo Yours")
    sign_in_as(client, me)
    assert "Jo Yours" not in client.get("/settings/").get_data(as_text=True)
    assert session.scalar(select(DiaryEntry.id)) is None


def test_an_edit_with_an_onset_more_than_50_years_back_is_refused(patient_client, session, patient):
    entry = add(session, patient, severity=3, note="Mild")
    data = edit_data(today()) | {
        "onset-cough[day]": "1",
        "onset-cough[month]": "1",
        "onset-cough[year]": "1899",
    }
    response = post_form(patient_client, f"/diary/entries/{entry.id}/edit", data)
    assert response.status_code == 400
    assert "no more than 50 years before" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(DiaryEntry, entry.id).severity == 3


def test_symptom_page_with_a_day_noted_twice(patient_client, session, patient):
    """The most recent is the last noted; the chart shows the day's highest; the table lists
    every entry newest first, by day and then as noted."""
    older = add(session, patient, code="bone_pain", days_ago=2, severity=3)
    morning = add(session, patient, code="bone_pain", severity=8)
    evening = add(session, patient, code="bone_pain", severity=4)
    body = patient_client.get("/diary/symptoms/bone_pain").get_data(as_text=True)
    assert body.count('class="app-chart__point"') == 2
    assert "You noted this 3 times on 2 days" in body
    assert "The most recent was 4 out of 10" in body
    assert "It ranged from 3 to 8 out of 10" in body
    table = body[body.index("<table") : body.index("</table>")]
    links = [f'/diary/entries/{e.id}"' for e in (evening, morning, older)]
    assert sorted(links, key=table.index) == links


def test_earlier_versions_show_times_in_the_patients_time_zone_in_plain_words(
    patient_client, session, patient
):
    entry = add(session, patient, severity=3, note="Mild")
    post_form(patient_client, f"/diary/entries/{entry.id}/edit", edit_data(today()))
    session.expire_all()
    first, second = session.get(DiaryEntry, entry.id).revisions
    first.at = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # British Summer Time: 2:05pm
    second.at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # Greenwich Mean Time: 9:30am
    session.commit()
    page = patient_client.get(f"/diary/entries/{entry.id}").get_data(as_text=True)
    assert "(UTC)" not in page
    assert re.search(r"First saved</strong>\s+1 July 2026 at 2:05pm:", page)
    assert re.search(r"Changed</strong>\s+2 November 2026 at 9:30am:", page)
    patient.timezone = "Europe/Paris"  # the patient's own zone, not the UK's
    session.commit()
    page = patient_client.get(f"/diary/entries/{entry.id}").get_data(as_text=True)
    assert re.search(r"First saved</strong>\s+1 July 2026 at 3:05pm:", page)

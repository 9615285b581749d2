"""Logging symptoms: the "how are you today" page, check-ins and "this has gone away"."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import post_form
from tracker.alerts import services as alert_services
from tracker.alerts.models import Alert, AlertEvent
from tracker.clock import SYSTEM
from tracker.diary import services
from tracker.diary.models import CHECK_IN, RESOLVED, DiaryEntry, EntryRevision
from tracker.diary.services import SymptomReport
from tracker.rules.engine import Finding


def today():
    return SYSTEM.today("Europe/London")


def date_fields(prefix: str, day) -> dict[str, str]:
    return {
        f"{prefix}[day]": str(day.day),
        f"{prefix}[month]": str(day.month),
        f"{prefix}[year]": str(day.year),
    }


def log_form(symptoms: dict[str, dict], day=None) -> list[tuple[str, str]]:
    """Form data as the log page sends it: repeated `symptoms`, then each symptom's fields."""
    data = list(date_fields("entry_date", day or today()).items())
    for code, fields in symptoms.items():
        data.append(("symptoms", code))
        data.extend((f"{name}-{code}", value) for name, value in fields.items())
    return data


def entries(session, **filters):
    query = select(DiaryEntry).filter_by(**filters).order_by(DiaryEntry.id)
    return list(session.scalars(query))


def error_beside(body: str, field_id: str) -> str:
    """The error message the design system renders in the form group of `field_id`."""
    pattern = r'id="' + re.escape(field_id) + r'-error">\s*<span[^>]*>Error: </span>(.*?)</span>'
    match = re.search(pattern, body, re.S)
    assert match, f"no error message beside {field_id}"
    return match.group(1).strip()


STEP_ONE = ("entry_date[", "symptoms")


def save(client, data, **kwargs):
    """Choose (step one), then describe (step two), as a browser would; the last response."""
    first = [(k, v) for k, v in data if k.startswith(STEP_ONE)]
    chosen = post_form(client, "/diary/log", first)
    if chosen.status_code != 302:
        return chosen
    assert chosen.headers["Location"] == "/diary/log/details"  # nothing about symptoms in URLs
    second = [(k, v) for k, v in data if not k.startswith(STEP_ONE)]
    return post_form(client, "/diary/log/details", second, **kwargs)


def test_logging_one_symptom_saves_it_with_its_first_revision(patient_client, session, patient):
    response = save(
        patient_client,
        log_form({"cough": {"severity": "4", "worrying": "yes", "note": "Dry, mostly at night"}}),
    )
    assert response.status_code == 302
    # It worries the patient: a finding, shown at once (rules version 2, §4).
    assert response.headers["Location"] == "/diary/saved"
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.kind, entry.symptom_code, entry.severity, entry.worrying) == (
        "symptom",
        "cough",
        4,
        True,
    )
    assert entry.entry_date == today()
    assert entry.note == "Dry, mostly at night"
    [revision] = entry.revisions
    assert (revision.action, revision.revision, revision.severity) == ("created", 1, 4)
    assert revision.actor == f"patient:{patient.id}"


def test_several_symptoms_are_saved_in_one_go(patient_client, session, patient):
    onset = today() - timedelta(days=10)
    form = log_form(
        {
            "bone_pain": {"severity": "6"},
            "fatigue": {"severity": "3"},
            "headache": {"severity": "10"},
        }
    )
    form += list(date_fields("onset-bone_pain", onset).items())
    response = save(patient_client, form, follow_redirects=True)
    assert "Your 3 symptoms have been saved" in response.get_data(as_text=True)
    saved = {e.symptom_code: e for e in entries(session, patient_id=patient.id)}
    assert set(saved) == {"bone_pain", "fatigue", "headache"}
    assert saved["bone_pain"].onset_date == onset
    assert saved["headache"].severity == 10


def test_back_dating_within_thirty_days_is_allowed(patient_client, session, patient):
    day = today() - timedelta(days=30)
    response = save(patient_client, log_form({"rash": {"severity": "2"}}, day=day))
    assert response.status_code == 302
    assert entries(session, patient_id=patient.id)[0].entry_date == day


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"severity": ""}, "severity-cough", "Select how bad it is, from 1 to 10"),
        ({"severity": "0"}, "severity-cough", "Select a number from 1 to 10"),
        ({"severity": "11"}, "severity-cough", "Select a number from 1 to 10"),
        ({"severity": "four"}, "severity-cough", "Select a number from 1 to 10"),
        ({"severity": "5", "note": "x" * 2001}, "note-cough", "2,000 characters or fewer"),
        (
            {
                "severity": "5",
                "onset-cough[day]": "31",
                "onset-cough[month]": "2",
                "onset-cough[year]": "2026",
            },
            "onset-cough-day",
            "must be a real date",
        ),
    ],
)
def test_a_bad_field_is_shown_beside_it_and_nothing_is_saved(
    patient_client, session, patient, fields, field_id, message
):
    fields = dict(fields)  # the parametrize dict is shared by every backend's run
    note = fields.pop("note", "Typed with care: keep me")
    data = log_form(
        {"cough": {**{k: v for k, v in fields.items() if not k.startswith("onset")}, "note": note}}
    )
    data += [(k, v) for k, v in fields.items() if k.startswith("onset")]
    response = save(patient_client, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body
    group_id = field_id.removesuffix("-day")  # a date's error sits on its group; the link on day
    assert message.lower() in error_beside(body, group_id).lower()
    assert f'href="#{field_id}"' in body  # the error summary links to the field
    assert note[:50] in body  # what was typed is kept
    assert entries(session, patient_id=patient.id) == []


def test_a_future_date_is_refused(patient_client, session, patient):
    response = save(
        patient_client, log_form({"cough": {"severity": "3"}}, day=today() + timedelta(days=1))
    )
    assert response.status_code == 400
    assert "The date cannot be in the future" in error_beside(
        response.get_data(as_text=True), "entry_date"
    )
    assert entries(session, patient_id=patient.id) == []


def test_a_date_more_than_thirty_days_back_is_refused(patient_client, session, patient):
    response = save(
        patient_client, log_form({"cough": {"severity": "3"}}, day=today() - timedelta(days=31))
    )
    assert response.status_code == 400
    assert "within the last 30 days" in response.get_data(as_text=True)


def test_onset_after_the_entry_date_is_refused(patient_client, session, patient):
    day = today() - timedelta(days=3)
    onset = today() - timedelta(days=1)
    data = log_form({"cough": {"severity": "3"}}, day=day) + list(
        date_fields("onset-cough", onset).items()
    )
    response = save(patient_client, data)
    assert response.status_code == 400
    assert "on or before the day of this entry" in error_beside(
        response.get_data(as_text=True), "onset-cough"
    )
    assert entries(session, patient_id=patient.id) == []


def test_an_unknown_symptom_code_is_refused(patient_client, session, patient):
    response = save(patient_client, log_form({"made_up": {"severity": "3"}}))
    assert response.status_code == 400
    assert "Select symptoms from the list" in response.get_data(as_text=True)
    assert entries(session, patient_id=patient.id) == []


def test_one_bad_symptom_saves_none_of_the_others(patient_client, session, patient):
    data = log_form({"cough": {"severity": "3"}, "fatigue": {"severity": ""}})
    response = save(patient_client, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'name="severity-cough"' in body and 'name="severity-fatigue"' in body  # both still asked
    assert entries(session, patient_id=patient.id) == []


def test_choosing_no_symptom_explains_the_alternative(patient_client):
    response = post_form(patient_client, "/diary/log", date_fields("entry_date", today()))
    assert response.status_code == 400
    message = error_beside(response.get_data(as_text=True), "symptoms")
    assert "Select at least one symptom, or choose" in message


def test_step_two_asks_only_about_the_chosen_symptoms(patient_client):
    choice = [
        *date_fields("entry_date", today()).items(),
        ("symptoms", "cough"),
        ("symptoms", "rash"),
    ]
    response = post_form(patient_client, "/diary/log", choice, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert 'name="severity-cough"' in body
    assert 'name="severity-rash"' in body
    assert 'name="severity-fatigue"' not in body


def test_step_one_keeps_the_choice_when_going_back(patient_client):
    day = today() - timedelta(days=2)
    post_form(
        patient_client,
        "/diary/log",
        [*date_fields("entry_date", day).items(), ("symptoms", "rash")],
    )
    body = patient_client.get("/diary/log?change=1").get_data(as_text=True)
    assert re.search(r'value="rash"\s+checked', body)
    assert f'name="entry_date[day]" type="text" value="{day.day}"' in body


def test_step_two_without_step_one_goes_back_to_step_one(patient_client):
    response = patient_client.get("/diary/log/details")
    assert (response.status_code, response.headers["Location"]) == (302, "/diary/log")


def test_logging_from_a_symptom_page_starts_at_step_two(patient_client):
    response = post_form(
        patient_client, "/diary/symptoms/rash", {"symptom": "rash"}, action="/diary/log/symptom"
    )
    assert response.headers["Location"] == "/diary/log/details"
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert 'name="severity-rash"' in body


def test_no_new_symptoms_today_is_a_check_in_of_its_own(patient_client, session, patient):
    response = post_form(patient_client, "/diary/", {}, action="/diary/check-in")
    assert response.status_code == 302
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.kind, entry.symptom_code, entry.severity, entry.entry_date) == (
        CHECK_IN,
        None,
        None,
        today(),
    )


def test_gone_away_records_a_resolved_mark(patient_client, session, patient):
    day = today() - timedelta(days=2)
    response = post_form(
        patient_client, "/diary/symptoms/cough/gone", date_fields("gone_date", day)
    )
    assert response.status_code == 302
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.kind, entry.symptom_code, entry.entry_date, entry.severity) == (
        RESOLVED,
        "cough",
        day,
        None,
    )


def test_gone_away_in_the_future_is_refused(patient_client, session, patient):
    response = post_form(
        patient_client,
        "/diary/symptoms/cough/gone",
        date_fields("gone_date", today() + timedelta(days=1)),
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.get_data(as_text=True)
    assert entries(session, patient_id=patient.id) == []


def test_gone_away_for_an_unknown_symptom_is_not_found(patient_client):
    assert patient_client.get("/diary/symptoms/nothing_like_this/gone").status_code == 404


def test_the_log_page_lists_every_symptom_grouped_by_area(patient_client, app):
    from tracker.rules import load_rules

    body = patient_client.get("/diary/log").get_data(as_text=True)
    assert "severity-" not in body  # step one only chooses
    for area, symptoms in load_rules().by_area():
        assert area.label.replace("'", "&#39;") in body
        for s in symptoms:
            assert f'value="{s.code}"' in body


NEW_IN_RULES_V2 = ("numbness", "joint_pain", "hot_flushes", "sleep_problems")


def test_the_codes_new_in_rules_version_2_are_offered_under_their_areas(patient_client):
    from tracker.rules import load_rules

    rules = load_rules()
    body = patient_client.get("/diary/log").get_data(as_text=True)
    for code in NEW_IN_RULES_V2:
        symptom = rules.symptom(code)
        area = next(a for a in rules.areas if a.code == symptom.area)
        assert f'value="{code}"' in body
        assert symptom.label in body
        # listed after its area's heading, and before the next area's
        assert body.index(area.label.replace("'", "&#39;")) < body.index(f'value="{code}"')


def test_numbness_is_logged_end_to_end_and_seen_in_the_history(patient_client, session, patient):
    from tracker.rules import load_rules

    label = load_rules().symptom("numbness").name
    response = save(patient_client, log_form({"numbness": {"severity": "3", "note": "Toes"}}))
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"  # a watch symptom: no advice page at once
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.symptom_code, entry.severity, entry.note) == ("numbness", 3, "Toes")
    history = patient_client.get("/diary/history").get_data(as_text=True)
    assert label in history and "Toes" in history
    page = patient_client.get("/diary/symptoms/numbness")
    assert page.status_code == 200
    body = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert label in body
    assert "You noted this 1 time" in body
    assert '<svg class="app-chart"' in body and body.count('class="app-chart__point"') == 1


def test_a_revision_is_written_for_every_saved_entry(patient_client, session, patient):
    save(patient_client, log_form({"cough": {"severity": "3"}, "rash": {"severity": "2"}}))
    count = session.scalar(select(func.count()).select_from(EntryRevision))
    assert count == 2


def test_an_onset_in_1899_is_refused_beside_the_field_and_nothing_is_saved(
    patient_client, session, patient
):
    onset = {"onset-cough[day]": "1", "onset-cough[month]": "1", "onset-cough[year]": "1899"}
    data = [*log_form({"cough": {"severity": "3"}}), *onset.items()]
    response = save(patient_client, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    message = error_beside(body, "onset-cough")
    assert "the date it started must be no more than 50 years before" in message
    assert "leave the date blank and say so in your note" in message
    assert 'value="1899"' in body  # what was typed is kept
    assert entries(session, patient_id=patient.id) == []


def test_an_onset_up_to_50_years_before_the_entry_is_accepted(patient_client, session, patient):
    day = today() - timedelta(days=2)
    try:
        earliest = day.replace(year=day.year - 50)
    except ValueError:  # 29 February, 50 years after a year that had none
        earliest = day.replace(year=day.year - 50, day=28)
    too_early = earliest - timedelta(days=1)
    refused = save(
        patient_client,
        log_form({"cough": {"severity": "3"}}, day=day)
        + list(date_fields("onset-cough", too_early).items()),
    )
    assert refused.status_code == 400
    accepted = save(
        patient_client,
        log_form({"cough": {"severity": "3"}}, day=day)
        + list(date_fields("onset-cough", earliest).items()),
    )
    assert accepted.status_code == 302
    assert entries(session, patient_id=patient.id)[0].onset_date == earliest


def test_gone_away_saved_in_the_diary_answers_the_open_alert_and_stops_reprompts(
    patient_client, session, patient
):
    """§4: "A resolved mark saved in the diary for that symptom is the same answer as 'this has
    gone away': no re-prompt follows it"."""
    last = today() - timedelta(days=3)
    finding = Finding("bone_pain", "soon", ("new",), last - timedelta(days=10), last, 10, "test")
    alert_services.apply_findings(session, patient.id, [finding])
    session.commit()
    response = post_form(
        patient_client, "/diary/symptoms/bone_pain/gone", date_fields("gone_date", today())
    )
    assert response.status_code == 302
    session.expire_all()
    [alert] = session.scalars(select(Alert).where(Alert.patient_id == patient.id)).all()
    assert alert.status == "resolved"
    last_event = session.scalars(select(AlertEvent).order_by(AlertEvent.id.desc())).first()
    assert (last_event.action, last_event.actor) == ("resolved", f"patient:{patient.id}")
    later = SYSTEM.now() + timedelta(days=30)
    assert alert_services.queue_reprompts(session, 7, 2, now=later) == 0


def test_no_new_symptoms_on_a_day_with_symptoms_is_not_recorded_and_names_them(
    patient_client, session, patient
):
    reports = [SymptomReport("cough", 9), SymptomReport("other", 3, name="sore knee")]
    services.record_symptoms(session, patient, today(), reports)
    session.commit()
    response = post_form(patient_client, "/diary/", {}, action="/diary/check-in")
    assert response.headers["Location"] == "/diary/log"
    assert [e.kind for e in entries(session, patient_id=patient.id)].count(CHECK_IN) == 0
    body = patient_client.get("/diary/log").get_data(as_text=True)
    assert "You told us about cough and sore knee today" in body
    assert "choose it below" in body


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def test_going_back_from_the_details_keeps_what_was_typed_without_javascript(
    patient_client, session, patient
):
    """Issue 19, item 3: "Back to choosing symptoms" sends the details form; the choice page
    carries what was typed in hidden fields (not the cookie), and going on shows it again.
    Nothing is saved by going back."""
    note = 'Worse at night, "dry" & <tickly>, ' + "since the cold. " * 100  # about 1,600 chars
    post_form(patient_client, "/diary/log", log_form({"cough": {}, "rash": {}}))
    typed = [
        ("severity-cough", "7"),
        ("worrying-cough", "yes"),
        ("note-cough", note),
        *date_fields("onset-cough", today() - timedelta(days=3)).items(),
        ("severity-rash", "2"),
    ]
    back = post_form(patient_client, "/diary/log/details", [("go", "back"), *typed])

    assert back.status_code == 200
    body = back.get_data(as_text=True)
    assert "<h1>How are you today?</h1>" in body
    assert "We have kept what you typed on the next page. It is not saved in your diary" in body
    assert re.search(r'value="cough"\s+checked', body)
    assert re.search(r'value="rash"\s+checked', body)
    carried = [(name, html.unescape(value)) for name, value in HIDDEN.findall(body)]
    assert sorted(pair for pair in carried if pair[0] != "csrf_token") == sorted(typed)
    assert entries(session, patient_id=patient.id) == []  # going back saves nothing
    with patient_client.session_transaction() as cookie:
        assert "since the cold" not in repr(dict(cookie))  # in the page, not the cookie

    # On again, with the rash unticked and fatigue added: the cough is as it was typed.
    chosen = [*date_fields("entry_date", today()).items(), ("symptoms", "cough")]
    chosen.append(("symptoms", "fatigue"))
    forward = post_form(patient_client, "/diary/log", [*chosen, *carried[1:]])
    assert forward.status_code == 200
    page = forward.get_data(as_text=True)
    assert "<h1>Tell us more</h1>" in page
    assert re.search(r'name="severity-cough" type="radio" value="7"\s+checked', page)
    assert re.search(r'name="worrying-cough" type="checkbox" value="yes"\s+checked', page)
    textarea = re.search(r'<textarea[^>]*name="note-cough"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea and html.unescape(textarea.group(1)).strip() == note.strip()
    assert 'name="severity-rash"' not in page
    assert not re.search(r'name="severity-fatigue" type="radio" value="\d+"\s+checked', page)
    assert entries(session, patient_id=patient.id) == []

    saved = post_form(patient_client, "/diary/log/details", [*typed[:6], ("severity-fatigue", "3")])
    assert saved.status_code == 302
    cough, fatigue = entries(session, patient_id=patient.id)
    assert (cough.symptom_code, cough.severity, cough.note) == ("cough", 7, note.strip())
    assert (fatigue.symptom_code, fatigue.severity) == ("fatigue", 3)

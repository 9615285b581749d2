"""What a patient sees of alerts: the page straight after logging something urgent, the open
alerts on the diary's home page, and the two answers ("I have contacted my team", "this has gone
away"). Run on every backend through the shared fixtures."""

from __future__ import annotations

import dataclasses
import functools
import html
import logging
import re
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

import pytest
from sqlalchemy import select

from tests.alerts.refusals import refusing_inserts, table_gone
from tests.conftest import make_patient, make_team, post_form, sign_in_as
from tests.diary.test_logging import log_form, save, today
from tracker.alerts import services, wording
from tracker.alerts.models import ACKNOWLEDGED, CLOSED, OPEN, RESOLVED, Alert, Prompt
from tracker.alerts.on_save import PAGE_KEY, PAGE_SECONDS
from tracker.clock import SYSTEM
from tracker.diary.models import RESOLVED as RESOLVED_MARK
from tracker.diary.models import DiaryEntry
from tracker.notify.models import SmsOptOut
from tracker.patients.models import KnownCondition
from tracker.rules import load_rules
from tracker.rules.engine import REASONS, Finding

TEAM_PHONE = "0118 496 0000"  # make_team's
SAME_DAY = "Contact your treating team today"
SOON = "Contact your treating team in the next few days"
EMERGENCY = "Call 999 now"
BLOOD = "Coughing up blood"
SEIZURE = load_rules().symptom("seizure").name
COUGH = load_rules().symptom("cough").name

# Words a patient must never read from this service (rules: never diagnose, never reassure).
NEVER_SAY = re.compile(
    r"cancer|metasta|spread|tumou?r|secondary|recurren|diagnos|"
    r"nothing to worry|not to worry|don.t worry|do not worry|no need to worry|reassur|"
    r"probably nothing|likely nothing|perfectly normal",
    re.IGNORECASE,
)


# ---- helpers --------------------------------------------------------------------------------


def log(client, *codes: str, severity: str = "3", **kwargs):
    return save(client, log_form({code: {"severity": severity} for code in codes}), **kwargs)


def alerts(session, patient) -> list[Alert]:
    session.expire_all()
    query = select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.id)
    return list(session.scalars(query))


def prompts(session, patient) -> list[Prompt]:
    session.expire_all()
    query = select(Prompt).where(Prompt.patient_id == patient.id).order_by(Prompt.id)
    return list(session.scalars(query))


def entries(session, patient, **filters) -> list[DiaryEntry]:
    session.expire_all()
    query = select(DiaryEntry).filter_by(patient_id=patient.id, **filters).order_by(DiaryEntry.id)
    return list(session.scalars(query))


def page_text(response) -> str:
    """The page's visible words, roughly: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def main_text(response) -> str:
    """The words of the page's main content only (not the header and footer)."""
    body = response.get_data(as_text=True)
    match = re.search(r"<main\b.*?</main>", body, re.S)
    assert match, "no <main> on the page"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", match.group(0)))).strip()


def finding(symptom, urgency, reasons, start, last=None) -> Finding:
    last = last or start
    return Finding(
        symptom=symptom,
        urgency=urgency,
        reasons=tuple(reasons),
        episode_start=start,
        last_entry=last,
        duration_days=(last - start).days,
        rules_version="test",
        first_entry=start,
    )


def open_alert_for(session, patient, *findings) -> list[Alert]:
    services.apply_findings(session, patient.id, findings)
    session.commit()
    return alerts(session, patient)


def answer(client, alert_id: int, which: str):
    """Press one of an alert's two buttons, with the home page's CSRF token."""
    return post_form(client, "/diary/", {}, action=f"/diary/alerts/{alert_id}/{which}")


# ---- raised at once when the entry is saved -------------------------------------------------


def test_coughing_up_blood_shows_the_same_day_page_and_raises_one_alert_and_one_prompt(
    patient_client, session, patient
):
    response = log(patient_client, "coughing_blood", severity="2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/saved"

    page = patient_client.get("/diary/saved")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    words = main_text(page)
    assert f"<title>{SAME_DAY} – Symptom diary</title>" in body
    assert "nhsuk-card--care--urgent" in body
    assert re.search(r"<h1[^>]*>.*?" + SAME_DAY, body, re.S)
    assert BLOOD in words
    assert "Call Breast Care Team on 0118 496 0000 (Monday to Friday, 9am to 5pm)" in words
    assert 'href="tel:+441184960000"' in body
    assert "call NHS 111" in words
    assert "In an emergency, call 999" in words
    assert "saved in your diary" in words
    assert 'href="/diary/"' in body

    [alert] = alerts(session, patient)
    assert (alert.status, alert.urgency, alert.symptom_code, alert.reason_list) == (
        OPEN,
        "same_day",
        "coughing_blood",
        ["red_flag"],
    )
    assert [(e.action, e.actor) for e in alert.events] == [("opened", "diary")]
    [prompt] = prompts(session, patient)
    assert (prompt.alert_id, prompt.urgency, prompt.reprompt, prompt.sent_at) == (
        alert.id,
        "same_day",
        0,
        None,
    )
    [entry] = entries(session, patient)
    assert (entry.symptom_code, entry.severity) == ("coughing_blood", 2)


def test_a_seizure_shows_the_999_page(patient_client, session, patient):
    response = log(patient_client, "seizure", follow_redirects=True)
    body = response.get_data(as_text=True)
    words = main_text(response)
    assert response.request.path == "/diary/saved"
    assert f"<title>{EMERGENCY} – Symptom diary</title>" in body
    assert "nhsuk-card--care--emergency" in body
    assert re.search(r"<h1[^>]*>.*?" + EMERGENCY, body, re.S)
    assert SEIZURE in words
    assert "Call 999 now, or go to A&E" in words
    assert "ask someone near you to call for you" in words
    assert TEAM_PHONE in words  # the team's details come second, for afterwards
    [alert] = alerts(session, patient)
    assert (alert.urgency, alert.reason_list) == ("emergency", ["red_flag"])
    assert [p.urgency for p in prompts(session, patient)] == ["emergency"]


def test_a_seizure_back_dated_19_days_shows_the_same_day_page_and_raises_its_alert(
    patient_client, session, patient
):
    # Rules version 2, example 7: a red flag is reported for red_flag_days after its last entry,
    # ongoing or not; past red_flag_recent_days it is same_day (999 has passed).
    day = today() - timedelta(days=19)
    response = save(
        patient_client, log_form({"seizure": {"severity": "5"}}, day=day), follow_redirects=True
    )
    assert response.request.path == "/diary/saved"
    assert re.search(r"<h1[^>]*>.*?" + SAME_DAY, response.get_data(as_text=True), re.S)
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency, alert.reason_list) == (
        "seizure",
        "same_day",
        ["red_flag"],
    )
    assert alert.rules_version == load_rules().version
    assert [p.urgency for p in prompts(session, patient)] == ["same_day"]


def test_a_watch_symptom_with_no_finding_goes_to_the_diary_with_no_alert(
    patient_client, session, patient
):
    response = log(patient_client, "cough", severity="3")
    assert response.headers["Location"] == "/diary/"
    home = patient_client.get("/diary/")
    assert "Your symptom has been saved" in page_text(home)
    assert "What to do now" not in page_text(home)
    assert alerts(session, patient) == []
    assert prompts(session, patient) == []
    assert patient_client.get("/diary/saved").headers["Location"] == "/diary/"


def test_a_watch_symptom_rated_severe_is_shown_and_raised_at_once(patient_client, session, patient):
    # Rules version 2, §4: every finding shows at once, not only red flags (this test said
    # "goes to the diary with no alert" under version 1).
    response = log(patient_client, "cough", severity="9", follow_redirects=True)
    assert response.request.path == "/diary/saved"
    words = main_text(response)
    assert SOON in words
    assert COUGH in words and "you rated it 8 or more out of 10" in words
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency, alert.reason_list) == ("cough", "soon", ["severe"])
    assert [p.urgency for p in prompts(session, patient)] == ["soon"]


def test_the_page_shows_every_finding_most_urgent_first_and_every_alert_is_raised(
    patient_client, session, patient
):
    # Under version 1 the page showed only the most urgent of what was logged.
    response = log(patient_client, "coughing_blood", "seizure", "cough", follow_redirects=True)
    words = main_text(response)
    assert words.index(EMERGENCY) < words.index(SEIZURE) < words.index(SAME_DAY)
    assert words.index(SAME_DAY) < words.index(BLOOD)
    assert not re.search(rf"\b{COUGH}\b", words)  # severity 3, logged once: no finding
    raised = {a.symptom_code: a.urgency for a in alerts(session, patient)}
    assert raised == {"seizure": "emergency", "coughing_blood": "same_day"}
    assert sorted(p.urgency for p in prompts(session, patient)) == ["emergency", "same_day"]


def test_a_soon_symptom_is_shown_and_raised_at_once(patient_client, session, patient):
    # Under version 1 it waited for the scheduled run.
    response = log(patient_client, "lump", follow_redirects=True)
    assert response.request.path == "/diary/saved"
    assert SOON in main_text(response)
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency, alert.reason_list) == (
        "lump",
        "soon",
        ["report_promptly"],
    )


def test_logging_the_same_thing_again_keeps_one_alert_and_one_prompt(
    patient_client, session, patient
):
    log(patient_client, "coughing_blood")
    again = log(patient_client, "coughing_blood", severity="5", follow_redirects=True)
    assert SAME_DAY in main_text(again)  # still told what to do
    assert len(alerts(session, patient)) == 1
    assert len(prompts(session, patient)) == 1
    assert len(entries(session, patient)) == 2


def test_after_contacting_the_team_a_new_entry_still_shows_the_advice_but_raises_nothing_new(
    patient_client, session, patient
):
    log(patient_client, "coughing_blood")
    [alert] = alerts(session, patient)
    answer(patient_client, alert.id, "contacted")
    again = log(patient_client, "coughing_blood", follow_redirects=True)
    words = main_text(again)
    assert SAME_DAY in words
    assert "stay at the top of your diary" not in words  # no open alert to stay there
    assert [a.status for a in alerts(session, patient)] == [ACKNOWLEDGED]
    assert len(prompts(session, patient)) == 1


def test_the_page_promises_a_reminder_only_by_a_channel_the_patient_agreed_to(
    client, session, patient
):
    patient.sms_consent_at = datetime(2026, 1, 1, tzinfo=UTC)
    session.commit()
    sign_in_as(client, patient)
    words = main_text(log(client, "coughing_blood", follow_redirects=True))
    assert "We will also send you a reminder by text message." in words
    assert "stay at the top of your diary" in words


def test_no_text_is_promised_to_a_number_that_said_stop(client, session, patient):
    """The page promises what the dispatcher will do: a STOP outranks the consent to texts."""
    patient.sms_consent_at = datetime(2026, 1, 1, tzinfo=UTC)
    patient.email_consent_at = None
    session.add(
        SmsOptOut(number=patient.mobile, opted_out=True, source="keyword", changed_at=SYSTEM.now())
    )
    session.commit()
    sign_in_as(client, patient)
    words = main_text(log(client, "coughing_blood", follow_redirects=True))
    assert "We will also send you" not in words
    assert "We cannot send you messages about your diary" in words


def test_without_consent_to_any_channel_no_message_is_promised(patient_client, patient):
    words = main_text(log(patient_client, "coughing_blood", follow_redirects=True))
    assert "reminder" not in words and "We will also send you" not in words
    assert "stay at the top of your diary" in words
    # Rules v2 §4: instead, the banner every diary page shows to a patient no channel reaches.
    assert "We cannot send you messages about your diary" in words


# ---- when the database refuses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "says"),
    [("coughing_blood", ["today", "call NHS 111"]), ("seizure", ["Call 999 now"])],
)
def test_the_page_says_the_same_thing_when_the_database_refuses_the_alert(
    patient_client, session, patient, caplog, code, says
):
    patient.sms_consent_at = patient.email_consent_at = datetime(2026, 1, 1, tzinfo=UTC)
    session.commit()
    with refusing_inserts(session, "alerts"), caplog.at_level(logging.INFO):
        response = log(patient_client, code)
        assert response.headers["Location"] == "/diary/saved"
        page = patient_client.get("/diary/saved")
    words = main_text(page)
    for phrase in says:
        assert phrase in words
    assert "reminder" not in words and "send you" not in words and "sent" not in words
    assert "stay at the top of your diary" not in words

    [entry] = entries(session, patient)  # the entry is saved all the same
    assert entry.symptom_code == code
    assert alerts(session, patient) == []
    assert prompts(session, patient) == []

    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    [line] = lines  # the database's own error type, which differs between the two
    assert re.fullmatch(rf"could not apply the findings for patient {patient.id}: \w+Error", line)
    assert not any(r.exc_info for r in caplog.records)
    logged = caplog.text.lower()
    label = load_rules().symptom(code).name.lower()
    assert code not in logged and label not in logged and "refused" not in logged


def test_the_page_goes_by_the_symptoms_class_when_the_diary_cannot_be_read(
    patient_client, session, patient, caplog
):
    with table_gone(session, KnownCondition.__table__), caplog.at_level(logging.ERROR):
        response = log(patient_client, "coughing_blood", "cough", follow_redirects=True)
    words = main_text(response)
    assert SAME_DAY in words and BLOOD in words
    assert not re.search(
        rf"\b{COUGH}\b", words
    )  # a watch symptom: nothing to go on without the diary
    assert len(entries(session, patient)) == 2
    assert alerts(session, patient) == []
    [line] = caplog.messages
    assert line.startswith(f"could not assess the diary for patient {patient.id}: ")


# ---- the patient's own calendar day ---------------------------------------------------------

# 11:00 UTC on Friday 20 November is already Saturday 21 November at UTC+14.
FROZEN_UTC = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
AHEAD = "Pacific/Kiritimati"


@pytest.fixture
def frozen_clock(clock):
    clock.set(FROZEN_UTC)


def test_an_entry_for_the_patients_own_today_is_raised_even_when_utc_is_a_day_behind(
    client, session, frozen_clock
):
    patient = make_patient(session, email="ahead@example.test", timezone=AHEAD)
    sign_in_as(client, patient)
    local_day = date(2026, 11, 21)
    response = save(client, log_form({"coughing_blood": {"severity": "3"}}, day=local_day))
    assert response.headers["Location"] == "/diary/saved"
    [alert] = alerts(session, patient)
    assert (alert.episode_start, alert.last_entry) == (local_day, local_day)

    answer(client, alert.id, "gone")
    [mark] = entries(session, patient, kind=RESOLVED_MARK)
    assert mark.entry_date == local_day  # "gone away" is dated by the patient's calendar too


# ---- the urgent page itself -----------------------------------------------------------------


def test_the_urgent_page_without_a_save_behind_it_goes_to_the_diary(patient_client):
    assert patient_client.get("/diary/saved").headers["Location"] == "/diary/"


def test_the_urgent_page_can_be_reloaded_for_a_while_then_gives_way_to_the_diary(
    patient_client,
):
    log(patient_client, "coughing_blood")
    assert patient_client.get("/diary/saved").status_code == 200
    assert patient_client.get("/diary/saved").status_code == 200  # a reload
    with patient_client.session_transaction() as sess:
        sess[PAGE_KEY] = {
            **sess[PAGE_KEY],
            "at": sess[PAGE_KEY]["at"] - PAGE_SECONDS - 1,
        }
    assert patient_client.get("/diary/saved").headers["Location"] == "/diary/"


def test_the_urgent_page_needs_sign_in(client):
    response = client.get("/diary/saved")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_no_url_the_flow_goes_through_carries_health_detail(patient_client, session, patient):
    labels = [load_rules().symptom(c).name.lower() for c in ("coughing_blood", "seizure")]
    form = log_form({"coughing_blood": {"severity": "4"}, "seizure": {"severity": "4"}})
    response = save(patient_client, form, follow_redirects=True)
    visited = [r.request.url for r in response.history] + [response.request.url]
    visited += [r.headers.get("Location", "") for r in response.history]
    [alert, _] = alerts(session, patient)
    answered = answer(patient_client, alert.id, "gone")
    visited.append(answered.headers["Location"])
    for url in visited:
        lowered = url.lower()
        assert "coughing" not in lowered and "seizure" not in lowered
        assert not any(label in lowered for label in labels)
        assert "?" not in url
    assert response.request.path == "/diary/saved"


# ---- open alerts on the diary's home page ---------------------------------------------------


def test_the_home_page_lists_open_alerts_most_urgent_first_with_reasons_in_words(
    patient_client, session, patient
):
    start = today() - timedelta(days=16)
    open_alert_for(
        session,
        patient,
        finding("bone_pain", "soon", ["new", "persistent"], start, today() - timedelta(days=1)),
        finding("coughing_blood", "same_day", ["red_flag"], today()),
        finding("seizure", "emergency", ["red_flag"], today()),
        finding("lump", "soon", ["report_promptly", "worrying", "severe", "worsening"], start),
    )
    home = patient_client.get("/diary/")
    words = main_text(home)
    order = [words.index(h) for h in (EMERGENCY, SAME_DAY, SOON)]
    assert order == sorted(order)
    assert words.index(SOON) < words.index(load_rules().symptom("lump").name)
    assert words.index("What to do now") < words.index("How are you today?")  # near the top
    assert "it is new for you and has lasted a week or more" in words
    assert "it has lasted 2 weeks or more" in words
    assert "it is a symptom your team asks to hear about on the same day" in words
    assert "it is a symptom that needs help straight away" in words
    assert "you told us it worries you" in words
    assert "you rated it 8 or more out of 10" in words
    assert "it has been getting worse" in words
    assert f"It started on {start:%A} {start.day} {start:%B %Y}." in words
    assert "Call Breast Care Team on 0118 496 0000 (Monday to Friday, 9am to 5pm)" in words
    body = home.get_data(as_text=True)
    assert body.count("I have contacted my team") == 4
    assert body.count("This has gone away") == 4
    assert "nhsuk-card--care--emergency" in body and "nhsuk-card--care--non-urgent" in body


def test_the_home_page_says_a_coughs_own_three_weeks_beside_a_watch_symptoms_week(
    patient_client, session, patient
):
    start = today() - timedelta(days=22)
    open_alert_for(
        session,
        patient,
        finding("cough", "soon", ["new", "persistent"], start, today() - timedelta(days=1)),
        finding("fatigue", "soon", ["persistent"], start, today() - timedelta(days=1)),
    )
    words = main_text(patient_client.get("/diary/"))
    cough = words.index(load_rules().symptom("cough").name)
    fatigue = words.index(load_rules().symptom("fatigue").name)
    cough_words = words[cough:fatigue] if cough < fatigue else words[cough:]
    fatigue_words = words[fatigue:cough] if fatigue < cough else words[fatigue:]
    assert "it is new for you and has lasted 3 weeks or more" in cough_words
    assert "it has lasted 3 weeks or more" in cough_words
    assert "a week" not in cough_words and "2 weeks" not in cough_words
    assert "it has lasted 2 weeks or more" in fatigue_words
    assert "3 weeks" not in fatigue_words


def test_answered_and_closed_alerts_are_not_listed(patient_client, session, patient):
    [alert] = open_alert_for(
        session, patient, finding("lump", "soon", ["report_promptly"], today())
    )
    alert.status = CLOSED
    session.commit()
    assert "What to do now" not in main_text(patient_client.get("/diary/"))


def test_i_have_contacted_my_team_acknowledges_the_alert(patient_client, session, patient):
    [alert] = open_alert_for(
        session, patient, finding("coughing_blood", "same_day", ["red_flag"], today())
    )
    response = answer(patient_client, alert.id, "contacted")
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"
    [alert] = alerts(session, patient)
    assert alert.status == ACKNOWLEDGED
    assert alert.events[-1].actor == f"patient:{patient.id}"
    assert entries(session, patient) == []  # contacting the team is not "it has gone away"
    home = main_text(patient_client.get("/diary/"))
    assert "Thank you. We have noted that you have contacted your team." in home
    assert "What to do now" not in home


def test_this_has_gone_away_resolves_the_alert_and_writes_a_resolved_mark(
    patient_client, session, patient
):
    [alert] = open_alert_for(
        session, patient, finding("coughing_blood", "same_day", ["red_flag"], today())
    )
    response = answer(patient_client, alert.id, "gone")
    assert response.headers["Location"] == "/diary/"
    [alert] = alerts(session, patient)
    assert alert.status == RESOLVED
    [mark] = entries(session, patient, kind=RESOLVED_MARK)
    assert (mark.symptom_code, mark.entry_date) == ("coughing_blood", today())
    home = main_text(patient_client.get("/diary/"))
    assert "Thank you. We have noted that this has gone away." in home
    assert "What to do now" not in home


@pytest.mark.parametrize("which", ["contacted", "gone"])
def test_another_patients_alert_is_not_found_and_nothing_changes(
    patient_client, session, patient, which
):
    other = make_patient(session, email="someone.else@example.test")
    [theirs] = open_alert_for(
        session, other, finding("seizure", "emergency", ["red_flag"], today())
    )
    response = answer(patient_client, theirs.id, which)
    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    [theirs] = alerts(session, other)
    assert theirs.status == OPEN
    assert [e.action for e in theirs.events] == ["opened"]
    assert entries(session, other) == [] and entries(session, patient) == []


@pytest.mark.parametrize("which", ["contacted", "gone"])
def test_answering_twice_is_not_found_the_second_time(patient_client, session, patient, which):
    [alert] = open_alert_for(
        session, patient, finding("lump", "soon", ["report_promptly"], today())
    )
    assert answer(patient_client, alert.id, which).status_code == 302
    assert answer(patient_client, alert.id, which).status_code == 404
    other = "gone" if which == "contacted" else "contacted"
    assert answer(patient_client, alert.id, other).status_code == 404
    [alert] = alerts(session, patient)
    assert len(alert.events) == 2  # opened, then the one answer
    assert len(entries(session, patient, kind=RESOLVED_MARK)) == (1 if which == "gone" else 0)


def test_an_alert_that_does_not_exist_is_not_found(patient_client):
    assert answer(patient_client, 999_999, "contacted").status_code == 404
    assert answer(patient_client, 999_999, "gone").status_code == 404


def test_an_answer_without_the_csrf_token_is_refused(patient_client, session, patient):
    [alert] = open_alert_for(
        session, patient, finding("lump", "soon", ["report_promptly"], today())
    )
    response = patient_client.post(f"/diary/alerts/{alert.id}/contacted")
    assert response.status_code == 400
    assert alerts(session, patient)[0].status == OPEN


def test_answers_are_posts_only(patient_client, session, patient):
    [alert] = open_alert_for(
        session, patient, finding("lump", "soon", ["report_promptly"], today())
    )
    assert patient_client.get(f"/diary/alerts/{alert.id}/contacted").status_code == 405
    assert alerts(session, patient)[0].status == OPEN


# ---- words: escaped, calm, and never a diagnosis --------------------------------------------

SCRIPT = '<script>alert("x")</script>'


def test_nothing_these_pages_show_is_rendered_unescaped(client, session):
    team = make_team(session, name=SCRIPT, hours=SCRIPT, out_of_hours=SCRIPT, phone='0100"><b>')
    patient = make_patient(session, team, email="escape@example.test")
    sign_in_as(client, patient)
    urgent = log(client, "coughing_blood", follow_redirects=True).get_data(as_text=True)
    open_alert_for(session, patient, finding("lump", "soon", ["report_promptly"], today()))
    home = client.get("/diary/").get_data(as_text=True)
    for body in (urgent, home):
        assert SCRIPT not in body
        assert "&lt;script&gt;" in body
        assert '"><b>' not in body


def test_every_page_here_avoids_diagnosis_and_reassurance(patient_client, session, patient):
    pages = [log(patient_client, "seizure", follow_redirects=True)]
    pages.append(log(patient_client, "coughing_blood", follow_redirects=True))
    start = today() - timedelta(days=20)
    open_alert_for(
        session,
        patient,
        finding("bone_pain", "soon", [r for r in REASONS if r != "red_flag"], start, today()),
    )
    pages.append(patient_client.get("/diary/"))
    [seizure, blood, _] = alerts(session, patient)
    pages.append(answer(patient_client, seizure.id, "contacted"))
    pages.append(patient_client.get("/diary/"))
    pages.append(answer(patient_client, blood.id, "gone"))
    pages.append(patient_client.get("/diary/"))
    for response in pages:
        if response.status_code == 200:
            assert not NEVER_SAY.search(main_text(response)), response.request.path


def test_every_reason_and_urgency_has_calm_words():
    rules = load_rules()
    for urgency in ("emergency", "same_day", "soon"):
        assert wording.heading(urgency) in (EMERGENCY, SAME_DAY, SOON)
        for code in REASONS:
            phrase = wording.reason(code, urgency, rules, symptom="bone_pain")
            assert phrase != wording.UNKNOWN_REASON, code
            assert not NEVER_SAY.search(phrase)
    assert (
        wording.reason("a_future_reason", "soon", rules, symptom="bone_pain")
        == wording.UNKNOWN_REASON
    )


def test_reason_words_take_their_numbers_from_the_rules_file():
    rules = load_rules()
    changed = dataclasses.replace(
        rules,
        thresholds=MappingProxyType(
            {**rules.thresholds, "severe_at": 7, "new_days": 10, "persistent_days": 21}
        ),
    )
    said = functools.partial(wording.reason, urgency="soon", rules=changed, symptom="bone_pain")
    assert said("severe").endswith("rated it 7 or more out of 10")
    assert said("new").endswith("has lasted 10 days or more")
    assert said("persistent") == "it has lasted 3 weeks or more"


def test_a_watch_symptom_reads_the_default_days_of_rules_version_2():
    rules = load_rules()
    assert rules.threshold_for("new_days", "bone_pain") == 7
    assert rules.threshold_for("persistent_days", "bone_pain") == 14
    said = wording.reasons(["new", "persistent"], "soon", rules, symptom="bone_pain")
    assert said == [
        "it is new for you and has lasted a week or more",
        "it has lasted 2 weeks or more",
    ]


@pytest.mark.parametrize("code", ["cough", "chest_infections"])
def test_a_cough_reads_its_own_three_weeks_not_the_default_days(code):
    # Rules version 2 (clinical-rules.md, first section): a cough is judged over three weeks.
    rules = load_rules()
    assert rules.threshold_for("new_days", code) == 21
    assert rules.threshold_for("persistent_days", code) == 21
    said = wording.reasons(["new", "persistent"], "soon", rules, symptom=code)
    assert said == [
        "it is new for you and has lasted 3 weeks or more",
        "it has lasted 3 weeks or more",
    ]
    card = wording.alert_card(1, code, "soon", ["new", "persistent"], date(2026, 11, 1), rules)
    assert card.reasons == said
    assert not any("a week" in r or "2 weeks" in r for r in card.reasons)


def test_a_symptoms_own_days_in_the_rules_file_change_its_words_and_only_its_words():
    rules = load_rules()
    changed = dataclasses.replace(
        rules,
        symptoms=MappingProxyType(
            {
                **rules.symptoms,
                "rash": dataclasses.replace(rules.symptom("rash"), persistent_days=10),
            }
        ),
    )
    assert wording.reason("persistent", "soon", changed, symptom="rash") == (
        "it has lasted 10 days or more"
    )
    assert wording.reason("persistent", "soon", changed, symptom="skin_pain") == (
        "it has lasted 2 weeks or more"
    )


@pytest.mark.parametrize(
    ("days", "said"), [(1, "a day"), (5, "5 days"), (7, "a week"), (14, "2 weeks"), (10, "10 days")]
)
def test_how_long_says_days_as_a_patient_would(days, said):
    assert wording.how_long(days) == said


def test_most_urgent_picks_emergency_over_same_day_and_ignores_the_rest():
    pairs = [("same_day", "a"), ("soon", "b"), ("emergency", "c"), ("emergency", "d")]
    assert wording.most_urgent(pairs) == ("emergency", ["c", "d"])
    assert wording.most_urgent([("same_day", "a"), ("watch", "b")]) == ("same_day", ["a"])
    assert wording.most_urgent([("soon", "a"), ("watch", "b")]) is None


def test_an_unknown_symptom_code_on_an_alert_still_reads_calmly():
    card = wording.alert_card(1, "retired_code", "soon", ["new"], date(2026, 11, 1), load_rules())
    assert card.symptom == "A symptom"
    assert card.reasons == ["it is new for you and has lasted a week or more"]  # the defaults
    assert card.heading == SOON


def test_the_urgent_page_lists_support_after_the_teams_contact(patient_client, session, patient):
    from tracker.support.seed import load_demo_directory

    load_demo_directory(session, date(2026, 11, 20))
    session.commit()
    body = log(patient_client, "coughing_blood", follow_redirects=True).get_data(as_text=True)
    assert "Other support" in body
    assert body.index(patient.team.phone) < body.index("Other support")
    assert "Breast care nurse helpline" in body


# ---- support after the advice (issue 19, item 9) --------------------------------------------


@pytest.fixture
def directory(session):
    """A nationwide helpline, a hospice and a local group: the directory a page could list."""
    from tests.support.helpers import make_service

    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    make_service(session, name="Example Hospice", kind="hospice", areas="nationwide")
    make_service(session, name="Example Local Group", areas="nationwide")


def test_the_999_page_lists_no_directory_at_all(patient_client, directory):
    words = main_text(log(patient_client, "seizure", follow_redirects=True))
    assert "Call 999 now" in words
    for absent in ("Other support", "Example Helpline", "Example Hospice", "Find more support"):
        assert absent not in words


def test_the_same_day_page_lists_only_helplines_after_the_teams_contact(patient_client, directory):
    words = main_text(log(patient_client, "coughing_blood", follow_redirects=True))
    assert "Example Helpline" in words
    assert "Example Hospice" not in words and "Example Local Group" not in words
    assert words.index(TEAM_PHONE) < words.index("Example Helpline")

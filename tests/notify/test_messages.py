"""Message wording: texts carry no health detail, stay GSM and at most two segments; emails
name the team first and escape what they should."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import reconfigure
from tracker.notify import gsm, messages, sms_words
from tracker.notify.messages import Team
from tracker.rules import load_rules

TEAMS = [
    Team("Breast Care Team", "Example Hospital", "0118 496 0000",
         "Monday to Friday, 9am to 5pm", "Call NHS 111. In an emergency, call 999."),
    Team("Oncology Nurse Specialists", "St Elsewhere's", "0118 496 0123",
         "Mon–Fri 8:30am–4:30pm", "Call the 24-hour chemotherapy helpline on 0118 496 0999"),
    Team("Team Orchid Follow-up Service", "Royal Example", "+44 118 496 0000",
         "Weekdays 9\u00a0to\u00a05", "Out of hours, call 111"),
    # A realistic worst case: everything long.
    Team("The Princess Alexandra & St Bartholomew's Joint Patient Follow-up Support Service "
         "(North East London and Essex)", "Hospitals NHS Foundation Trust",
         "(0118) 496 0123 ext 4567",
         "Monday, Tuesday, Wednesday and Friday 8am to 6pm; Thursday 10am to 4pm; "
         "not bank holidays",
         "Outside these hours, call the acute oncology service on 0118 496 0999, or NHS 111."),
]  # fmt: skip
URGENCIES = ("soon", "same_day", "emergency")


def all_texts(app, team: Team) -> list[str]:
    with app.app_context():
        texts = [messages.prompt(None, "sms", team, u).text for u in URGENCIES]
        texts += [messages.reminder("sms", team, "weekly", c).text for c in (False, True)]
        # The longest date a request's text can hold, and its two messages.
        due = {"made": "Wednesday 30 September at 12:59pm", "due_on": "Wednesday 30 September 2026"}
        replies = [w for w in messages.REPLIES if w != "call"]
        texts += [messages.reply(which, team).text for which in replies]
        texts.append(messages.reply("call", team, {**due, "variant": "received"}).text)
        texts += [
            messages.contact_request(v, "sms", team, {**due, "outcome_words": "Spoke to you"}).text
            for v in messages.CONTACT_REQUEST_MESSAGES
        ]
        link = "https://diary.example/join/" + "x" * 43
        texts.append(messages.invitation("sms", team, link).text)
    return texts


@pytest.mark.parametrize("team", TEAMS, ids=lambda t: t.name[:20])
def test_every_text_is_gsm_two_segments_at_most_and_free_of_health_words(app, team):
    reconfigure(app, web={"public_url": "https://symptom-diary.example.org"})
    for text in all_texts(app, team):
        assert gsm.is_gsm(text), text
        assert gsm.septets(text) <= gsm.MAX_SEPTETS, text
        assert sms_words.health_words(text) == set(), text
        assert "  " not in text and text == text.strip()
        assert not re.search(r"[.!?][A-Z]|[a-z0-9]/[A-Z]", text), text  # no words run together


@pytest.mark.parametrize("team", TEAMS, ids=lambda t: t.name[:20])
def test_prompt_and_reminder_texts_say_text_call_but_the_emergency_text_keeps_to_999(app, team):
    reconfigure(app, web={"public_url": "https://symptom-diary.example.org"})
    call = "Text CALL to ask your team to contact you."
    with app.app_context():
        for urgency in ("soon", "same_day"):
            assert call in messages.prompt(None, "sms", team, urgency).text
        for check_in in (False, True):
            assert call in messages.reminder("sms", team, "weekly", check_in).text
        assert "CALL" not in messages.prompt(None, "sms", team, "emergency").text


@pytest.mark.parametrize("team", TEAMS, ids=lambda t: t.name[:20])
def test_a_requests_texts_say_when_and_whom_to_call_and_nothing_the_team_recorded(app, team):
    reconfigure(app, web={"public_url": "https://symptom-diary.example.org"})
    digits = re.sub(r"\D", "", team.phone)
    context = {"made": "Tuesday 1 December at 10:14am", "due_on": "Thursday 3 December 2026"}
    with app.app_context():
        received = messages.contact_request("received", "sms", team, context).text
        closed = messages.contact_request(
            "closed", "sms", team, {**context, "outcome_words": "Arranged an appointment"}
        ).text
    assert "aim to by Thursday 3 December 2026" in received and "999" in received
    assert digits in re.sub(r"\D", "", received) and digits in re.sub(r"\D", "", closed)
    assert "appointment" not in closed.lower() and "recorded what they did" in closed


@pytest.mark.parametrize("team", TEAMS, ids=lambda t: t.name[:20])
def test_prompt_texts_give_the_phone_and_the_diary(app, team):
    reconfigure(app, web={"public_url": "https://symptom-diary.example.org"})
    digits = re.sub(r"\D", "", team.phone)
    with app.app_context():
        for urgency in ("soon", "same_day"):
            text = messages.prompt(None, "sms", team, urgency).text
            assert digits in re.sub(r"\D", "", text)
            assert "https://symptom-diary.example.org/diary/" in text
        assert "999" in messages.prompt(None, "sms", team, "emergency").text


@pytest.mark.parametrize("team", TEAMS, ids=lambda t: t.name[:20])
def test_the_emergency_text_starts_with_call_999_now_then_points_to_the_diary(app, team):
    reconfigure(app, web={"public_url": "https://symptom-diary.example.org"})
    with app.app_context():
        text = messages.prompt(None, "sms", team, "emergency").text
    assert text.startswith("Call 999 now"), text
    assert "cannot open" not in text  # 999 first, whatever the diary does
    assert "/support/" not in text  # no directory beside an emergency
    diary = text.index("https://symptom-diary.example.org/diary/")
    assert "diary for details" in text[:diary].lower(), text
    named = [s.label for s in load_rules().symptoms.values() if s.label.lower() in text.lower()]
    assert named == [], text


def test_a_team_name_that_names_a_body_part_or_condition_is_left_out_of_texts(app):
    with app.app_context():
        breast = messages.prompt(None, "sms", TEAMS[0], "soon").text
        orchid = messages.prompt(None, "sms", TEAMS[2], "soon").text
    assert "Breast" not in breast and breast.startswith("Please contact your team")
    assert orchid.startswith("Team Orchid Follow-up Service: please contact your team")
    assert "9 to 5" in orchid  # non-breaking spaces made plain


def test_every_word_of_the_symptom_catalogue_is_banned_or_known_to_be_harmless():
    # A new symptom in the rules file must not bring a new health word past the list.
    harmless = {
        "able", "about", "and", "away", "back", "balance", "before", "behave", "being", "broken",
        "change", "changes", "coming", "did", "different", "difficulty", "does", "else",
        "example", "fall", "family", "feeling", "finding", "firm", "fit", "food", "for",
        "friends", "get", "going", "hard", "have", "how", "keep", "knock", "knowing", "losing",
        "may", "more", "much", "near", "new", "night", "not", "note", "notice", "off", "patch",
        "problems", "red", "remembering", "resting", "seeing", "settle", "short", "small",
        "something", "sometimes", "sounds", "speaking", "sudden", "tell", "than", "that", "the",
        "things", "this", "trying", "under", "usual", "wake", "warm", "when", "why", "with",
        "without", "you", "your", "mood", "after", "asleep", "choose", "common", "getting",
        "grip", "harder", "hot", "instead", "lift", "stand", "staying", "trouble", "started",
        "alone", "too",
    }  # fmt: skip
    rules = load_rules()
    unknown = set()
    for symptom in rules.symptoms.values():
        for text in (symptom.label, getattr(symptom, "hint", "") or ""):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) >= 3 and word not in sms_words.BANNED and word not in harmless:
                    unknown.add(word)
    assert unknown == set(), f"classify these words in tracker/notify/sms_words.py: {unknown}"


def test_email_text_is_not_html_escaped_and_email_html_is(app, session):
    team = Team("Smith & Jones <Team>", "Example", "0100", "9 to 5", "Call 111")
    with app.app_context():
        rendered = messages.prompt(session, "email", team, "soon")
    assert "Smith & Jones <Team>, Example" in rendered.text
    assert "Smith &amp; Jones &lt;Team&gt;" in rendered.html and "<Team>" not in rendered.html
    assert rendered.subject == "Contact your treating team in the next few days"


def test_prompt_emails_list_no_support_beside_999_and_only_helplines_on_the_same_day(app, session):
    from tests.support.helpers import make_service

    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    make_service(session, name="Example Hospice", kind="hospice", areas="nationwide")
    with app.app_context():
        emergency = messages.prompt(session, "email", TEAMS[0], "emergency")
        same_day = messages.prompt(session, "email", TEAMS[0], "same_day")
        soon = messages.prompt(session, "email", TEAMS[0], "soon")
    for body in (emergency.text, emergency.html):
        assert "Call 999 now" in body
        assert "Other support" not in body and "Example" not in body.replace("Example Hospital", "")
    for body in (same_day.text, same_day.html):
        assert "Example Helpline" in body and "Example Hospice" not in body
    assert "Example Hospice" in soon.text and "Example Hospice" in soon.html


def test_gsm_lengths_count_extension_characters_twice():
    assert gsm.septets("€[]") == 6
    assert gsm.segments("a" * 160) == 1
    assert gsm.segments("a" * 161) == 2 and gsm.segments("a" * 306) == 2
    assert gsm.segments("a" * 307) == 3
    assert not gsm.is_gsm("don’t") and gsm.plain("don’t 9–5\u00a0pm") == "don't 9-5 pm"


@pytest.mark.parametrize(
    ("lifetime", "words"),
    [
        (timedelta(days=14), "14 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=36), "36 hours"),
    ],
)
def test_the_invitation_email_says_how_long_its_link_works(app, lifetime, words):
    reconfigure(app, web={"invitation_lifetime": lifetime})
    with app.app_context():
        rendered = messages.invitation("email", TEAMS[0], "https://example.test/join/x")
    said = f"The link works once, and for {words} from when your team invited you."
    assert said in rendered.text and said in rendered.html
    assert "a few days" not in rendered.text

"""The patient asks their team to contact them: the form, its refusals, the confirmation, the
diary's home page until the request is closed, and the messages queued."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.auth.conftest import database
from tests.conftest import csrf_from, sign_in_as
from tests.contact_requests.conftest import add_diary, read
from tests.team.conftest import make_staff, plain
from tracker.contact_requests.models import ContactRequest
from tracker.notify import sms_words
from tracker.notify.models import CONTACT_REQUEST, EMAIL, SMS, OutboxMessage
from tracker.patients.models import PAUSED, Patient

ASK = "/diary/contact-me"


def _form_key(client) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', client.get(ASK).get_data(as_text=True))
    assert match
    return match.group(1)


def _send(client, data: list[tuple[str, str]], key: str | None = None):
    key = key or _form_key(client)
    form = [*data, ("csrf_token", csrf_from(client, "/diary/")), ("form_key", key)]
    return client.post(ASK, data=MultiDict(form))


def _requests(app) -> list[ContactRequest]:
    return read(app, lambda s: list(s.scalars(select(ContactRequest).order_by(ContactRequest.id))))


def test_the_form_offers_the_open_alert_and_recent_symptoms_to_tick(patient_in, diary):
    page = plain(patient_in.get(ASK))
    assert "Ask your team to contact you" in page
    assert "Bone pain Your diary asked you to contact your team about this" in page
    assert "Tiredness" in page or "Fatigue" in page
    assert f'value="alert:{diary.alert}"' in patient_in.get(ASK).get_data(as_text=True)
    assert "In an emergency, call 999" in page  # the form is not for what cannot wait


def test_nothing_ticked_and_no_words_is_refused_beside_the_field_keeping_what_was_typed(
    app, patient_in
):
    response = _send(
        patient_in,
        [("reach", "phone_other"), ("other_phone", "0118 496 0123"), ("good_times", "Mornings")],
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#about"' in body
    assert "Tick what you would like to talk about, or write it in your own words" in plain(
        response
    )
    assert 'value="0118 496 0123"' in body and 'value="Mornings"' in body
    assert _requests(app) == []


def test_words_too_long_and_a_bad_number_are_refused_beside_their_fields(app, patient_in):
    words = "x" * 1001
    response = _send(
        patient_in, [("words", words), ("reach", "phone_other"), ("other_phone", "12345")]
    )
    assert response.status_code == 400
    page = plain(response)
    assert "What you write must be 1,000 characters or fewer" in page
    assert "Enter a UK phone number" in page
    assert words in response.get_data(as_text=True)  # kept as typed
    assert _requests(app) == []


def test_no_way_to_reach_the_patient_chosen_is_refused(app, patient_in):
    response = _send(patient_in, [("words", "About my tablets")])
    assert response.status_code == 400
    assert "Choose how your team should contact you" in plain(response)


def test_a_request_is_due_by_the_teams_target_and_the_confirmation_says_when(
    app, patient_in, diary
):
    response = _send(
        patient_in,
        [
            ("about", f"alert:{diary.alert}"),
            ("words", "The pain wakes me at night."),
            ("reach", "phone_on_file"),
            ("good_times", "After 2pm"),
        ],
    )
    assert response.status_code == 302
    [row] = _requests(app)
    assert row.alert_id_list == [diary.alert] and row.about_list == ["Bone pain"]
    assert row.words == "The pain wakes me at night." and row.good_times == "After 2pm"
    assert row.phone == "07700 900001" and row.reach_by == "phone" and row.status == "open"
    assert str(row.due_on) == "2026-12-03" and row.team_id == diary.team
    page = plain(patient_in.get(response.headers["Location"]))
    assert "Your team has your request from Tuesday 1 December at 10:14am" in page
    assert "They aim to contact you by Thursday 3 December 2026" in page
    assert "If it gets worse before then Do not wait for your team to contact you" in page
    assert "In an emergency, call 999" in page


def test_sending_the_same_form_twice_makes_one_request(app, patient_in, diary):
    key = _form_key(patient_in)
    data = [("words", "Can someone call me?"), ("reach", "email")]
    first = _send(patient_in, data, key)
    second = _send(patient_in, data, key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_requests(app)) == 1


def test_while_one_is_open_the_form_shows_it_rather_than_making_another(app, patient_in):
    _send(patient_in, [("words", "Can someone call me?"), ("reach", "email")])
    [row] = _requests(app)
    response = patient_in.get(ASK)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{ASK}/{row.id}")


def test_the_confirmation_goes_to_the_patients_channels_and_the_text_names_no_symptom(
    app, patient_in, diary
):
    _send(patient_in, [("about", f"alert:{diary.alert}"), ("reach", "phone_on_file")])
    messages = read(
        app,
        lambda s: list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.kind == CONTACT_REQUEST))
        ),
    )
    by_channel = {m.channel: m for m in messages}
    assert set(by_channel) == {SMS, EMAIL}
    text = by_channel[SMS].body_text
    assert "aim to by Thursday 3 December 2026" in text and "999" in text
    assert sms_words.is_clean(text) and "Bone" not in text
    assert "They aim to contact you by Thursday 3 December 2026" in by_channel[EMAIL].body_text


def test_the_diary_home_shows_the_request_until_closed_then_what_the_team_recorded(
    app, clock, patient_in
):
    assert "ask your team to contact you" in plain(patient_in.get("/diary/"))
    _send(patient_in, [("words", "Can someone call me?"), ("reach", "email")])
    page = plain(patient_in.get("/diary/"))
    assert "Your request to be contacted Your team has your request from Tuesday" in page
    assert "They aim to contact you by Thursday 3 December 2026" in page
    with database(app) as s:
        closer = make_staff(s, "closer@example.test").id
        row = s.scalars(select(ContactRequest)).one()
        row.status, row.outcome, row.closed_at = "closed", "appointment", clock.now()
        row.closed_by = closer
        s.commit()
    page = plain(patient_in.get("/diary/"))
    assert "Your team has recorded that they have arranged an appointment for you." in page
    assert "They aim to contact you" not in page
    with database(app) as s:  # closed 15 days ago (the clock stays: sessions time out)
        s.scalars(select(ContactRequest)).one().closed_at = clock.now() - timedelta(days=15)
        s.commit()
    page = plain(patient_in.get("/diary/"))
    assert "My diary" in page and "Your request to be contacted" not in page


def test_past_its_due_day_the_patient_is_told_whom_to_call_on_the_home_page_and_the_request(
    app, clock, patient_in
):
    _send(patient_in, [("words", "Can someone call me?"), ("reach", "email")])
    [row] = _requests(app)
    with database(app) as s:  # its due day is over (the clock stays: sessions time out)
        s.get(ContactRequest, row.id).due_at = clock.now() - timedelta(seconds=1)
        s.commit()
    for page in (plain(patient_in.get("/diary/")), plain(patient_in.get(f"{ASK}/{row.id}"))):
        assert "They aimed to contact you by Thursday 3 December 2026" in page
        assert "have not recorded doing so" in page
        assert "If you have not heard from them, call Breast Care Team on" in page
        assert "They aim to contact you" not in page
    assert "If it gets worse before then" not in plain(patient_in.get(f"{ASK}/{row.id}"))


def test_a_paused_patient_is_told_whom_to_call_and_nothing_is_saved(app, patient_in, diary):
    with database(app) as s:
        s.get(Patient, diary.patient).monitoring_status = PAUSED
        s.commit()
    page = plain(patient_in.get(ASK))
    assert "Contact your team by phone" in page and "call Breast Care Team on" in page
    token = csrf_from(patient_in, "/diary/")
    form = {"words": "Please call", "reach": "email", "form_key": "k", "csrf_token": token}
    assert patient_in.post(ASK, data=form).status_code == 200
    assert _requests(app) == []


def test_another_patients_request_is_not_found(app, clock, patient_in):
    with database(app) as s:
        other = add_diary(s, clock, email="other@example.test")
        row = ContactRequest(
            patient_id=other.patient, team_id=other.team, form_key="x", due_on=clock.now().date(),
            due_at=clock.now(), reach_by="email", status="open",
        )  # fmt: skip
        s.add(row)
        s.commit()
        row_id = row.id
    assert patient_in.get(f"{ASK}/{row_id}").status_code == 404


def test_a_request_without_a_form_token_is_refused(app, patient_in):
    response = patient_in.post(ASK, data={"words": "Please call", "reach": "email"})
    assert response.status_code == 400
    assert _requests(app) == []


def test_every_open_alert_card_offers_it_beside_the_call_and_the_emergency_card_keeps_999_first(
    app, clock
):
    with database(app) as s:
        soon = add_diary(s, clock, email="soon@example.test")
        emergency = add_diary(s, clock, urgency="emergency", email="emergency@example.test")
    for ids, first in ((soon, "Call Breast Care Team on"), (emergency, "call 999 now")):
        client = app.test_client()
        sign_in_as(client, read(app, lambda s, i=ids: s.get(Patient, i.patient)))
        page = plain(client.get("/diary/"))
        card = page[page.index("What to do now") :]
        assert "ask" in card and first in card
        assert card.index(first) < card.index("contact you")

"""Open sign-up: choosing a team, every field checked, nothing saved on an error."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import database, is_signed_in, read, sign_in_form, text_of
from tests.conftest import csrf_from, make_team, reconfigure
from tracker.auth.passwords import MAX_LENGTH
from tracker.notify.models import OutboxMessage
from tracker.patients.models import ConsentChange, ContactPreference, Patient

GOOD_PASSWORD = "three plain words"


def _form(team_id, confirm: str | None = None, **changes) -> dict:
    """A filled-in sign-up form; the confirmation repeats the password unless given."""
    data = {
        "team": str(team_id),
        "name": "Alex Example",
        "email": "alex@example.test",
        "mobile": "",
        "password": GOOD_PASSWORD,
    }
    data.update(changes)
    data["confirm-password"] = data["password"] if confirm is None else confirm
    return data


def _post(client, data, page="/sign-up"):
    return client.post(page, data={**data, "csrf_token": csrf_from(client, page)})


def _notices(app) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "account_notice")
    return read(app, lambda s: s.scalars(query).all())


def _patients(app) -> int:
    return read(app, lambda s: s.scalar(select(func.count()).select_from(Patient)))


def test_sign_up_lists_the_teams_to_choose_from(client, app):
    with database(app) as s:
        make_team(s, name="Breast Care Team", hospital="North Hospital")
        make_team(s, name="Oncology Nurses", hospital="South Hospital")
        s.commit()
    body = text_of(client.get("/sign-up"))
    for text in ("Breast Care Team", "North Hospital", "Oncology Nurses", "South Hospital"):
        assert text in body
    for attribute in (
        'autocomplete="name"',
        'autocomplete="email"',
        'autocomplete="tel"',
        'autocomplete="new-password"',
    ):
        assert attribute in body


def test_sign_up_creates_the_account_and_the_patient_signs_in_with_it(client, app, team_id, clock):
    # Issue 19: open sign-up answers the same way whatever the address, so it cannot sign in
    # a new account straight away (an address with an account gets the same answer).
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("UTC")))
    data = _form(team_id, mobile="07700 900123", reminders=["email", "sms"])
    response = _post(client, data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-up/check-your-email"
    assert not is_signed_in(client)
    assert sign_in_form(client, "alex@example.test", GOOD_PASSWORD).status_code == 302
    assert is_signed_in(client)
    assert _notices(app) == []

    patient = read(app, lambda s: s.scalar(select(Patient)))
    assert patient.team_id == team_id
    assert patient.name == "Alex Example"
    assert patient.email == "alex@example.test"
    assert patient.mobile == "+447700900123"
    assert patient.timezone == "Europe/London"
    assert patient.enrolled_on == date(2026, 11, 20)
    assert patient.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in patient.password_hash
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None


def test_prompts_go_by_every_channel_and_reminders_only_when_ticked(client, app, team_id):
    """Rules v2 §4: leaving "Reminders (optional)" unticked no longer turns off prompts."""
    _post(client, _form(team_id, mobile="07700 900123", reminders=["email"]))
    patient = read(app, lambda s: s.scalar(select(Patient)))
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None
    pref = read(app, lambda s: s.get(ContactPreference, patient.id))
    assert pref.remind_by_email and not pref.remind_by_sms
    changes = read(app, lambda s: s.scalars(select(ConsentChange).order_by(ConsentChange.id)).all())
    assert [(c.channel, c.scope, c.given, c.source) for c in changes] == [
        ("email", "prompts", True, "sign_up"),
        ("sms", "prompts", True, "sign_up"),
        ("email", "reminders", True, "sign_up"),
    ]


def test_no_reminders_ticked_means_no_reminders_but_prompts_all_the_same(client, app, team_id):
    _post(client, _form(team_id, mobile="07700 900123"))
    patient = read(app, lambda s: s.scalar(select(Patient)))
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None
    pref = read(app, lambda s: s.get(ContactPreference, patient.id))
    assert not pref.remind_by_email and not pref.remind_by_sms


def test_the_sign_up_page_explains_prompts_and_offers_reminders_apart(client, team_id):
    html = client.get("/sign-up").get_data(as_text=True)
    assert "Messages about your diary" in html
    assert "Reminders to fill in your diary (optional)" in html
    assert "reminders and prompts" not in html


@pytest.mark.parametrize("length", [64, MAX_LENGTH])
def test_long_passphrases_are_accepted_and_sign_in_later(client, app, team_id, length):
    # Long passphrases are welcome up to MAX_LENGTH (256); far longer gets a clear error.
    long_password = ("a long passphrase " * 20)[:length]
    response = _post(client, _form(team_id, password=long_password))
    assert response.status_code == 302

    other = app.test_client()
    assert sign_in_form(other, "alex@example.test", long_password).status_code == 302


def test_a_10000_character_password_gets_a_clear_error(client, app, team_id):
    huge = "x" * 10_000
    response = _post(client, _form(team_id, password=huge))
    assert response.status_code == 400
    assert "Your password must be 256 characters or fewer" in text_of(response)
    assert _patients(app) == 0


def test_errors_beside_fields_keep_what_was_typed_and_save_nothing(client, app, team_id):
    data = _form(
        team_id,
        team="",
        name="Alex Example",
        email="not-an-email",
        mobile="",
        reminders=["sms"],
        password="short",
    )
    response = _post(client, data)
    body = text_of(response)
    assert response.status_code == 400
    assert "<title>Error: " in body
    expected = {
        "team": "Select your treating team",
        "email": "Enter an email address in the correct format",
        "mobile": "Enter your mobile number to get text reminders",
        "password": "Your password must be at least 10 characters long",
    }
    for field, message in expected.items():
        assert f'href="#{field}"' in body  # in the error summary
        assert f'id="{field}-error"' in body  # and beside the field
        assert message in body
    assert 'value="Alex Example"' in body
    assert 'value="not-an-email"' in body
    assert 'value="sms" checked' in body
    assert 'value="short"' not in body  # passwords are never put back
    assert _patients(app) == 0
    assert not is_signed_in(client)


def test_passwords_that_do_not_match_are_refused(client, app, team_id):
    response = _post(client, _form(team_id, confirm="something else entirely"))
    assert response.status_code == 400
    assert "The passwords do not match" in text_of(response)
    assert 'id="confirm-password-error"' in text_of(response)
    assert _patients(app) == 0


def test_blank_name_and_unknown_team_are_refused(client, app, team_id):
    response = _post(client, _form(team_id + 1000, name=""))
    body = text_of(response)
    assert "Select your treating team" in body
    assert "Enter your name" in body
    assert _patients(app) == 0


def test_an_email_already_in_use_gets_the_same_answer_and_its_owner_an_email(
    client, app, account, team_id
):
    new = _post(app.test_client(), _form(team_id, email="new@example.test"))
    response = _post(client, _form(account.team_id, email="  SAM@example.test"))
    assert (response.status_code, response.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )

    def page(c) -> str:  # the page, less what differs on every request (the CSP nonce)
        return re.sub(r'nonce="[^"]*"', "", text_of(c.get(response.headers["Location"])))

    assert page(client) == page(app.test_client())
    assert "already an account" not in text_of(response)
    assert _patients(app) == 2 and not is_signed_in(client)
    [notice] = _notices(app)
    assert notice.to_address == account.email and notice.patient_id == account.id
    assert "Someone tried to make a new account with this email address" in notice.body_text
    assert "/sign-in" in notice.body_text
    # Trying again the same day does not send another.
    _post(client, _form(account.team_id, email=account.email))
    assert len(_notices(app)) == 1


def test_the_page_after_sign_up_is_not_found_when_open_sign_up_is_off(client, app):
    reconfigure(app, web={"open_signup": False})
    assert client.get("/sign-up/check-your-email").status_code == 404


def test_sign_up_is_not_found_when_open_sign_up_is_off(client, app, team_id):
    token = csrf_from(client, "/sign-in")
    reconfigure(app, web={"open_signup": False})
    assert client.get("/sign-up").status_code == 404
    response = client.post("/sign-up", data={**_form(team_id), "csrf_token": token})
    assert response.status_code == 404
    assert _patients(app) == 0
    assert "Create an account" not in text_of(client.get("/sign-in"))


def test_signed_in_patient_visiting_sign_up_goes_to_the_diary(client, account):
    sign_in_form(client, account.email, account.password)
    response = client.get("/sign-up")
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"


def test_enrolment_date_is_the_day_in_london(app, team_id, client, clock):
    # 23:30 UTC on 30 June is already 1 July in London (British Summer Time).
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")))
    _post(client, _form(team_id))
    assert read(app, lambda s: s.scalar(select(Patient.enrolled_on))) == date(2026, 7, 1)


def test_email_taken_between_the_check_and_the_save_is_refused_cleanly(
    client, app, account, monkeypatch
):
    """Another sign-up wins the race for the address: the unique index catches it."""
    import tracker.auth.accounts as accounts

    real_owner = accounts._owner
    calls = []

    def misses_it_the_first_time(s, email: str):
        calls.append(email)
        return real_owner(s, email) if len(calls) > 1 else None

    monkeypatch.setattr(accounts, "_owner", misses_it_the_first_time)
    response = _post(client, _form(account.team_id, email=account.email))
    assert response.headers["Location"] == "/sign-up/check-your-email"
    assert _patients(app) == 1
    assert not is_signed_in(client)
    assert [n.to_address for n in _notices(app)] == [account.email]

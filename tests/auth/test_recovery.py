"""Forgotten password (issue 22, items 1 and 2): a link by email, a code by text, one page for
links and codes that do not work, limits counted in the database, and nothing that says whether
an address has an account."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.auth.conftest import database, is_signed_in, read, sign_in_form, text_of
from tests.conftest import PASSWORD, csrf_from, reconfigure, sign_in_as
from tests.notify.conftest import dispatch
from tracker import clock as tracker_clock
from tracker import config
from tracker.auth import recovery
from tracker.auth.models import AccountLink, UserSession
from tracker.notify import sms_words
from tracker.notify.dispatch.claims import Job
from tracker.notify.dispatch.screening import Facts, Verdict, screen
from tracker.notify.gsm import fits
from tracker.notify.models import OutboxMessage
from tracker.notify.quiet import parse_hhmm
from tracker.patients.models import DIED, ENDED, Patient

NEW_PASSWORD = "four new plain words"
LINK = re.compile(r"https?://[^/\s]+(/account/reset/[A-Za-z0-9_-]+)")
CODE = re.compile(r"\b(\d{6})\b")


def _post(client, page: str, data: dict, **kwargs):
    return client.post(page, data={**data, "csrf_token": csrf_from(client, page)}, **kwargs)


def _ask_by_email(client, email: str):
    return _post(client, "/account/forgotten", {"email": email})


def _ask_by_text(client, email: str, mobile: str):
    return _post(client, "/account/forgotten/text", {"email": email, "mobile": mobile})


def _messages(app, variant: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "account_notice")
    if variant is not None:
        query = query.where(OutboxMessage.variant == variant)
    return read(app, lambda s: list(s.scalars(query.order_by(OutboxMessage.id))))


def _link_in(message: OutboxMessage) -> str:
    match = LINK.search(message.body_text)
    assert match, "no reset link in the message"
    return match.group(1)


def _emailed_link(app, client, email: str) -> str:
    before = len(_messages(app, "reset_link"))
    _ask_by_email(client, email)
    sent = _messages(app, "reset_link")
    assert len(sent) == before + 1, "no reset link was queued"
    return _link_in(sent[-1])


def _set(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    data = {"password": password, "confirm-password": password if confirm is None else confirm}
    return _post(client, path, data)


def _words(response) -> str:
    """What a page says, without its tags (a nonce and a CSRF token differ on every page)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _can_sign_in(app, email: str, password: str) -> bool:
    client = app.test_client()
    sign_in_form(client, email, password)
    return is_signed_in(client)


# ---- asking by email --------------------------------------------------------------------------


def test_the_sign_in_page_offers_forgotten_password(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/account/forgotten"' in page
    assert "Forgotten your password?" in page


def test_asking_answers_the_same_whether_or_not_the_address_has_an_account(app, client, account):
    known = _ask_by_email(client, account.email)
    unknown = _ask_by_email(app.test_client(), "nobody@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page = client.get(known.headers["Location"])
    assert page.status_code == 200
    assert "If this email address belongs to a diary account" in text_of(page)
    sent = _messages(app)
    assert [(m.variant, m.channel, m.to_address) for m in sent] == [
        ("reset_link", "email", account.email)
    ]


def test_the_link_sets_a_new_password_ends_every_session_and_tells_the_other_channel(
    app, client, account, caplog
):
    with database(app) as s:
        patient = s.get(Patient, account.id)
        patient.sms_consent_at = tracker_clock.SYSTEM.now()  # texts are how they hear from us
        s.commit()
        other_device = app.test_client()
        sign_in_as(other_device, patient)
    assert is_signed_in(other_device)
    with caplog.at_level(logging.DEBUG):
        path = _emailed_link(app, client, account.email)
        assert "Choose a new password" in text_of(client.get(path))
        done = _set(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/diary/"
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert _can_sign_in(app, account.email, NEW_PASSWORD)
    assert not _can_sign_in(app, account.email, PASSWORD)
    told = _messages(app, "password_changed")
    assert [(m.channel, m.to_address) for m in told] == [("sms", "+447700900001")]
    assert sms_words.is_clean(told[0].body_text) and fits(told[0].body_text)
    token = path.rsplit("/", 1)[1]
    assert token not in "\n".join(r.getMessage() for r in caplog.records)
    ended = read(app, lambda s: s.scalars(select(UserSession.ended_reason)).all())
    assert "password_changed" in ended


def test_without_texts_the_patient_is_told_by_email(app, client, account):
    path = _emailed_link(app, client, account.email)
    _set(client, path)
    told = _messages(app, "password_changed")
    assert [(m.channel, m.to_address) for m in told] == [("email", account.email)]
    assert "If it was not you, call your treating team" in told[0].body_text


def test_only_a_hash_of_the_token_is_stored(app, client, account):
    token = _emailed_link(app, client, account.email).rsplit("/", 1)[1]
    links = read(app, lambda s: s.scalars(select(AccountLink)).all())
    assert len(links) == 1
    stored = " ".join(str(v) for v in vars(links[0]).values())
    assert token not in stored


def test_a_link_works_once(app, client, account):
    path = _emailed_link(app, client, account.email)
    assert _set(client, path).status_code == 302
    assert client.get(path).status_code == 410
    again = _set_raw(app.test_client(), path)
    assert again.status_code == 410
    assert "This link has stopped working" in text_of(again)
    assert "This one has been used, or a newer one has replaced it" in text_of(again)
    assert _can_sign_in(app, account.email, NEW_PASSWORD)
    assert not _can_sign_in(app, account.email, "yet another password")


def test_a_link_expires_after_an_hour(app, client, clock, account):
    start = tracker_clock.SYSTEM.now()
    clock.set(start)
    path = _emailed_link(app, client, account.email)
    clock.set(start + timedelta(minutes=59))
    assert client.get(path).status_code == 200
    clock.set(start + timedelta(hours=1))
    response = _set_raw(client, path)
    assert response.status_code == 410
    assert "This link has expired" in text_of(response)
    assert _can_sign_in(app, account.email, PASSWORD)


@pytest.mark.parametrize("change", ["altered", "unknown", "too long", "no patient"])
def test_altered_or_unknown_links_get_one_page_and_change_nothing(app, client, account, change):
    path = _emailed_link(app, client, account.email)
    if change == "altered":
        path = path[:-1] + ("A" if path[-1] != "A" else "B")
    elif change == "unknown":
        path = "/account/reset/not-a-link-we-made"
    elif change == "too long":
        path = "/account/reset/" + "x" * 500
    else:  # a link made for an address with no account
        _ask_by_email(client, "nobody@example.test")
        with database(app) as s:
            orphan = s.scalars(select(AccountLink).where(AccountLink.patient_id.is_(None))).one()
            token = "made-here-for-the-test"
            orphan.token_hash = recovery.invitations.hash_token(token)
            s.commit()
        path = f"/account/reset/{token}"
    for response in (client.get(path), _set_raw(client, path)):
        assert response.status_code == 404
        assert "This link does not work" in text_of(response)
    assert _can_sign_in(app, account.email, PASSWORD)


def _set_raw(client, path: str, data: dict | None = None):
    """POST to a path with no form on it (the CSRF token from the sign-in page)."""
    token = csrf_from(client, "/sign-in")
    password = "yet another password"
    data = data or {"password": password, "confirm-password": password}
    return client.post(path, data={**data, "csrf_token": token})


def test_a_new_password_follows_the_rules_and_the_link_still_works_after_a_mistake(
    app, client, account
):
    path = _emailed_link(app, client, account.email)
    short = _set(client, path, password="short")
    assert short.status_code == 400
    assert "There is a problem" in text_of(short)
    mismatch = _set(client, path, confirm="something else entirely")
    assert mismatch.status_code == 400
    assert "The passwords do not match" in text_of(mismatch)
    assert _set(client, path).status_code == 302


def test_the_forms_need_csrf(client, account):
    for page, data in (
        ("/account/forgotten", {"email": account.email}),
        ("/account/forgotten/text", {"email": account.email, "mobile": "07700 900001"}),
    ):
        assert client.post(page, data=data).status_code == 400


def test_a_badly_typed_address_is_shown_again_with_the_error(app, client):
    response = _post(client, "/account/forgotten", {"email": "not an address"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'value="not an address"' in body
    assert "Enter an email address in the right format" in body
    empty = _post(client, "/account/forgotten", {"email": ""})
    assert "Enter the email address you sign in with" in text_of(empty)
    assert _messages(app) == []


def test_requests_are_limited_per_account_across_workers(app, make_app, account):
    # Two apps on one database stand for two workers: the count is the database's.
    other = make_app()
    for i in range(5):
        worker = app if i % 2 == 0 else other
        response = _ask_by_email(worker.test_client(), account.email)
        assert response.status_code == 302  # the same answer, sent or not
    limit = config.of(app).sign_in.resets_per_account
    assert len(_messages(app, "reset_link")) == limit


def test_requests_are_limited_per_client_address(app, client, account):
    reconfigure(app, sign_in={"resets_per_address": 2})
    for email in ("a@example.test", "b@example.test"):
        assert _ask_by_email(client, email).status_code == 302
    refused = _ask_by_email(client, account.email)
    assert refused.status_code == 429
    assert "too many requests for a new password" in text_of(refused)
    assert _messages(app) == []


def test_a_closed_or_unfinished_account_gets_no_link_but_the_same_answer(app, client, account):
    with database(app) as s:
        s.execute(
            update(Patient)
            .where(Patient.id == account.id)
            .values(monitoring_status=ENDED, ended_reason=DIED, password_hash=None)
        )
        s.commit()
    assert _ask_by_email(client, account.email).status_code == 302
    assert _messages(app) == []


def test_a_paused_patient_can_still_reset_and_quiet_hours_do_not_hold_it(app, client, account):
    with database(app) as s:
        paused = update(Patient).where(Patient.id == account.id).values(monitoring_status="paused")
        s.execute(paused)
        s.commit()
    _ask_by_email(client, account.email)
    (message,) = _messages(app, "reset_link")
    job = Job(
        id=message.id,
        kind=message.kind,
        channel=message.channel,
        to=message.to_address,
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        patient_id=message.patient_id,
        prompt_id=None,
        urgency=None,
        previous_status="queued",
        attempts=0,
        attempt_started_at=None,
        due_at=message.next_attempt_at,
        created_at=message.created_at,
    )
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # in the quiet hours of London
    with database(app) as s:
        patient = s.get(Patient, account.id)
        facts = Facts({patient.id: patient}, {}, set(), set())
        quiet = (parse_hhmm("21:00"), parse_hhmm("08:00"))
        assert screen(job, facts, late, quiet) == Verdict(go=True)
        patient.monitoring_status, patient.ended_reason = ENDED, DIED
        assert screen(job, facts, late, quiet).cancel == "account_closed"


# ---- asking by text ---------------------------------------------------------------------------


def _texted_code(app) -> str:
    (message,) = _messages(app, "reset_code")
    match = CODE.search(message.body_text)
    assert match, "no code in the text"
    return match.group(1)


def _enter(client, code: str):
    return _post(client, "/account/forgotten/code", {"code": code})


def test_a_code_by_text_leads_to_the_new_password_and_email_is_told(app, client, account):
    asked = _ask_by_text(client, account.email, "07700 900001")
    assert asked.status_code == 302 and asked.headers["Location"] == "/account/forgotten/code"
    (text,) = _messages(app, "reset_code")
    assert text.channel == "sms" and text.to_address == "+447700900001"
    assert sms_words.is_clean(text.body_text) and fits(text.body_text)
    assert "10 minutes" in text.body_text
    wrong = _enter(client, "000000" if _texted_code(app) != "000000" else "111111")
    assert wrong.status_code == 400
    assert "That code is not right" in text_of(wrong) and "4 more times" in text_of(wrong)
    right = _enter(client, _texted_code(app))
    assert right.status_code == 302 and right.headers["Location"].startswith("/account/reset/")
    assert _set(client, right.headers["Location"]).status_code == 302
    assert _can_sign_in(app, account.email, NEW_PASSWORD)
    told = _messages(app, "password_changed")
    assert [(m.channel, m.to_address) for m in told] == [("email", account.email)]
    # The code is used: entering it again goes nowhere.
    assert _enter(client, _texted_code(app)).status_code == 404


def test_five_wrong_tries_and_the_code_stops_working(app, client, account):
    _ask_by_text(client, account.email, "+447700900001")
    code = _texted_code(app)
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(4):
        assert _enter(client, wrong).status_code == 400
    fifth = _enter(client, wrong)
    assert fifth.status_code == 410
    assert "This code has stopped working" in text_of(fifth)
    gone = _set_raw(client, "/account/forgotten/code", {"code": code})
    assert gone.status_code == 404  # the browser's token is gone too
    assert _can_sign_in(app, account.email, PASSWORD)


def test_tries_are_counted_in_the_database_across_workers(app, make_app, client, account):
    _ask_by_text(client, account.email, "+447700900001")
    code = _texted_code(app)
    wrong = "123456" if code != "123456" else "654321"
    with database(app) as s:
        link = s.scalars(select(AccountLink)).one()
        link_token = "a-token-for-this-test"
        link.token_hash = recovery.invitations.hash_token(link_token)
        link.code_hash = recovery._code_hash(link_token, code)
        s.commit()
    other = make_app()
    assert recovery.CODE_TRIES == 5
    for i in range(recovery.CODE_TRIES):
        with database(app if i % 2 == 0 else other) as s:
            assert recovery.check_code(s, link_token, wrong).reset_token is None
    with database(other) as s:
        late = recovery.check_code(s, link_token, code)
    assert late.reset_token is None and late.problem is not None
    assert read(app, lambda s: s.scalars(select(AccountLink.tries)).one()) == 5


def test_a_code_expires_after_ten_minutes(app, client, clock, account):
    start = tracker_clock.SYSTEM.now()
    clock.set(start)
    _ask_by_text(client, account.email, "+447700900001")
    clock.set(start + timedelta(minutes=10))
    response = _enter(client, _texted_code(app))
    assert response.status_code == 410
    assert "This code has expired" in text_of(response)


def test_a_number_that_is_not_the_accounts_gets_the_same_pages_and_no_text(app, client, account):
    asked = _ask_by_text(client, account.email, "07700 900999")
    stranger = app.test_client()
    unknown = _ask_by_text(stranger, "nobody@example.test", "07700 900001")
    assert asked.headers["Location"] == unknown.headers["Location"] == "/account/forgotten/code"
    assert _words(client.get("/account/forgotten/code")) == _words(
        stranger.get("/account/forgotten/code")
    )
    assert _messages(app) == []
    response = _enter(client, "123456")
    assert response.status_code == 400 and "That code is not right" in text_of(response)


def test_the_code_page_keeps_what_was_typed_and_says_what_a_code_looks_like(client, account):
    _ask_by_text(client, account.email, "+447700900001")
    response = _enter(client, "12ab")
    assert response.status_code == 400
    assert 'value="12ab"' in response.get_data(as_text=True)
    assert "Enter the 6-digit code from the text message" in text_of(response)


def test_the_text_form_checks_the_number_and_keeps_what_was_typed(app, client):
    response = _ask_by_text(client, "sam@example.test", "not a number")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'value="not a number"' in body and 'value="sam@example.test"' in body
    assert _messages(app) == []


def test_the_code_page_without_asking_first_is_the_one_problem_page(client):
    response = client.get("/account/forgotten/code")
    assert response.status_code == 404
    assert "This code does not work" in text_of(response)


def test_a_code_asked_for_at_night_is_sent_at_once_and_never_logged(
    app, client, clock, account, caplog
):
    night = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # quiet hours in London
    clock.set(night)
    with caplog.at_level(logging.DEBUG):
        _ask_by_text(client, account.email, "+447700900001")
        code = _texted_code(app)
        dispatch(app, night)
        _enter(client, "000000" if code != "000000" else "111111")
        _enter(client, code)
    (text,) = _messages(app, "reset_code")
    assert text.status in ("sent", "delivered")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert code not in logged

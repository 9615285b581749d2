"""Changing the email address (issue 22, item 4; issue 19, item 19): it changes only when a link
sent to the new address is followed, the old address is told, and the answer is the same whether
or not the new address already has an account."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.auth.conftest import database, read, text_of
from tests.conftest import csrf_from, make_patient, sign_in_as
from tracker import clock as tracker_clock
from tracker.auth import email_change
from tracker.notify.models import OutboxMessage
from tracker.patients.models import Patient
from tracker.team.models import Team

LINK = re.compile(r"https?://[^/\s]+(/account/email/[A-Za-z0-9_-]+)")


def _signed_in(app, account):
    client = app.test_client()
    with database(app) as s:
        sign_in_as(client, s.get(Patient, account.id))
    return client


def _ask(client, email: str):
    page = "/settings/email"
    return client.post(page, data={"email": email, "csrf_token": csrf_from(client, page)})


def _sent(app) -> list[tuple[str, str]]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "account_notice")
    rows = read(app, lambda s: s.scalars(query.order_by(OutboxMessage.id)).all())
    return [(m.variant, m.to_address) for m in rows]


def _link(app) -> str:
    query = select(OutboxMessage.body_text).where(OutboxMessage.variant == "email_confirm")
    match = LINK.search(read(app, lambda s: s.scalars(query).one()))
    assert match, "no link in the confirmation"
    return match.group(1)


def _email_of(app, patient_id: int) -> str:
    return read(app, lambda s: s.get(Patient, patient_id).email)


def _confirm(client, path: str):
    return client.post(path, data={"csrf_token": csrf_from(client, path)})


def test_the_address_changes_only_when_the_new_addresss_link_is_followed(app, account):
    client = _signed_in(app, account)
    asked = _ask(client, " Sam.New@Example.TEST ")
    assert asked.status_code == 302 and asked.headers["Location"] == "/settings/"
    flashed = text_of(client.get("/settings/"))
    assert "We have sent a link to your new email address" in flashed
    assert "keep signing in with your old one" in flashed
    assert _email_of(app, account.id) == "sam@example.test"
    assert _sent(app) == [
        ("email_confirm", "sam.new@example.test"),
        ("email_change_asked", "sam@example.test"),
    ]
    path = _link(app)
    # Opening the link changes nothing (mail scanners open links): the button does.
    stranger = app.test_client()
    page = stranger.get(path)
    assert page.status_code == 200 and "sam.new@example.test" in text_of(page)
    assert _email_of(app, account.id) == "sam@example.test"
    done = _confirm(stranger, path)
    assert done.status_code == 200
    assert "Your email address has changed" in text_of(done)
    assert _email_of(app, account.id) == "sam.new@example.test"
    again = stranger.get(path)
    assert again.status_code == 410 and "This link has stopped working" in text_of(again)


def test_the_answer_is_the_same_when_another_account_has_the_new_address(app, account):
    with database(app) as s:
        other = make_patient(s, s.get(Team, account.team_id), email="taken@example.test")
        other_id = other.id
    free = _ask(_signed_in(app, account), "free@example.test")
    sent_before = len(_sent(app))
    client = _signed_in(app, account)
    taken = _ask(client, "taken@example.test")
    assert (taken.status_code, taken.headers["Location"]) == (
        free.status_code,
        free.headers["Location"],
    )
    assert "We have sent a link to your new email address" in text_of(client.get("/settings/"))
    assert _sent(app)[sent_before:] == [
        ("email_in_use", "taken@example.test"),
        ("email_change_asked", "sam@example.test"),
    ]
    in_use = read(
        app,
        lambda s: s.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.variant == "email_in_use")
        ).one(),
    )
    assert "nothing changed" in in_use
    assert "sam@example.test" not in in_use  # nothing about whose account tried
    assert _email_of(app, account.id) == "sam@example.test"
    assert _email_of(app, other_id) == "taken@example.test"


def test_a_link_expires_after_a_day_and_changes_nothing(app, clock, account):
    start = tracker_clock.SYSTEM.now()
    clock.set(start)
    _ask(_signed_in(app, account), "sam.new@example.test")
    clock.set(start + timedelta(days=1))
    response = app.test_client().get(_link(app))
    assert response.status_code == 410 and "This link has expired" in text_of(response)
    assert _email_of(app, account.id) == "sam@example.test"


def test_an_address_taken_after_the_link_was_sent_is_not_changed(app, account):
    _ask(_signed_in(app, account), "sam.new@example.test")
    path = _link(app)
    client = app.test_client()
    token = csrf_from(client, path)
    with database(app) as s:
        make_patient(s, s.get(Team, account.team_id), email="sam.new@example.test")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 410
    assert _email_of(app, account.id) == "sam@example.test"


def test_altered_links_get_the_one_problem_page(app, account):
    _ask(_signed_in(app, account), "sam.new@example.test")
    path = _link(app)
    altered = path[:-1] + ("A" if path[-1] != "A" else "B")
    response = app.test_client().get(altered)
    assert response.status_code == 404 and "This link does not work" in text_of(response)


def test_the_form_keeps_what_was_typed_and_refuses_the_same_address(app, account):
    client = _signed_in(app, account)
    bad = _ask(client, "not an address")
    assert bad.status_code == 400 and 'value="not an address"' in bad.get_data(as_text=True)
    same = _ask(client, "SAM@example.test")
    assert same.status_code == 400
    assert "That is already your email address" in text_of(same)
    assert _sent(app) == []


def test_asking_too_often_is_refused(app, account):
    client = _signed_in(app, account)
    for i in range(3):
        assert _ask(client, f"new{i}@example.test").status_code == 302
    assert _ask(client, "new9@example.test").status_code == 429
    assert len(_sent(app)) == 6


def test_signed_out_the_page_asks_to_sign_in(client):
    response = client.get("/settings/email")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_confirming_uses_the_same_lookup_as_every_other_link(app, account):
    # A reset link's token does not confirm an email change, and the reverse.
    _ask(_signed_in(app, account), "sam.new@example.test")
    token = _link(app).rsplit("/", 1)[1]
    assert app.test_client().get(f"/account/reset/{token}").status_code == 404
    with database(app) as s:
        assert email_change.pending(s, token)[0] == "sam.new@example.test"

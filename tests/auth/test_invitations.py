"""Invitation links: single use, expiring, team fixed by the link; and the `invite` command."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.auth.conftest import database, is_signed_in, read, text_of
from tests.conftest import csrf_from, make_team, reconfigure
from tracker.auth import invitations
from tracker.auth.models import Invitation
from tracker.clock import SYSTEM
from tracker.patients.models import Patient
from tracker.team.models import Team

PASSWORD = "three plain words"


def _invite(app, team_id: int, email: str | None = None, lifetime: timedelta | None = None) -> str:
    with database(app) as s:
        _, token = invitations.create_invitation(s, s.get(Team, team_id), email, lifetime=lifetime)
        s.commit()
    return token


def _join(client, token: str, **changes):
    page = f"/join/{token}"
    data = {
        "name": "Alex Example",
        "email": "alex@example.test",
        "mobile": "",
        "password": PASSWORD,
        "confirm-password": PASSWORD,
        "csrf_token": csrf_from(client, page),
    }
    data.update(changes)
    return client.post(page, data=data)


def _patients(app) -> list[Patient]:
    return read(app, lambda s: list(s.scalars(select(Patient))))


def test_only_a_hash_of_the_token_is_stored(app, team_id):
    token = _invite(app, team_id)
    invitation = read(app, lambda s: s.scalar(select(Invitation)))
    assert invitation.token_hash == invitations.hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - SYSTEM.now() > timedelta(
        days=13
    )  # INVITATION_LIFETIME is 14 days


@pytest.mark.parametrize("word", ["gp", "rib", "ill", "pee"])
def test_a_token_that_spells_a_health_word_is_never_used(monkeypatch, word):
    spelled, clean = f"Ab3-{word}-9Zx_", "Ab3-x7q-9Zx_"
    draws = iter([spelled, spelled, clean])
    monkeypatch.setattr(invitations, "_draw", lambda: next(draws))
    assert invitations.link_token() == clean
    assert next(draws, None) is None  # it took three draws, and no more


def test_tokens_are_long_random_and_fit_in_a_link():
    tokens = {invitations.link_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_join_page_shows_the_team_and_fills_in_the_email(client, app):
    with database(app) as s:
        team = make_team(s, name="Oncology Nurses", hospital="South Hospital")
        make_team(s, name="Somebody Else's Team", hospital="Far Hospital")
        s.commit()
        team_id = team.id
    token = _invite(app, team_id, email="Alex@Example.test")
    body = text_of(client.get(f"/join/{token}"))
    assert "Oncology Nurses" in body and "South Hospital" in body
    assert "Somebody Else" not in body  # no choice of team
    assert 'name="team"' not in body
    assert 'value="alex@example.test"' in body


def test_join_creates_the_account_in_the_invitations_team_and_signs_in(client, app, team_id):
    with database(app) as s:
        other_team = make_team(s, name="Another Team").id
        s.commit()
    token = _invite(app, team_id)
    # A tampered form naming another team makes no difference: the link decides.
    response = _join(client, token, team=str(other_team), reminders=["email"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"
    assert is_signed_in(client)

    [patient] = _patients(app)
    assert patient.team_id == team_id
    assert patient.email_consent_at is not None
    invitation = read(app, lambda s: s.scalar(select(Invitation)))
    assert invitation.used_at is not None
    assert invitation.used_by_patient_id == patient.id


def test_join_works_once_and_a_second_use_gets_a_clear_page(app, team_id):
    token = _invite(app, team_id)
    assert _join(app.test_client(), token).status_code == 302

    again = app.test_client()
    response = again.get(f"/join/{token}")
    assert response.status_code == 410
    body = text_of(response)
    assert "This link has already been used" in body
    assert "ask your treating team to send you a new link" in body
    assert 'name="password"' not in body
    assert len(_patients(app)) == 1


def test_a_second_tab_posting_the_used_link_is_refused_and_saves_nothing(app, team_id):
    token = _invite(app, team_id)
    first, second = app.test_client(), app.test_client()
    second_token = csrf_from(second, f"/join/{token}")  # second tab opened before the first submits
    assert _join(first, token).status_code == 302
    response = second.post(
        f"/join/{token}",
        data={
            "name": "Other",
            "email": "other@example.test",
            "password": PASSWORD,
            "confirm-password": PASSWORD,
            "csrf_token": second_token,
        },
    )
    assert response.status_code == 410
    assert [p.email for p in _patients(app)] == ["alex@example.test"]


def test_link_used_between_the_check_and_the_save_is_refused_and_saves_nothing(
    app, team_id, monkeypatch
):
    """The conditional UPDATE is what decides: this tab's check saw the link unused."""
    token = _invite(app, team_id)
    client = app.test_client()
    csrf = csrf_from(client, f"/join/{token}")
    real_look_up = invitations.look_up

    def look_up_then_lose_the_race(s, raw, now=None):
        found = real_look_up(s, raw, now)
        with app.extensions["engine"].begin() as other_worker:
            other_worker.execute(update(Invitation).values(used_at=SYSTEM.now()))
        return found

    monkeypatch.setattr(invitations, "look_up", look_up_then_lose_the_race)
    response = client.post(
        f"/join/{token}",
        data={
            "name": "Alex",
            "email": "alex@example.test",
            "password": PASSWORD,
            "confirm-password": PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 410
    assert _patients(app) == []
    assert not is_signed_in(client)


def test_an_expired_link_is_refused(client, app, team_id):
    token = _invite(app, team_id, lifetime=timedelta(seconds=-1))
    response = client.get(f"/join/{token}")
    assert response.status_code == 410
    assert "This link has expired" in text_of(response)
    assert "ask your treating team to send you a new link" in text_of(response)


def test_an_unknown_link_is_not_found_with_a_clear_page(client, team_id):
    response = client.get("/join/not-a-real-token")
    assert response.status_code == 404
    body = text_of(response)
    assert "This link does not work" in body
    assert "ask your treating team to send you a new link" in body


def test_an_absurdly_long_token_is_not_found(client):
    assert client.get("/join/" + "a" * 5000).status_code == 404


def test_a_mistake_on_the_form_does_not_use_up_the_link(client, app, team_id):
    token = _invite(app, team_id)
    response = _join(client, token, name="", password="short", **{"confirm-password": "short"})
    assert response.status_code == 400
    assert "Enter your name" in text_of(response)
    assert 'value="alex@example.test"' in text_of(response)
    assert read(app, lambda s: s.scalar(select(Invitation.used_at))) is None
    assert _join(client, token).status_code == 302


def test_join_refuses_an_email_already_in_use_without_using_the_link(client, app, account):
    token = _invite(app, account.team_id)
    response = _join(client, token, email=account.email)
    assert response.status_code == 400
    assert "There is already an account with this email address" in text_of(response)
    assert read(app, lambda s: s.scalar(select(Invitation.used_at))) is None


def test_invitations_work_when_open_sign_up_is_off(client, app, team_id):
    reconfigure(app, web={"open_signup": False})
    token = _invite(app, team_id)
    assert _join(client, token).status_code == 302


def test_claim_succeeds_only_once(app, team_id):
    _invite(app, team_id)
    with database(app) as s:
        invitation_id = s.scalar(select(Invitation.id))
        assert invitations.claim(s, invitation_id) is True
        assert invitations.claim(s, invitation_id) is False


def test_invite_command_prints_a_join_link_that_works(app, team_id):
    result = app.test_cli_runner().invoke(args=["invite", "--team", str(team_id)])
    assert result.exit_code == 0, result.output
    match = re.search(r"http://localhost/join/(\S+)", result.output)
    assert match, result.output
    client = app.test_client()
    assert client.get(f"/join/{match.group(1)}").status_code == 200
    assert _join(client, match.group(1)).status_code == 302


def test_invite_command_can_fill_in_the_email(app, team_id):
    result = app.test_cli_runner().invoke(
        args=["invite", "--team", str(team_id), "--email", "Pat@Example.test"]
    )
    assert result.exit_code == 0, result.output
    assert read(app, lambda s: s.scalar(select(Invitation.email))) == "pat@example.test"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "999"], "There is no team 999"),
        (["--email", "not-an-email"], "correct format"),
    ],
)
def test_invite_command_refuses_bad_input_and_saves_nothing(app, team_id, args, message):
    if "--team" not in args:
        args = ["--team", str(team_id), *args]
    result = app.test_cli_runner().invoke(args=["invite", *args])
    assert result.exit_code != 0
    assert message in result.output
    count = read(app, lambda s: s.scalar(select(func.count()).select_from(Invitation)))
    assert count == 0


def test_two_tabs_submitting_the_same_link_at_once_make_one_account(app, team_id):
    token = _invite(app, team_id)
    tabs = [app.test_client(), app.test_client()]
    forms = [
        {
            "name": f"Tab {n}",
            "email": f"tab{n}@example.test",
            "password": PASSWORD,
            "confirm-password": PASSWORD,
            "csrf_token": csrf_from(tab, f"/join/{token}"),
        }
        for n, tab in enumerate(tabs)
    ]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def submit(n: int) -> None:
        start.wait()
        statuses.append(tabs[n].post(f"/join/{token}", data=forms[n]).status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 410]
    assert len(_patients(app)) == 1

"""A service administrator creates teams and staff accounts in the workspace, and resets team
administrators (issue 22, item 5); who may reset whom is one rule; every change is audited and
shown on the team's page."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.team.conftest import database, make_staff, plain, read, staff_sign_in_as
from tracker import clock as tracker_clock
from tracker.notify.models import OutboxMessage
from tracker.team import accounts, member_reset, totp
from tracker.team.models import (
    CLINICIAN,
    MEMBER_ADDED,
    MEMBER_RESET,
    STAFF_CREATED,
    TEAM_ADMIN,
    TEAM_CREATED,
    Membership,
    Staff,
    StaffAccess,
    Team,
)

NEW_TEAM = {
    "name": "Lymphoedema Clinic",
    "hospital": "Example General Hospital",
    "phone": "0118 496 0777",
    "email": "lymph@example.test",
    "hours": "Monday to Thursday, 9am to 4pm",
    "out_of_hours": "Call NHS 111. In an emergency, call 999.",
    "notify_email": "",
    "response_days": "3",  # the form's own default, as a browser sends it
}
LINK = re.compile(r"/team/account/reset/[A-Za-z0-9_-]+")


@pytest.fixture
def boss_id(app, world) -> int:
    with database(app) as s:
        return make_staff(s, "boss@example.test", name="Pat Lead", service_admin=True).id


@pytest.fixture
def boss(app, boss_id):
    """A client signed in as a service administrator who is in no team."""
    client = app.test_client()
    staff_sign_in_as(client, boss_id)
    return client


def _post(client, page: str, data: dict, action: str | None = None):
    return client.post(action or page, data={**data, "csrf_token": csrf_from(client, page)})


def _add(client, team_id: int, **data):
    return _post(client, f"/team/teams/{team_id}/members", data)


def _audit(app, *actions: str) -> list[tuple]:
    query = select(StaffAccess).where(StaffAccess.action.in_(actions)).order_by(StaffAccess.id)
    return read(
        app,
        lambda s: [(r.action, r.staff_id, r.team_id, r.detail) for r in s.scalars(query)],
    )


def _count(app, model) -> int:
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))


# ---- who may reset whom: one rule --------------------------------------------------------------


def _person(staff_id: int, roles: dict[int, str] | None = None, service: bool = False) -> Staff:
    person = Staff(id=staff_id, name=f"Person {staff_id}", is_service_admin=service)
    person.memberships = [Membership(team_id=t, role=r) for t, r in (roles or {}).items()]
    return person


TEAM = 7
ADMIN = _person(1, {TEAM: TEAM_ADMIN})
OTHER_ADMIN = _person(2, {TEAM: TEAM_ADMIN})
NURSE = _person(3, {TEAM: CLINICIAN})
ADMIN_ELSEWHERE = _person(4, {TEAM: CLINICIAN, 8: TEAM_ADMIN})
BOSS = _person(5, service=True)
OTHER_BOSS = _person(6, {TEAM: CLINICIAN}, service=True)


@pytest.mark.parametrize(
    ("by", "member", "allowed"),
    [
        (ADMIN, NURSE, True),
        (ADMIN, OTHER_ADMIN, False),
        (ADMIN, ADMIN_ELSEWHERE, False),  # the reset would end their account in team 8 too
        (ADMIN, OTHER_BOSS, False),
        (ADMIN, ADMIN, False),
        (NURSE, NURSE, False),
        (NURSE, _person(9, {TEAM: CLINICIAN}), False),
        (BOSS, ADMIN, True),
        (BOSS, ADMIN_ELSEWHERE, True),
        (BOSS, NURSE, True),
        (BOSS, OTHER_BOSS, True),
        (BOSS, BOSS, False),
    ],
    ids=lambda v: v.name if isinstance(v, Staff) else str(v),
)
def test_who_may_reset_whom(by, member, allowed):
    assert member_reset.may_reset(by, member, TEAM) is allowed
    if allowed:
        member_reset.check_may_reset(by, member, TEAM)
    else:
        with pytest.raises(member_reset.ResetRefused):
            member_reset.check_may_reset(by, member, TEAM)


# ---- creating a team -------------------------------------------------------------------------


def test_a_service_admin_creates_a_team_and_it_is_audited(app, boss, boss_id):
    listing = plain(boss.get("/team/teams/"))
    assert "Breast Care" in listing and "Oncology" in listing and "Add a team" in listing
    response = _post(boss, "/team/teams/new", NEW_TEAM)
    assert response.status_code == 302
    team = read(app, lambda s: s.scalar(select(Team).where(Team.name == "Lymphoedema Clinic")))
    assert response.headers["Location"] == f"/team/teams/{team.id}/members"
    assert (team.phone, team.email, team.notify_urgent) == (
        "0118 496 0777",
        NEW_TEAM["email"],
        False,
    )
    assert _audit(app, TEAM_CREATED) == [(TEAM_CREATED, boss_id, team.id, f"team {team.id}")]
    page = plain(boss.get(response.headers["Location"]))
    assert "The team has been added. Now add its members." in page
    assert "Created the team By Pat Lead" in page  # the team's recent changes
    assert "Lymphoedema Clinic" in plain(boss.get("/team/teams/"))


def test_mistakes_in_a_new_team_are_shown_beside_the_fields_and_kept(app, boss):
    teams = _count(app, Team)
    response = _post(boss, "/team/teams/new", {**NEW_TEAM, "phone": "abc", "hours": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#phone"' in body and 'href="#hours"' in body
    assert 'value="abc"' in body and 'value="Lymphoedema Clinic"' in body
    assert _count(app, Team) == teams and _audit(app, TEAM_CREATED) == []


def test_a_team_name_already_used_is_refused_beside_the_name(app, boss, team_admin, world):
    teams = _count(app, Team)
    response = _post(boss, "/team/teams/new", {**NEW_TEAM, "name": "  oncology "})
    assert response.status_code == 400
    assert "There is already a team with this name" in plain(response)
    assert 'href="#name"' in response.get_data(as_text=True)
    assert 'value="oncology"' in response.get_data(as_text=True)
    assert _count(app, Team) == teams and _audit(app, TEAM_CREATED) == []
    # Renaming a team to another's name is refused the same way.
    page = f"/team/teams/{world.ours.team}/details"
    renamed = _post(team_admin, page, {**NEW_TEAM, "name": "ONCOLOGY"})
    assert renamed.status_code == 400 and "There is already a team with this name" in plain(renamed)
    assert read(app, lambda s: s.get(Team, world.ours.team)).name == "Breast Care"


def test_only_a_service_admin_may_open_or_post_the_new_team_form(app, team_admin, clinician):
    for client in (team_admin, clinician):
        assert client.get("/team/teams/new").status_code == 404
        token = csrf_from(client, "/team/account")
        posted = client.post("/team/teams/new", data={**NEW_TEAM, "csrf_token": token})
        assert posted.status_code == 404
        assert "Add a team" not in plain(client.get("/team/teams/"))
    assert _count(app, Team) == 2


def test_the_new_team_form_needs_its_csrf_token(app, boss):
    response = boss.post("/team/teams/new", data=NEW_TEAM)
    assert response.status_code == 400 and "Your form has expired" in plain(response)
    assert _count(app, Team) == 2


def test_the_command_line_creates_a_team_through_the_same_checks(app):
    runner = app.test_cli_runner()
    options = ["teams", "create", "--name", "Ward 9", "--hospital", "Example Hospital"]
    options += ["--email", "ward9@example.test", "--hours", "Every day, 8am to 8pm"]
    refused = runner.invoke(args=[*options, "--phone", "not a number"])
    assert refused.exit_code != 0 and "--phone: Enter a phone number" in refused.output
    made = runner.invoke(args=[*options, "--phone", "01184960123"])
    assert made.exit_code == 0, made.output
    team = read(app, lambda s: s.scalar(select(Team).where(Team.name == "Ward 9")))
    assert team.phone == "0118 496 0123"  # normalised as the workspace's form stores it
    again = runner.invoke(args=[*options, "--phone", "01184960123"])
    assert again.exit_code != 0 and "already a team with this name" in again.output
    assert _audit(app, TEAM_CREATED) == []  # nobody to name on the command line


# ---- adding staff ----------------------------------------------------------------------------


def test_a_service_admin_adds_a_new_member_who_sets_up_the_account_from_an_email(
    app, boss, boss_id, world
):
    response = _add(
        boss, world.ours.team, name="Sam Ward", email="Sam.Ward@Example.test", role="clinician"
    )
    assert response.status_code == 302
    assert "emailed them a link" in plain(boss.get(response.headers["Location"]))
    with database(app) as s:
        new = s.scalar(select(Staff).where(Staff.email == "sam.ward@example.test"))
        assert new.name == "Sam Ward" and not new.is_service_admin
        assert new.password_hash is None and new.totp_secret is None
        assert new.role_in(world.ours.team) == CLINICIAN
        (message,) = s.scalars(
            select(OutboxMessage).where(OutboxMessage.variant == "staff_welcome")
        ).all()
        assert message.to_address == "sam.ward@example.test" and message.channel == "email"
        assert "as a member of Breast Care" in message.body_text
        path = LINK.search(message.body_text).group(0)
        new_id = new.id
    assert _audit(app, STAFF_CREATED, MEMBER_ADDED) == [
        (STAFF_CREATED, boss_id, world.ours.team, f"staff {new_id}"),
        (MEMBER_ADDED, boss_id, world.ours.team, f"staff {new_id} as clinician"),
    ]
    page = plain(boss.get(f"/team/teams/{world.ours.team}/members"))
    assert "Made a staff account for Sam Ward" in page
    assert "Added Sam Ward as a clinician By Pat Lead" in page

    member = app.test_client()
    welcome = member.get(path)
    assert welcome.status_code == 200 and "Choose a password" in plain(welcome)
    assert "Choose a new password" not in plain(welcome)
    chosen = _post(
        member, path, {"password": "words to sign in", "confirm-password": "words to sign in"}
    )
    assert chosen.headers["Location"] == "/team/sign-in/set-up"
    member.get("/team/sign-in/set-up")
    secret = read(app, lambda s: s.get(Staff, new_id).totp_secret)
    page = "/team/sign-in/set-up"
    code = totp.code_at(secret, tracker_clock.SYSTEM.now())
    assert _post(member, page, {"code": code}).status_code == 200
    assert member.get("/team/").status_code == 200  # signed in, with both factors
    assert app.test_client().get(path).status_code == 410  # the link worked once


def test_an_existing_accounts_email_adds_them_without_a_second_account(app, boss, world):
    staff = _count(app, Staff)
    response = _add(
        boss, world.ours.team, name="Ignored", email="CLINICIAN.B@example.test", role="team_admin"
    )
    assert response.status_code == 302
    assert "The member has been added to the team." in plain(boss.get(response.headers["Location"]))
    assert _count(app, Staff) == staff
    with database(app) as s:
        theirs = s.get(Staff, world.theirs.clinician)
        assert theirs.name == "Clin b" and theirs.role_in(world.ours.team) == TEAM_ADMIN
        assert s.scalars(select(OutboxMessage)).all() == []
    assert [a for a, *_ in _audit(app, STAFF_CREATED, MEMBER_ADDED)] == [MEMBER_ADDED]


def test_a_new_address_without_a_name_asks_for_the_name_and_keeps_the_rest(app, boss, world):
    staff = _count(app, Staff)
    response = _add(boss, world.ours.team, name="", email="new@example.test", role="clinician")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#name"' in body and "Enter their name" in plain(response)
    assert 'value="new@example.test"' in body and 'value="clinician" checked' in body
    assert _count(app, Staff) == staff and _audit(app, STAFF_CREATED, MEMBER_ADDED) == []


def test_a_bad_email_or_role_or_long_name_is_shown_beside_its_field(app, boss, world):
    response = _add(boss, world.ours.team, name="x" * 201, email="nope", role="boss")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for field in ("#name", "#email", "#role"):
        assert f'href="{field}"' in body
    assert 'value="nope"' in body
    assert _count(app, Staff) == 5  # two sides of two, and the service administrator


def test_someone_already_in_the_team_is_not_added_twice(app, boss, world):
    response = _add(
        boss, world.ours.team, name="", email="clinician.a@example.test", role="clinician"
    )
    assert response.status_code == 400 and "already a member of the team" in plain(response)
    assert _audit(app, MEMBER_ADDED) == []


def test_an_account_made_for_the_address_meanwhile_is_a_clear_error_not_a_500(
    app, boss, world, monkeypatch
):
    """As if another request made the account between the look-up and the insert: the unique
    address refuses the second, and the form says so with nothing half-saved."""
    monkeypatch.setattr(accounts, "find_by_email", lambda s, email: None)
    staff = _count(app, Staff)
    response = _add(
        boss, world.ours.team, name="Clin Again", email="clinician.b@example.test", role="clinician"
    )
    assert response.status_code == 400
    assert "Someone else has just added this person" in plain(response)
    assert 'value="clinician.b@example.test"' in response.get_data(as_text=True)
    assert _count(app, Staff) == staff and _count(app, OutboxMessage) == 0
    assert _audit(app, STAFF_CREATED, MEMBER_ADDED) == []


def test_a_team_name_is_compared_whatever_its_capitals_in_any_script(app, boss):
    with database(app) as s:
        s.add(Team(**{**NEW_TEAM, "name": "Équipe Sein"}))
        s.commit()
    response = _post(boss, "/team/teams/new", {**NEW_TEAM, "name": "ÉQUIPE SEIN"})
    assert response.status_code == 400 and "already a team with this name" in plain(response)


def test_a_team_admin_cannot_make_an_account_even_by_sending_a_name(app, team_admin, world):
    form = plain(team_admin.get(f"/team/teams/{world.ours.team}/members"))
    assert "Their name" not in form
    staff = _count(app, Staff)
    response = _add(
        team_admin, world.ours.team, name="Sam Ward", email="sam@example.test", role="clinician"
    )
    assert response.status_code == 400
    assert "Ask a service administrator to create one" in plain(response)
    assert _count(app, Staff) == staff and _count(app, OutboxMessage) == 0


# ---- resetting a team administrator ---------------------------------------------------------


def test_a_service_admin_resets_a_team_admin_and_it_is_audited(app, boss, boss_id, world):
    members = boss.get(f"/team/teams/{world.ours.team}/members").get_data(as_text=True)
    reset = f"/team/teams/{world.ours.team}/members/{world.ours.admin}/reset"
    assert reset in members
    done = _post(boss, reset, {})
    assert done.status_code == 302
    with database(app) as s:
        admin = s.get(Staff, world.ours.admin)
        assert admin.password_hash is None and admin.totp_secret is None
        (message,) = s.scalars(
            select(OutboxMessage).where(OutboxMessage.variant == "staff_reset")
        ).all()
        assert message.to_address == "admin.a@example.test"
    [(_, by, team, detail)] = _audit(app, MEMBER_RESET)
    assert (by, team) == (boss_id, world.ours.team)
    assert detail.startswith(f"staff {world.ours.admin} link ")
    assert LINK.search(message.body_text).group(0).rsplit("/", 1)[1] not in detail
    page = html.unescape(plain(boss.get(f"/team/teams/{world.ours.team}/members")))
    assert "Reset Admin a's password and authenticator By Pat Lead" in page


def test_a_team_admin_cannot_reset_another_team_admin(app, team_admin, world):
    with database(app) as s:
        other = make_staff(s, "second@example.test", world.ours.team, TEAM_ADMIN, name="Second")
        other_id = other.id
    members = team_admin.get(f"/team/teams/{world.ours.team}/members").get_data(as_text=True)
    page = f"/team/teams/{world.ours.team}/members/{other_id}/reset"
    assert page not in members
    assert f"/team/teams/{world.ours.team}/members/{world.ours.clinician}/reset" in members
    refused = _post(team_admin, f"/team/teams/{world.ours.team}/members", {}, action=page)
    assert refused.status_code == 302
    shown = plain(team_admin.get(refused.headers["Location"]))
    assert "Only a service administrator can reset a team administrator." in shown
    assert read(app, lambda s: s.get(Staff, other_id).password_hash) is not None
    assert _audit(app, MEMBER_RESET) == []


def test_a_service_admin_cannot_reset_themselves(app, boss, boss_id, world):
    with database(app) as s:
        s.add(Membership(staff_id=boss_id, team_id=world.ours.team, role=TEAM_ADMIN))
        s.commit()
    members = boss.get(f"/team/teams/{world.ours.team}/members").get_data(as_text=True)
    page = f"/team/teams/{world.ours.team}/members/{boss_id}/reset"
    assert page not in members
    assert boss.get(page).status_code == 302
    assert read(app, lambda s: s.get(Staff, boss_id).password_hash) is not None

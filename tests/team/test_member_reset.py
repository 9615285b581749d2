"""A team administrator resets a member's password and authenticator (issue 22, item 5): the
member is signed out, the link goes only to the member's email, they set both again from it
once, and the reset is audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_from
from tests.team.conftest import database, make_staff, plain
from tracker import clock as tracker_clock
from tracker.notify.models import OutboxMessage
from tracker.team import totp
from tracker.team.models import MEMBER_RESET, RecoveryCode, Staff, StaffAccess

PATH = re.compile(r"/team/account/reset/[A-Za-z0-9_-]+")
NEW = "a new set of words"


def _page(team_id: int, staff_id: int) -> str:
    return f"/team/teams/{team_id}/members/{staff_id}/reset"


def _reset(client, team_id: int, staff_id: int):
    page = _page(team_id, staff_id)
    return client.post(page, data={"csrf_token": csrf_from(client, page)})


def _emailed_path(app) -> str:
    with database(app) as s:
        body = s.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.variant == "staff_reset")
        ).one()
    return PATH.search(body).group(0)


def _set(client, path: str, password: str = NEW):
    data = {"password": password, "confirm-password": password}
    return client.post(path, data={**data, "csrf_token": csrf_from(client, path)})


def test_an_admin_resets_a_member_who_is_signed_out_and_emailed_a_link(
    app, team_admin, clinician, world
):
    with database(app) as s:
        s.add(RecoveryCode(staff_id=world.ours.clinician, code_hash="x" * 64))
        s.commit()
    members = team_admin.get(f"/team/teams/{world.ours.team}/members").get_data(as_text=True)
    assert _page(world.ours.team, world.ours.clinician) in members
    ask = team_admin.get(_page(world.ours.team, world.ours.clinician))
    assert ask.status_code == 200
    assert "Reset Clin a's password and authenticator?" in plain(ask)
    done = _reset(team_admin, world.ours.team, world.ours.clinician)
    assert done.status_code == 302
    shown = team_admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "We have emailed them a link" in shown
    assert "/team/account/reset/" not in shown  # the administrator never sees the link
    assert clinician.get("/team/").status_code == 302  # signed out
    with database(app) as s:
        member = s.get(Staff, world.ours.clinician)
        assert member.password_hash is None and member.totp_secret is None
        assert member.totp_enabled_at is None
        assert s.scalars(select(RecoveryCode)).all() == []
        (message,) = s.scalars(
            select(OutboxMessage).where(OutboxMessage.variant == "staff_reset")
        ).all()
        assert message.to_address == "clinician.a@example.test" and message.channel == "email"
        (row,) = s.scalars(select(StaffAccess).where(StaffAccess.action == MEMBER_RESET)).all()
        assert (row.staff_id, row.team_id, row.patient_id) == (
            world.ours.admin,
            world.ours.team,
            None,
        )
        assert row.detail.startswith(f"staff {world.ours.clinician} link ")
        assert PATH.search(message.body_text).group(0).rsplit("/", 1)[1] not in row.detail


def test_the_member_sets_a_password_then_an_authenticator_from_the_link_once(
    app, team_admin, world
):
    _reset(team_admin, world.ours.team, world.ours.clinician)
    path = _emailed_path(app)
    member = app.test_client()
    short = _set(member, path, password="short")
    assert short.status_code == 400
    chosen = _set(member, path)
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/team/sign-in/set-up"
    assert member.get("/team/sign-in/set-up").status_code == 200
    with database(app) as s:
        secret = s.get(Staff, world.ours.clinician).totp_secret
    code = totp.code_at(secret, tracker_clock.SYSTEM.now())
    page = "/team/sign-in/set-up"
    enrolled = member.post(page, data={"code": code, "csrf_token": csrf_from(member, page)})
    assert enrolled.status_code == 200 and "recovery codes" in plain(enrolled).lower()
    assert member.get("/team/").status_code == 200
    again = app.test_client().get(path)
    assert again.status_code == 410 and "This link has stopped working" in plain(again)


def test_an_expired_or_altered_link_changes_nothing(app, clock, team_admin, world):
    start = tracker_clock.SYSTEM.now()
    clock.set(start)
    _reset(team_admin, world.ours.team, world.ours.clinician)
    path = _emailed_path(app)
    altered = path[:-1] + ("A" if path[-1] != "A" else "B")
    response = app.test_client().get(altered)
    assert response.status_code == 404 and "This link does not work" in plain(response)
    clock.set(start + timedelta(days=1))
    expired = app.test_client().get(path)
    assert expired.status_code == 410 and "This link has expired" in plain(expired)
    with database(app) as s:
        assert s.get(Staff, world.ours.clinician).password_hash is None


def test_an_admin_cannot_reset_themselves_nor_a_service_admin(app, team_admin, world):
    own = team_admin.get(_page(world.ours.team, world.ours.admin))
    assert own.status_code == 302
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", world.ours.team, name="Boss", service_admin=True)
        boss_id = boss.id
    refused = team_admin.get(_page(world.ours.team, boss_id))
    assert refused.status_code == 302
    assert "Only a service administrator" in plain(team_admin.get(refused.headers["Location"]))
    with database(app) as s:
        assert s.get(Staff, boss_id).password_hash is not None
        assert s.scalars(select(StaffAccess).where(StaffAccess.action == MEMBER_RESET)).all() == []


def test_a_clinician_and_another_teams_admin_get_404(app, clinician, team_admin, world):
    assert clinician.get(_page(world.ours.team, world.ours.admin)).status_code == 404
    assert team_admin.get(_page(world.theirs.team, world.theirs.clinician)).status_code == 404
    # Someone not in our team, through our team's page.
    assert team_admin.get(_page(world.ours.team, world.theirs.clinician)).status_code == 404

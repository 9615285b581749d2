"""Team administrators keep the team's details and members; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.team.conftest import database, make_staff, plain, read
from tracker.team.models import Membership, StaffAccess, Team

DETAILS = {
    "name": "Breast Care",
    "hospital": "Breast Care Hospital",
    "phone": "0118 496 0999",
    "email": "team@example.test",
    "hours": "Monday to Friday, 8am to 6pm",
    "out_of_hours": "Call NHS 111. In an emergency, call 999.",
    "notify_email": "",
    "response_days": "3",
}


def _details(client, team_id: int, **changes):
    page = f"/team/teams/{team_id}/details"
    data = {**DETAILS, **changes, "csrf_token": csrf_from(client, page)}
    return client.post(page, data=data)


def _audit(app, action: str) -> list[StaffAccess]:
    query = select(StaffAccess).where(StaffAccess.action == action).order_by(StaffAccess.id)
    return read(app, lambda s: s.scalars(query).all())


def test_a_team_admin_changes_the_contact_details_patients_see(app, team_admin, world):
    response = _details(team_admin, world.ours.team, notify=["urgent", "digest"])
    assert response.status_code == 302
    team = read(app, lambda s: s.get(Team, world.ours.team))
    assert team.phone == "0118 496 0999" and team.hours == "Monday to Friday, 8am to 6pm"
    assert team.notify_urgent and team.notify_digest and team.notify_address == team.email
    [row] = _audit(app, "team_details_changed")
    assert row.staff_id == world.ours.admin and row.team_id == world.ours.team
    assert row.detail == "phone,hours,notify_urgent,notify_digest"  # the fields, not the values
    assert "0118" not in row.detail
    page = plain(team_admin.get(f"/team/teams/{world.ours.team}/members"))
    assert "To team@example.test: at once for urgent alerts and a daily digest" in page


def test_saving_nothing_new_writes_no_audit_row(app, team_admin, world):
    _details(
        team_admin,
        world.ours.team,
        phone="0118 496 0000",
        hours="Monday to Friday, 9am to 5pm",
        email="team@example.test",
    )
    assert _audit(app, "team_details_changed") == []


def test_mistakes_in_the_details_are_shown_beside_the_fields(app, team_admin, world):
    response = _details(team_admin, world.ours.team, phone="", email="nope", notify_email="x@")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for field in ("#phone", "#email", "#notify_email"):
        assert f'href="{field}"' in body
    assert 'value="nope"' in body
    assert read(app, lambda s: s.get(Team, world.ours.team)).phone == "0118 496 0000"


def test_a_team_admin_sets_the_teams_response_target_in_working_days(app, team_admin, world):
    assert read(app, lambda s: s.get(Team, world.ours.team)).response_days == 3  # the default
    unchanged = {"phone": "0118 496 0000", "hours": "Monday to Friday, 9am to 5pm"}
    response = _details(team_admin, world.ours.team, response_days=" 5 ", **unchanged)
    assert response.status_code == 302
    assert read(app, lambda s: s.get(Team, world.ours.team)).response_days == 5
    assert _audit(app, "team_details_changed")[0].detail == "response_days"


@pytest.mark.parametrize("typed", ["", "0", "11", "three", "2.5"])
def test_a_response_target_out_of_range_is_refused_beside_the_field(app, team_admin, world, typed):
    response = _details(team_admin, world.ours.team, response_days=typed, hours="Weekdays")
    assert response.status_code == 400
    assert "Enter a number of working days from 1 to 10" in plain(response)
    assert f'value="{typed}"' in response.get_data(as_text=True)  # kept as typed
    team = read(app, lambda s: s.get(Team, world.ours.team))
    assert team.response_days == 3 and team.hours == "Monday to Friday, 9am to 5pm"


def _members_form(client, team_id: int, **data):
    page = f"/team/teams/{team_id}/members"
    data["csrf_token"] = csrf_from(client, page)
    return client.post(page, data=data)


def test_adding_changing_and_removing_a_member(app, team_admin, world):
    with database(app) as s:
        newcomer = make_staff(s, "newcomer@example.test", name="New Comer").id
    assert (
        _members_form(
            team_admin, world.ours.team, email="NewComer@example.test", role="clinician"
        ).status_code
        == 302
    )
    assert "New Comer" in plain(team_admin.get(f"/team/teams/{world.ours.team}/members"))

    base = f"/team/teams/{world.ours.team}/members/{newcomer}"
    token = csrf_from(team_admin, f"/team/teams/{world.ours.team}/members")
    team_admin.post(f"{base}/role", data={"csrf_token": token, "role": "team_admin"})
    role = select(Membership.role).where(Membership.staff_id == newcomer)
    assert read(app, lambda s: s.scalar(role)) == "team_admin"

    team_admin.post(f"{base}/remove", data={"csrf_token": token})
    assert read(app, lambda s: s.scalar(role)) is None
    details = [
        (r.action, r.detail)
        for r in read(app, lambda s: s.scalars(select(StaffAccess).order_by(StaffAccess.id)).all())
    ]
    assert details == [
        ("member_added", f"staff {newcomer} as clinician"),
        ("member_role_changed", f"staff {newcomer} to team_admin"),
        ("member_removed", f"staff {newcomer}"),
    ]


def test_only_existing_staff_can_be_added_and_only_once(app, team_admin, world):
    unknown = _members_form(team_admin, world.ours.team, email="who@example.test", role="clinician")
    assert unknown.status_code == 400
    assert "There is no staff account with this email address" in plain(unknown)
    assert 'value="who@example.test"' in unknown.get_data(as_text=True)
    again = _members_form(
        team_admin, world.ours.team, email="clinician.a@example.test", role="clinician"
    )
    assert "already a member of the team" in plain(again)
    missing = _members_form(team_admin, world.ours.team, email="", role="")
    assert 'href="#email"' in missing.get_data(as_text=True)
    assert 'href="#role"' in missing.get_data(as_text=True)


def test_the_last_administrator_cannot_leave(app, team_admin, world):
    token = csrf_from(team_admin, f"/team/teams/{world.ours.team}/members")
    base = f"/team/teams/{world.ours.team}/members/{world.ours.admin}"
    response = team_admin.post(f"{base}/remove", data={"csrf_token": token}, follow_redirects=True)
    assert "A team needs at least one administrator" in plain(response)
    team_admin.post(f"{base}/role", data={"csrf_token": token, "role": "clinician"})
    role = select(Membership.role).where(Membership.staff_id == world.ours.admin)
    assert read(app, lambda s: s.scalar(role)) == "team_admin"


def test_the_teams_page_lists_only_teams_the_member_administers(team_admin, clinician):
    assert "Breast Care" in plain(team_admin.get("/team/teams/"))
    assert "Oncology" not in plain(team_admin.get("/team/teams/"))
    assert "not an administrator of any team" in plain(clinician.get("/team/teams/"))


def test_a_phone_number_that_is_not_one_is_refused_beside_the_field(app, team_admin, world):
    response = _details(team_admin, world.ours.team, phone="abc")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#phone"' in body and "Enter a phone number, like 0808 157 0192" in body
    assert 'value="abc"' in body
    assert read(app, lambda s: s.get(Team, world.ours.team)).phone == "0118 496 0000"


def test_freephone_and_landline_numbers_are_stored_formatted(app, team_admin, world):
    for typed, stored in (("08081570123", "0808 157 0123"), ("+44 800 123 4567", "0800 123 4567")):
        assert _details(team_admin, world.ours.team, phone=typed).status_code == 302
        assert read(app, lambda s: s.get(Team, world.ours.team)).phone == stored


def test_a_stored_number_saved_before_checks_is_shown_as_typed_without_a_link(
    app, team_admin, world
):
    with database(app) as s:
        s.get(Team, world.ours.team).phone = "abc"
        s.commit()
    page = team_admin.get(f"/team/teams/{world.ours.team}/members")
    assert page.status_code == 200 and "abc" in plain(page)

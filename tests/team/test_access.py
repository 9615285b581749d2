"""The walls: staff see only their own teams' patients, and each kind of user keeps to its side.

The cross-team test walks the app's url_map, so a /team/ route added later is covered without
anyone remembering to add it here; a route with an id this file cannot fill in fails the test.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from, sign_in_as
from tests.team.conftest import (
    KNOWN_ON_BOTH_SIDES,
    World,
    database,
    make_staff,
    read,
    staff_sign_in_as,
)
from tracker import create_app
from tracker.alerts.models import Alert
from tracker.config import for_tests
from tracker.contact_requests.models import ContactRequest
from tracker.patients.models import KnownConditionChange, Patient
from tracker.team.models import AlertAssignment, ContactAttempt, QuietSpell, StaffAccess, Team


def _routes(app: Flask):
    """Every (rule, method) of the app, with whether its view is public."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, getattr(view, "is_public", False)


def _team_routes_with_ids() -> list[tuple[str, str]]:
    # An app only for its url_map: nothing is written to its database or instance folder.
    app = create_app(for_tests("sqlite://", "unused-instance"))
    return sorted(
        (rule.rule, method)
        for rule, method, public in _routes(app)
        if rule.rule.startswith("/team/")
        and not rule.rule.startswith("/team/support/")  # tests/support/test_admin_pages.py
        and rule.arguments
        and not public
    )


TEAM_ROUTES_WITH_IDS = _team_routes_with_ids()


def test_the_walk_below_finds_the_routes_it_should():
    # A guard on the guard: if the url_map walk found nothing, every 404 test would pass vacuously.
    rules = {rule for rule, _ in TEAM_ROUTES_WITH_IDS}
    assert "/team/patients/<int:patient_id>" in rules
    assert "/team/alerts/<int:alert_id>/outcome" in rules
    assert "/team/alerts/<int:alert_id>/assign" in rules
    assert "/team/quiet/<int:spell_id>/outcome" in rules
    assert "/team/teams/<int:team_id>/members/<int:staff_id>/role" in rules
    assert "/team/patients/<int:patient_id>/conditions/new" in rules
    assert "/team/patients/<int:patient_id>/conditions/<code>" in rules
    assert "/team/patients/<int:patient_id>/conditions/<code>/remove" in rules
    assert "/team/patients/<int:patient_id>/sign-in-link" in rules
    assert "/team/teams/<int:team_id>/members/<int:staff_id>/reset" in rules
    assert "/team/patients/<int:patient_id>/summary" in rules
    assert "/team/patients/<int:patient_id>/summary.pdf" in rules
    assert "/team/requests/<int:request_id>" in rules
    assert "/team/requests/<int:request_id>/assign" in rules
    assert "/team/patients/<int:patient_id>/record.fhir.json" in rules


def _fill(rule: str, world: World, ids_of: str) -> str:
    """The rule's path with every id taken from `ids_of` ("theirs": another team's)."""
    side = getattr(world, ids_of)
    values = {
        "patient_id": side.patient,
        "alert_id": side.alert,
        "spell_id": side.quiet,
        "team_id": side.team,
        "staff_id": side.clinician,
        "request_id": side.request,
    }
    path = rule
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value))
    path = path.replace("<code>", KNOWN_ON_BOTH_SIDES)  # a known condition both patients have
    assert "<" not in path, f"{rule}: add its argument to _fill so the walk can cover it"
    return path


@pytest.mark.parametrize(("rule", "method"), TEAM_ROUTES_WITH_IDS)
def test_every_team_route_answers_404_for_another_teams_ids(app, world, rule, method):
    """Signed in as our clinician and as our team admin: their patient, alert, team: 404."""
    for who in (world.ours.clinician, world.ours.admin):
        client = app.test_client()
        staff_sign_in_as(client, who)
        path = _fill(rule, world, "theirs")
        if method == "GET":
            response = client.get(path)
        else:
            token = csrf_from(client, "/team/account")
            response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (who, method, path, response.status_code)
    _nothing_changed_for_them(app, world)


def _nothing_changed_for_them(app, world: World) -> None:
    with database(app) as s:
        theirs = s.get(Patient, world.theirs.patient)
        assert theirs.team_id == world.theirs.team
        assert theirs.monitoring_status == "active"
        assert s.get(Alert, world.theirs.alert).status == "open"
        assert s.get(QuietSpell, world.theirs.quiet).outcome is None
        assert s.get(AlertAssignment, world.theirs.alert) is None
        their_request = s.get(ContactRequest, world.theirs.request)
        assert their_request.is_open and their_request.assigned_staff_id is None
        assert s.scalars(select(ContactAttempt)).all() == []
        assert (
            s.scalars(
                select(StaffAccess).where(StaffAccess.patient_id == world.theirs.patient)
            ).all()
            == []
        )
        # Their known condition as it was set up, and no change in its history since.
        [condition] = theirs.known_conditions
        assert (condition.symptom_code, condition.until, condition.reason) == (
            KNOWN_ON_BOTH_SIDES,
            None,
            None,
        )
        changes = s.scalars(
            select(KnownConditionChange.action).where(
                KnownConditionChange.patient_id == world.theirs.patient
            )
        ).all()
        assert changes == ["added"]


@pytest.mark.parametrize(("rule", "method"), TEAM_ROUTES_WITH_IDS)
def test_the_same_routes_work_with_our_own_ids(app, world, rule, method):
    """The other half of the proof: the 404s above are about whose ids, not broken routes."""
    client = app.test_client()
    staff_sign_in_as(client, world.ours.admin)
    path = _fill(rule, world, "ours")
    if method == "GET":
        assert client.get(path).status_code == 200, path


def test_a_service_admin_outside_the_team_cannot_see_its_patients(app, world):
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    assert client.get(f"/team/patients/{world.ours.patient}").status_code == 404
    assert client.get(f"/team/alerts/{world.ours.alert}/outcome").status_code == 404
    # ... but may keep the team's details and members.
    assert client.get(f"/team/teams/{world.ours.team}/members").status_code == 200


def _service_admin_routes() -> list[tuple[str, str]]:
    app = create_app(for_tests("sqlite://", "unused-instance"))
    return sorted(
        (rule.rule, method)
        for rule, method, _ in _routes(app)
        if getattr(app.view_functions[rule.endpoint], "service_admins_only", False)
    )


SERVICE_ADMIN_ROUTES = _service_admin_routes()


def test_the_service_admin_walk_finds_the_routes_it_should():
    assert ("/team/teams/new", "GET") in SERVICE_ADMIN_ROUTES
    assert ("/team/teams/new", "POST") in SERVICE_ADMIN_ROUTES


@pytest.mark.parametrize(("rule", "method"), SERVICE_ADMIN_ROUTES)
def test_service_admin_pages_answer_404_to_other_staff(app, world, rule, method):
    """Our clinician and our team admin: 404 and nothing written; a service admin: the page."""
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", service_admin=True).id
    for who, expected in ((world.ours.clinician, 404), (world.ours.admin, 404), (boss, 200)):
        client = app.test_client()
        staff_sign_in_as(client, who)
        path = _fill(rule, world, "ours")
        if method == "GET":
            assert client.get(path).status_code == expected, (who, path)
        elif expected == 404:
            token = csrf_from(client, "/team/account")
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (who, method, path)
    assert read(app, lambda s: s.scalars(select(StaffAccess)).all()) == []
    assert len(read(app, lambda s: s.scalars(select(Team)).all())) == 2


def test_a_clinician_cannot_administer_their_own_team(clinician, world):
    assert clinician.get(f"/team/teams/{world.ours.team}/members").status_code == 404
    assert clinician.get(f"/team/teams/{world.ours.team}/details").status_code == 404


def test_queue_and_patient_list_show_only_our_team(clinician):
    queue = clinician.get("/team/").get_data(as_text=True)
    assert "Patient a" in queue and "Patient b" not in queue
    listing = clinician.get("/team/patients/").get_data(as_text=True)
    assert "Patient a" in listing and "Patient b" not in listing


# ---- each kind of user on its own side -----------------------------------------------------


def _non_public_team_routes(app) -> list[tuple[str, str]]:
    return [
        (rule.rule, method)
        for rule, method, public in _routes(app)
        if rule.endpoint.startswith("team.") and not public
    ]


def test_a_signed_in_patient_gets_404_on_every_team_page(app, world, session):
    patient = session.get(Patient, world.ours.patient)
    client = app.test_client()
    sign_in_as(client, patient)
    token = csrf_from(client, "/diary/")
    for rule, method in _non_public_team_routes(app):
        path = _fill(rule, world, "ours")
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path)
        assert b"team workspace" not in response.data, path
    assert client.get("/diary/").status_code == 200  # still signed in as themselves


def test_a_signed_in_member_of_staff_is_kept_out_of_every_patient_page(app, clinician):
    token = csrf_from(clinician, "/team/account")
    checked = 0
    for rule, method, public in _routes(app):
        if public or rule.endpoint.startswith(("team.", "support_admin.", "assets.")):
            continue
        path = rule.rule.replace("<int:entry_id>", "1").replace("<int:alert_id>", "1")
        path = path.replace("<int:request_id>", "1")
        path = path.replace("<code>", "bone_pain").replace("<token>", "x")
        for name in ("<slug>", "<path:filename>"):
            path = path.replace(name, "x")
        assert "<" not in path, rule.rule
        response = clinician.open(path, method=method, data={"csrf_token": token})
        if method == "GET":
            assert response.status_code == 302, path
            assert response.headers["Location"] == "/team/", path
        else:
            assert response.status_code == 404, (method, path)
        checked += 1
    assert checked > 10  # the diary, settings and alerts pages were all walked


def test_signed_out_team_pages_go_to_the_staff_sign_in(client, world):
    response = client.get(f"/team/patients/{world.ours.patient}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/team/sign-in?next=")
    assert client.get("/diary/").headers["Location"].startswith("/sign-in")


def test_team_pages_are_not_cached(clinician, world):
    response = clinician.get(f"/team/patients/{world.ours.patient}")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_member_of_no_team_is_told_so_and_cannot_enrol(app, world):
    with database(app) as s:
        loner = make_staff(s, "loner@example.test").id
    client = app.test_client()
    staff_sign_in_as(client, loner)
    page = client.get("/team/patients/new").get_data(as_text=True)
    assert "not a member of a treating team yet" in page
    token = csrf_from(client, "/team/account")
    response = client.post(
        "/team/patients/new",
        data={"csrf_token": token, "team": str(world.ours.team), "name": "X", "email": "x@x.test"},
    )
    assert response.status_code == 400
    assert read(app, lambda s: s.scalar(select(Patient).where(Patient.email == "x@x.test"))) is None

"""Numbers too big, or not written in ASCII digits: a form error or a 404, never a 500.

`str.isdigit` accepts "²", "⁵" and "١" (int() refuses the first two and reads the third), and a
number of any length used to reach Python's date() or the database: SQLite cannot bind an
integer of 2**63 or more, and PostgreSQL's INTEGER columns stop at 2**31 - 1.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import Integer

from tests.conftest import csrf_from, make_patient, reconfigure
from tests.diary.test_logging import date_fields, log_form, save, today
from tests.inputs.conftest import (
    changed_tables,
    database,
    error_beside,
    sign_in_patient,
    signed_post,
    snapshot,
)
from tests.support.helpers import make_service
from tests.team.conftest import plain, staff_sign_in_as
from tracker import clock as tracker_clock
from tracker.db import ID_MAX
from tracker.forms import parse_int
from tracker.models import Base
from tracker.notify.models import OutboxMessage
from tracker.support.validation import FIELDS
from tracker.team.models import CLINICIAN, Membership

SUPERSCRIPTS_AND_HUGE = ["²", "⁵", "١", "9" * 5000, "99999999999999999999"]


def plain_html(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _refused(app, response, field_id: str, words: str):
    body = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert words.lower() in error_beside(body, field_id).lower()
    return body


# ---- the diary ----------------------------------------------------------------------------------


@pytest.mark.parametrize("severity", SUPERSCRIPTS_AND_HUGE, ids=["²", "⁵", "١", "5000", "20"])
def test_a_severity_not_in_ascii_digits_or_too_big_is_a_form_error(
    app, patient_client, patient, severity
):
    before = snapshot(app)
    response = save(patient_client, log_form({"cough": {"severity": severity}}))
    _refused(app, response, "severity-cough", "Select a number from 1 to 10")
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize("part", ["day", "month", "year"])
@pytest.mark.parametrize("value", ["99999999999999999999", "²", "9" * 5000, "١"])
def test_a_date_part_too_big_or_not_in_ascii_digits_is_a_form_error(
    app, patient_client, patient, part, value
):
    fields = date_fields("onset-cough", today() - timedelta(days=3))
    fields[f"onset-cough[{part}]"] = value
    before = snapshot(app)
    response = save(patient_client, [*log_form({"cough": {"severity": "3"}}), *fields.items()])
    _refused(app, response, "onset-cough", "The date it started must")
    assert changed_tables(before, snapshot(app)) == []

    gone = date_fields("gone_date", today())
    gone[f"gone_date[{part}]"] = value
    token = csrf_from(patient_client, "/diary/symptoms/cough/gone")
    response = patient_client.post("/diary/symptoms/cough/gone", data={**gone, "csrf_token": token})
    _refused(app, response, "gone_date", "The date")
    assert changed_tables(before, snapshot(app)) == []


def test_a_day_of_twenty_nines_on_step_one_is_a_form_error(app, patient_client):
    data = log_form({"cough": {"severity": "3"}})
    data = [(k, "99999999999999999999" if k == "entry_date[day]" else v) for k, v in data]
    response = save(patient_client, data)
    _refused(app, response, "entry_date", "The date must be a real date")


# ---- ids in URLs --------------------------------------------------------------------------------

BAD_IDS = [str(ID_MAX + 1), str(2**63 - 1), str(2**63), str(2**64), "9" * 5000, "١", "²", "0"]


def _id_routes(app) -> list[tuple[str, str, list[str]]]:
    """(rule, method, the names of its number arguments) for every rule with one."""
    found = []
    for rule in app.url_map.iter_rules():
        numbers = re.findall(r"<int:(\w+)>", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if numbers:
                found.append((rule.rule, method, numbers))
    return sorted(found)


def test_every_route_with_a_number_in_it_is_found(app):
    routes = {rule for rule, _, _ in _id_routes(app)}
    assert "/diary/entries/<int:entry_id>" in routes
    assert "/team/teams/<int:team_id>/members/<int:staff_id>/role" in routes
    assert len(routes) >= 15


def test_an_id_out_of_range_or_not_in_ascii_digits_is_not_found_on_every_route(
    app, world, service_admin
):
    """Every route with an id in its path, each bad id, signed in as someone who may see it."""
    with database(app) as s:
        make_service(s, today=today())
    patient = app.test_client()
    sign_in_patient(patient, app, world.ours.patient)
    staff = app.test_client()
    staff_sign_in_as(staff, world.ours.admin)
    tried = 0
    for rule, method, numbers in _id_routes(app):
        if rule.startswith("/team/support/"):
            client = service_admin
        elif rule.startswith("/team/"):
            client = staff
        else:
            client = patient
        token = csrf_from(client, "/team/account" if client is not patient else "/diary/")
        for bad in BAD_IDS:
            path = rule
            for name in numbers:
                path = path.replace(f"<int:{name}>", bad)
            before = snapshot(app) if method == "POST" else None
            if method == "POST":
                response = client.post(path, data={"csrf_token": token})
            else:
                response = client.get(path)
            assert response.status_code == 404, (method, path[:80], response.status_code)
            if before is not None:
                assert changed_tables(before, snapshot(app)) == [], path[:80]
            tried += 1
    assert tried >= 15 * len(BAD_IDS)


def test_a_path_that_exists_for_another_method_is_still_405(client):
    assert client.get("/sign-out").status_code == 405
    assert client.post("/team/teams/1/members/1/role").status_code == 302  # to sign in


def test_every_id_column_is_a_32_bit_integer():
    """tracker.db.ID_MAX is the most an id can be only while no id column is a BIGINT."""
    ids = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Integer) and (column.primary_key or column.foreign_keys)
    ]
    assert len(ids) > 20
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if f"{table.name}.{column.name}" in ids:
                assert type(column.type) is Integer, f"{table.name}.{column.name}"


# ---- ids and numbers in forms -------------------------------------------------------------------


@pytest.mark.parametrize("team", ["²", "١", "99999999999999999999", str(2**63)])
def test_a_team_not_in_ascii_digits_or_too_big_is_a_form_error(app, client, clinician, world, team):
    password = "a long enough passphrase"
    account = {
        "team": team,
        "name": "Robin Newcomer",
        "email": "robin@example.test",
        "password": password,
        "confirm-password": password,
    }
    token = csrf_from(client, "/sign-up")
    response = client.post("/sign-up", data={**account, "csrf_token": token})
    _refused(app, response, "team", "Select your treating team")

    new = {"team": team, "name": "New Person", "email": "new.person@example.test"}
    token = csrf_from(clinician, "/team/patients/new")
    response = clinician.post("/team/patients/new", data={**new, "csrf_token": token})
    assert response.status_code == 400  # one team: no choice on the page, so in the summary
    assert 'href="#team"> Select the patient&#39;s treating team' in plain_html(response)

    with database(app) as s:  # a member of both teams may move a patient from one to the other
        s.add(Membership(staff_id=world.ours.clinician, team_id=world.theirs.team, role=CLINICIAN))
        s.commit()
    page = f"/team/patients/{world.ours.patient}/status"
    before = snapshot(app)
    token = csrf_from(clinician, page)
    response = clinician.post(page, data={"action": "move", "team": team, "csrf_token": token})
    assert response.status_code == 400
    assert "Choose the team" in error_beside(response.get_data(as_text=True), "team")
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize("code", ["²²²²²²", "١٢٣٤٥٦", "⁵⁵⁵⁵⁵⁵"])
def test_a_second_step_code_in_other_digits_is_just_wrong(app, client, world, code):
    with client.session_transaction() as sess:
        sess["staff_pending"] = {
            "id": world.ours.clinician,
            "at": int(tracker_clock.of(app).now().timestamp()),
            "next": "/team/",
        }
    token = csrf_from(client, "/team/sign-in/code")
    response = client.post("/team/sign-in/code", data={"code": code, "csrf_token": token})
    assert response.status_code == 400
    assert "The code is not right" in error_beside(response.get_data(as_text=True), "code")


@pytest.mark.parametrize("service_id", ["²", "99999999999999999999", "9" * 5000])
def test_a_csv_id_not_in_ascii_digits_or_too_big_is_a_problem_in_the_file(
    app, service_admin, service_id
):
    header = ",".join(("id", *FIELDS))
    row = f"{service_id},Example Helpline,helpline,A helpline.,0113 496 0003,,,Daily,"
    row += "nationwide,,,no,"

    token = csrf_from(service_admin, "/team/support/import")
    before = snapshot(app)
    response = service_admin.post(
        "/team/support/import",
        data={"csrf_token": token, "file": (BytesIO(f"{header}\n{row}".encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Line 2: id:" in plain(response)
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize("our_id", [str(2**63), str(ID_MAX + 1), "9" * 5000, "²", "١"])
def test_a_signed_status_callback_with_a_huge_message_id_changes_nothing(app, session, our_id):
    reconfigure(app, notify={"twilio_auth_token": "test-auth-token"})
    make_patient(session)
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    before = snapshot(app)
    response = signed_post(app.test_client(), "/twilio/status", form, f"m={our_id}")
    assert response.status_code == 200  # a report on a message we do not have
    assert [t for t in changed_tables(before, snapshot(app)) if t != "webhook_receipts"] == []
    assert session.query(OutboxMessage).count() == 0


# ---- the time zone --------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe", "America", "x" * 300, "Europe/" + "x" * 300, "."])
def test_a_time_zone_that_is_a_folder_or_too_long_is_a_form_error(
    app, patient_client, patient, zone
):
    data = {
        "name": "Sam Patient",
        "email": "sam@example.test",
        "mobile": "",
        "postcode": "",
        "timezone": zone,
    }
    token = csrf_from(patient_client, "/settings/details")
    before = snapshot(app)
    response = patient_client.post("/settings/details", data={**data, "csrf_token": token})
    _refused(app, response, "timezone", "Choose a time zone from the list")
    assert changed_tables(before, snapshot(app)) == []


# ---- the parser itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("07", 7),
        ("10", 10),
        ("0", None),
        ("11", None),
        ("-1", None),
        ("+3", None),
        ("3.0", None),
        ("²", None),
        ("١", None),  # Arabic-Indic one: int() would read it as 1
        ("٣", None),
        ("9" * 5000, None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int_takes_only_ascii_digits_in_range(raw, expected):
    assert parse_int(raw, 1, 10) == expected

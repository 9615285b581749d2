"""Control characters in every form's text fields: refused beside the field, nothing saved.

PostgreSQL cannot store NUL in text, so a note holding one used to fail the whole save with a
500 (and lose the other symptoms of that save); SQLite stored it. Now every form refuses NUL
and the other hidden characters before anything reaches the database, on both backends, and
says so beside the field with what was typed still in it.

Each test fills in a form that would be saved, then puts a hidden character inside one field
at a time (inside, so that trimming cannot remove it).
"""

from __future__ import annotations

from io import BytesIO

import pytest
from markupsafe import escape

from tests.conftest import PASSWORD, csrf_from, make_team
from tests.diary.test_history_and_edits import add, edit_data
from tests.diary.test_logging import log_form, save, today
from tests.inputs.conftest import changed_tables, database, error_beside, snapshot
from tests.support.helpers import make_service
from tests.team.conftest import plain
from tracker.auth.invitations import create_invitation
from tracker.diary.models import DiaryEntry
from tracker.forms import has_hidden_character
from tracker.rules import load_rules
from tracker.support.validation import FIELDS

# NUL (what PostgreSQL cannot store) and ESC (any other control character).
HIDDEN = ("\x00", "\x1b")
MESSAGE = "contains a hidden character that cannot be"


def _typed(value: str, char: str) -> str:
    return f"{value[:3]}{char}{value[3:]}"


def _refused(app, client, page, data, field, char, action=None, error_id=None, kept=True):
    """Post `data` with `char` inside `field`: a 400, the message beside it, nothing written."""
    token = csrf_from(client, page)
    typed = _typed(data[field], char)
    before = snapshot(app)
    response = client.post(action or page, data={**data, field: typed, "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 400, (field, repr(char), response.status_code)
    assert MESSAGE in error_beside(body, error_id or field), field
    assert f'href="#{error_id or field}"' in body  # the error summary links to it
    if kept:
        assert str(escape(typed)) in body, f"what was typed in {field} is not kept"
    assert changed_tables(before, snapshot(app)) == [], field
    return body


# ---- the patient's forms -----------------------------------------------------------------


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_note_with_a_hidden_character_saves_none_of_the_symptoms(
    app, patient_client, session, patient, char
):
    """The fault as reported: on PostgreSQL the whole save was lost with a 500."""
    note = "Dry, mostly at night"
    data = log_form({"cough": {"severity": "4", "note": _typed(note, char)}, "fatigue": {}})
    data += [("severity-fatigue", "3")]
    before = snapshot(app)
    response = save(patient_client, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(body, "note-cough") == (
        f"{load_rules().symptom('cough').name}: your note contains a hidden character that "
        "cannot be saved. Remove it, or type it in again"
    )
    assert str(escape(_typed(note, char))) in body
    assert changed_tables(before, snapshot(app)) == []


def test_tabs_and_line_breaks_are_kept_in_a_note(patient_client, session, patient):
    note = "Line one\r\nLine two\twith a tab"
    response = save(patient_client, log_form({"cough": {"severity": "4", "note": note}}))
    assert response.status_code == 302
    [entry] = session.query(DiaryEntry).filter_by(patient_id=patient.id).all()
    assert entry.note == "Line one\nLine two\twith a tab"


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_an_edited_note_with_a_hidden_character_changes_nothing(
    app, patient_client, session, patient, char
):
    entry = add(session, patient, note="Mild")
    page = f"/diary/entries/{entry.id}/edit"
    _refused(app, patient_client, page, edit_data(today()), "note-cough", char)


DETAILS = {
    "name": "Sam Patient",
    "mobile": "07700 900 456",
    "postcode": "LS6 1AA",
    "timezone": "Europe/Paris",
}


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_the_patients_details_refuse_hidden_characters(app, patient_client, patient, char):
    for field in DETAILS:
        _refused(app, patient_client, "/settings/details", DETAILS, field, char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_new_email_address_refuses_hidden_characters(app, patient_client, patient, char):
    new = {"email": "sam.new@example.test"}
    _refused(app, patient_client, "/settings/email", new, "email", char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_the_forgotten_password_forms_refuse_hidden_characters(app, client, char):
    _refused(app, client, "/account/forgotten", {"email": "sam@example.test"}, "email", char)
    text = {"email": "sam@example.test", "mobile": "07700 900123"}
    for field in text:
        _refused(app, client, "/account/forgotten/text", text, field, char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_new_password_refuses_hidden_characters(app, patient_client, patient, char):
    new = "a brand new passphrase"
    data = {"current-password": PASSWORD, "new-password": new, "confirm-password": new}
    _refused(app, patient_client, "/settings/password", data, "new-password", char, kept=False)


# ---- signing up and signing in -------------------------------------------------------------


def _account(team_id: int) -> dict[str, str]:
    password = "a long enough passphrase"
    return {
        "team": str(team_id),
        "name": "Robin Newcomer",
        "email": "robin@example.test",
        "mobile": "07700 900 222",
        "password": password,
        "confirm-password": password,
    }


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_sign_up_refuses_hidden_characters(app, client, char):
    with database(app) as s:
        team_id = make_team(s).id
        s.commit()
    for field in ("name", "email", "mobile", "password"):
        _refused(app, client, "/sign-up", _account(team_id), field, char, kept=field != "password")


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_an_invitation_link_refuses_hidden_characters(app, client, char):
    with database(app) as s:
        team = make_team(s)
        _, token = create_invitation(s, team)
        s.commit()
        team_id = team.id
    for field in ("name", "email", "mobile", "password"):
        _refused(
            app, client, f"/join/{token}", _account(team_id), field, char, kept=field != "password"
        )


@pytest.mark.parametrize("page", ["/sign-in", "/team/sign-in"])
@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_sign_in_refuses_a_hidden_character_in_the_email_before_looking_anyone_up(
    app, client, page, char
):
    """Nothing is written either: not even a failed attempt for the throttle."""
    data = {"email": "sam@example.test", "password": PASSWORD}
    body = _refused(app, client, page, data, "email", char)
    assert "cannot be used" in error_beside(body, "email")


# ---- the team's forms ------------------------------------------------------------------------


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_enrolling_a_patient_refuses_hidden_characters(app, clinician, world, char):
    data = {
        "team": str(world.ours.team),
        "name": "New Person",
        "nhs_number": "999 000 0026",
        "email": "new.person@example.test",
        "mobile": "07700 900 111",
    }
    for field in ("name", "nhs_number", "email", "mobile"):
        _refused(app, clinician, "/team/patients/new", data, field, char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_an_outcome_note_refuses_hidden_characters(app, clinician, world, char):
    page = f"/team/alerts/{world.ours.alert}/outcome"
    data = {"outcome": "contacted", "note": "Called her, booked a clinic"}
    _refused(app, clinician, page, data, "note", char)


TEAM_DETAILS = {
    "name": "Breast Care",
    "hospital": "Breast Care Hospital",
    "phone": "0118 496 0999",
    "email": "team@example.test",
    "hours": "Monday to Friday, 8am to 6pm",
    "out_of_hours": "Call NHS 111. In an emergency, call 999.",
    "notify_email": "alerts@example.test",
}


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_the_teams_details_refuse_hidden_characters(app, team_admin, world, char):
    page = f"/team/teams/{world.ours.team}/details"
    for field in TEAM_DETAILS:
        _refused(app, team_admin, page, TEAM_DETAILS, field, char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_adding_a_member_refuses_a_hidden_character_in_the_email(app, team_admin, world, char):
    page = f"/team/teams/{world.ours.team}/members"
    data = {"email": "clinician.b@example.test", "role": "clinician"}
    _refused(app, team_admin, page, data, "email", char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_new_team_refuses_hidden_characters(app, service_admin, char):
    for field in TEAM_DETAILS:
        _refused(
            app, service_admin, "/team/teams/new", {**TEAM_DETAILS, "name": "Ward 9"}, field, char
        )


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_new_staff_account_refuses_a_hidden_character_in_the_name_or_email(
    app, service_admin, world, char
):
    page = f"/team/teams/{world.ours.team}/members"
    data = {"name": "Sam Ward", "email": "sam.ward@example.test", "role": "clinician"}
    for field in ("name", "email"):
        _refused(app, service_admin, page, data, field, char)


# ---- the support directory -------------------------------------------------------------------

SERVICE = {
    "name": "Example Carers Group",
    "kind": "carers",
    "description": "Meets monthly to talk.",
    "phone": "0113 496 0002",
    "website": "https://carers.example.org/",
    "email": "carers@example.org",
    "opening_hours": "First Monday of the month",
    "areas": "LS, LS6",
    "tags": "carers; family",
    "last_checked": "2026-01-05",
    "needs_check": "no",
    "source": "Phoned them",
}


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_a_new_support_service_refuses_hidden_characters(app, service_admin, char):
    page = "/team/support/services/new"
    for field in FIELDS:
        kept = field not in ("kind", "needs_check")  # choices: nothing typed to keep
        _refused(app, service_admin, page, SERVICE, field, char, kept=kept)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_an_edited_support_service_refuses_hidden_characters(app, service_admin, char):
    with database(app) as s:
        service_id = make_service(s, today=today()).id
    page = f"/team/support/services/{service_id}/edit"
    for field in ("name", "description", "opening_hours", "source"):
        _refused(app, service_admin, page, SERVICE, field, char)


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_an_imported_file_with_a_hidden_character_imports_nothing(app, service_admin, char):
    header = ",".join(("id", *FIELDS))
    row = f',Example{char} Helpline,helpline,A helpline.,0113 496 0003,,,"Daily",nationwide,,,no,'
    token = csrf_from(service_admin, "/team/support/import")
    before = snapshot(app)
    response = service_admin.post(
        "/team/support/import",
        data={"csrf_token": token, "file": (BytesIO(f"{header}\n{row}".encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in error_beside(body, "file")
    assert "Line 2: name: This contains a hidden character" in plain(response)
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize("char", HIDDEN, ids=["nul", "esc"])
def test_the_directory_search_explains_a_hidden_character(client, char):
    response = client.get("/support/", query_string={"q": f"car{char}ers", "area": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # as for a postcode it cannot read: a search, not a save
    assert "<title>Error: Find support" in body
    assert MESSAGE in error_beside(body, "q")
    assert str(escape(f"car{char}ers")) in body


# ---- the check itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "multiline", "hidden"),
    [
        ("plain words, punctuation; and digits 123", False, False),
        ("Zoë’s café – 😀 👩‍👩‍👧 עברית", False, False),  # accents, emoji, joiners, right to left
        ("\ufffd is what a browser sends for a bad byte", False, False),
        ("a\tb", True, False),
        ("a\r\nb", True, False),
        ("a\tb", False, True),
        ("a\nb", False, True),
        ("a\x00b", True, True),
        ("a\x08b", True, True),
        ("a\x0bb", True, True),
        ("a\x1fb", True, True),
        ("a\x7fb", True, True),  # DEL
        ("a\x85b", True, True),  # C1: next line
        ("a\x9fb", True, True),
        ("a\ud800b", True, True),  # a lone surrogate
    ],
)
def test_which_characters_are_hidden(text, multiline, hidden):
    assert has_hidden_character(text, multiline) is hidden

"""The directory's administration under /team/support/: service administrators only.

The 404 test walks the app's url_map for the blueprint, so a route added later is covered
without anyone remembering to add it here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, post_form, sign_in_as
from tests.support.helpers import make_service
from tests.team.conftest import database, make_staff, plain, staff_sign_in_as
from tracker import create_app
from tracker.clock import SYSTEM
from tracker.config import for_tests
from tracker.support.models import SupportService, SupportServiceChange
from tracker.support.validation import FIELDS

ADMIN_NAME = "Alex Directory"
HEADER = ",".join(("id", *FIELDS))


def _today() -> date:
    return SYSTEM.today("Europe/London")


def _blueprint_routes() -> list[tuple[str, str]]:
    app = create_app(for_tests("sqlite://", "unused-instance"))
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("support_admin.")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    )


ROUTES = _blueprint_routes()


@pytest.fixture
def ids(app):
    """A service administrator, a clinician who is not one, and a listed service."""
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", name=ADMIN_NAME, service_admin=True).id
        clinician = make_staff(s, "clin@example.test", name="Clin Ordinary").id
        service = make_service(s, today=_today(), last_checked=_today().isoformat()).id
    return {"boss": boss, "clinician": clinician, "service": service}


@pytest.fixture
def boss(app, ids):
    client = app.test_client()
    staff_sign_in_as(client, ids["boss"])
    return client


def _form(**overrides) -> dict[str, str]:
    values = {
        "name": "Example Carers Group",
        "kind": "carers",
        "description": "Meets monthly to talk.",
        "phone": "0113 496 0002",
        "website": "https://carers.example.org/",
        "email": "",
        "opening_hours": "First Monday of the month",
        "areas": "LS, LS6",
        "tags": "carers; family",
        "last_checked": "",
        "needs_check": "no",
        "source": "Phoned them",
    }
    values.update(overrides)
    return values


def _services(app) -> list[tuple[str, bool]]:
    with database(app) as s:
        return [
            (x.name, x.retired)
            for x in s.scalars(select(SupportService).order_by(SupportService.id))
        ]


def test_the_walk_finds_the_routes(app):
    rules = {rule for rule, _ in ROUTES}
    assert {"/team/support/", "/team/support/import", "/team/support/export.csv"} <= rules
    assert "/team/support/services/<int:service_id>/edit" in rules
    assert len(ROUTES) >= 10


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_everyone_but_service_admins_gets_404_on_every_route(app, ids, who):
    client = app.test_client()
    if who == "clinician":
        staff_sign_in_as(client, ids["clinician"])
        token = csrf_from(client, "/team/account")
    else:
        with database(app) as s:
            from tests.conftest import make_patient

            patient = make_patient(s, email="pat@example.test")
            sign_in_as(client, patient)
        token = csrf_from(client, "/settings/")
    for rule, method in ROUTES:
        path = rule.replace("<int:service_id>", str(ids["service"]))
        data = {"csrf_token": token, **_form(name="Sneaky")}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (who, method, path, response.status_code)
        if who == "patient":
            assert b"team workspace" not in response.data, path
    assert _services(app) == [("Leeds Example Group", False)]


def test_signed_out_the_pages_go_to_the_staff_sign_in(client):
    response = client.get("/team/support/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/team/sign-in?next=")


def test_the_staff_navigation_links_to_the_directory_for_service_admins_only(app, ids, boss):
    assert 'href="/team/support/"' in boss.get("/team/account").get_data(as_text=True)
    clinician = app.test_client()
    staff_sign_in_as(clinician, ids["clinician"])
    assert 'href="/team/support/"' not in clinician.get("/team/account").get_data(as_text=True)


def test_a_service_admin_adds_a_service_and_the_change_is_recorded(app, ids, boss):
    page = boss.get("/team/support/")
    assert page.status_code == 200 and "<h1>Support directory</h1>" in page.get_data(as_text=True)
    response = post_form(boss, "/team/support/services/new", _form())
    assert response.status_code == 302
    assert "Example Carers Group has been added" in plain(boss.get("/team/support/"))
    with database(app) as s:
        added = s.scalar(select(SupportService).where(SupportService.name.like("Example%")))
        assert added.areas == ("LS", "LS6") and added.kind == "carers"
        change = s.scalar(
            select(SupportServiceChange).where(SupportServiceChange.service_id == added.id)
        )
        assert (change.actor, change.action) == (f"staff:{ids['boss']}", "added")


def test_bad_details_are_explained_beside_each_field_and_nothing_is_saved(app, ids, boss):
    path = f"/team/support/services/{ids['service']}/edit"
    bad = _form(name="Renamed", phone="0909 879 0000", website="not a website")
    response = post_form(boss, path, bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error:" in html
    assert 'href="#phone"' in html and 'href="#website"' in html
    assert 'id="phone-error"' in html and 'id="website-error"' in html
    assert "costs no more than a normal call" in html
    assert "Enter a website address that starts with https://" in html
    assert 'value="Renamed"' in html and 'value="not a website"' in html  # typed values kept
    assert _services(app) == [("Leeds Example Group", False)]
    with database(app) as s:
        assert s.scalar(select(func.count()).select_from(SupportServiceChange)) == 1  # "added"

    page = post_form(boss, "/team/support/services/new", _form(name="Leeds Example Group"))
    assert page.status_code == 400 and "already listed" in page.get_data(as_text=True)


def test_a_service_admin_edits_marks_checked_retires_and_sees_the_history(app, ids, boss):
    sid = ids["service"]
    edit = f"/team/support/services/{sid}/edit"
    assert 'value="Leeds Example Group"' in boss.get(edit).get_data(as_text=True)
    assert post_form(boss, edit, _form(name="Leeds Renamed Group")).status_code == 302

    assert post_form(boss, "/team/support/", {}, f"/team/support/services/{sid}/checked")
    with database(app) as s:
        assert s.get(SupportService, sid).last_checked == _today()

    confirm = boss.get(f"/team/support/services/{sid}/retire")
    assert confirm.status_code == 200 and "Retire Leeds Renamed Group?" in plain(confirm)
    assert post_form(boss, f"/team/support/services/{sid}/retire", {}).status_code == 302
    assert _services(app) == [("Leeds Renamed Group", True)]
    assert boss.get(edit).status_code == 404  # a retired service cannot be changed
    assert "Retired" in plain(boss.get("/team/support/"))

    history = plain(boss.get(f"/team/support/services/{sid}/history"))
    assert f"Retired by {ADMIN_NAME}" in history
    assert f"Marked as checked by {ADMIN_NAME}" in history
    assert f"Changed by {ADMIN_NAME}" in history
    assert "Name: Leeds Example Group to Leeds Renamed Group" in history
    assert "Added by test" in history  # the helper's actor, shown as it is
    assert history.index("Retired by") < history.index("Added by")  # newest first


def test_services_not_checked_for_12_months_are_flagged(app, ids, boss):
    with database(app) as s:
        old = (_today() - timedelta(days=400)).isoformat()
        make_service(s, name="Old Example", today=_today(), last_checked=old)
        make_service(s, name="Never Example", today=_today(), last_checked="")
    page = plain(boss.get("/team/support/"))
    assert "2 services have not been checked for 12 months" in page
    assert page.count("Not checked for 12 months") == 2
    listing = page.split("Never Example")[1]
    assert "Not checked for 12 months" in listing.split("Old Example")[0]


def _upload(client, content: str, **extra):
    token = csrf_from(client, "/team/support/import")
    from io import BytesIO

    data = {"csrf_token": token, "file": (BytesIO(content.encode()), "services.csv"), **extra}
    return client.post("/team/support/import", data=data, content_type="multipart/form-data")


def _row(name: str, phone: str = "0113 496 0003", service_id: str = "") -> str:
    return (
        f'{service_id},{name},helpline,A helpline.,{phone},,,"Daily, 9am to 5pm",'
        f"nationwide,,2026-01-05,no,Test"
    )


def test_an_import_with_a_bad_row_imports_nothing_and_says_where_and_why(app, ids, boss):
    content = "\n".join([HEADER, _row("Good Example"), _row("Bad Example", phone="12345")])
    response = _upload(boss, content)
    html = plain(response)
    assert response.status_code == 400
    assert "Nothing was imported" in html
    assert "Line 3: phone: Enter a UK phone number" in html
    assert _services(app) == [("Leeds Example Group", False)]


def test_a_good_file_can_be_checked_first_then_imports(app, ids, boss):
    content = "\n".join(
        [
            HEADER,
            _row("New Example Line"),
            _row("Leeds Example Group", service_id=str(ids["service"])),
        ]
    )
    checked = plain(_upload(boss, content, check_only="yes"))
    assert "would add 1, change 1 and leave 0 unchanged" in checked
    assert _services(app) == [("Leeds Example Group", False)]

    response = _upload(boss, content)
    assert response.status_code == 302
    assert "Added 1, changed 1, left 0 unchanged" in plain(boss.get("/team/support/"))
    assert sorted(_services(app)) == [("Leeds Example Group", False), ("New Example Line", False)]
    with database(app) as s:
        actors = set(s.scalars(select(SupportServiceChange.actor)))
    assert f"staff:{ids['boss']}" in actors


def test_an_upload_without_a_file_is_an_error(boss):
    token = csrf_from(boss, "/team/support/import")
    response = boss.post(
        "/team/support/import", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "Choose a CSV file" in plain(response)


def test_an_upload_without_the_csrf_token_is_refused(app, ids, boss):
    from io import BytesIO

    data = {"file": (BytesIO(f"{HEADER}\n{_row('X Example')}".encode()), "s.csv")}
    response = boss.post("/team/support/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _services(app) == [("Leeds Example Group", False)]


def test_the_directory_downloads_as_csv(boss):
    response = boss.get("/team/support/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="support-services-\d{4}-\d{2}-\d{2}\.csv"', disposition
    )
    assert _today().isoformat() in disposition
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    assert text.splitlines()[0] == HEADER
    assert "Leeds Example Group" in text
    assert response.headers["Cache-Control"] == "no-store"

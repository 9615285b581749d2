"""The support directory's administration, under /team/support/: for service administrators only.

Every other visitor gets 404, as if the pages did not exist: patients, and staff who are not
service administrators. Every change goes through tracker.support.services, which records who
("staff:<id>"), what and when in the same transaction as the change.
"""

from __future__ import annotations

import io
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from tracker import clock, config, db
from tracker.forms import Errors, render_form
from tracker.support import csv_io
from tracker.support.models import SupportService
from tracker.support.services import (
    SupportError,
    add_service,
    edit_service,
    history,
    is_stale,
    mark_checked,
    retire_service,
)
from tracker.support.validation import FIELDS, KIND_LABELS, KINDS, clean_service
from tracker.team.models import Staff

bp = Blueprint("support_admin", __name__, url_prefix="/team/support")

# A CSV file of the whole directory is a few hundred kilobytes at most; the app's
# MAX_CONTENT_LENGTH refuses anything bigger before this module sees it.
FIELD_LABELS = {
    "name": "Name",
    "kind": "Kind of service",
    "description": "Description",
    "phone": "Phone number",
    "website": "Website",
    "email": "Email address",
    "opening_hours": "Opening hours",
    "areas": "Areas served",
    "nationwide": "Nationwide",
    "tags": "Tags",
    "last_checked": "Last checked with the service",
    "needs_check": "Details not yet confirmed by the service",
    "source": "Where the details came from",
    "retired_at": "Retired",
}
ACTION_LABELS = {
    "added": "Added",
    "edited": "Changed",
    "checked": "Marked as checked",
    "retired": "Retired",
}


def _today() -> date:
    return clock.today(config.current().timezone)


def _actor() -> str:
    return f"staff:{current_user.staff.id}"


@bp.before_request
def _service_admins_only():
    """Only service administrators: anyone else is told the page does not exist."""
    if not (
        current_user.is_authenticated
        and current_user.is_staff
        and current_user.staff.is_service_admin
    ):
        abort(404)


@bp.errorhandler(404)
def _not_found(_error):
    staff_in = current_user.is_authenticated and current_user.is_staff
    return render_template("team/not_found.html" if staff_in else "errors/404.html"), 404


def _service_or_404(service_id: int, changeable: bool = False) -> SupportService:
    service = db.session().get(SupportService, service_id)
    if service is None or (changeable and service.retired):
        abort(404)
    return service


# --- The list ----------------------------------------------------------------------------------


@bp.get("/")
def index():
    s = db.session()
    today = _today()
    services = list(
        s.scalars(
            select(SupportService).order_by(
                SupportService.retired_at.is_not(None),
                func.lower(SupportService.name),
                SupportService.id,
            )
        )
    )
    stale_ids = {x.id for x in services if not x.retired and is_stale(x, today)}
    return render_template(
        "support/admin/index.html",
        services=services,
        stale_ids=stale_ids,
        listed=sum(1 for x in services if not x.retired),
    )


# --- Adding and changing -----------------------------------------------------------------------


def _form_values() -> dict[str, str]:
    return {f: request.form.get(f, "") for f in FIELDS}


def _values_of(service: SupportService) -> dict[str, str]:
    return dict(zip(csv_io.COLUMNS, csv_io.row_for(service), strict=True))


def _form_page(errors: Errors, values: dict[str, str], service: SupportService | None = None):
    return render_form(
        "support/admin/form.html", errors, values=values, service=service, kinds=KINDS
    )


@bp.route("/services/new", methods=["GET", "POST"])
def add():
    if request.method == "GET":
        return _form_page(Errors(), {f: "" for f in FIELDS} | {"needs_check": "no"})
    values = _form_values()
    data, errors = clean_service(values, _today())
    if data is not None:
        _check_name_free(data.name, None, errors)
    if errors:
        return _form_page(errors, values)
    with db.transaction() as s:
        service = add_service(s, data, _actor())
    flash(f"{service.name} has been added to the directory.", "success")
    return redirect(url_for(".index"))


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
def edit(service_id: int):
    service = _service_or_404(service_id, changeable=True)
    if request.method == "GET":
        return _form_page(Errors(), _values_of(service), service)
    values = _form_values()
    data, errors = clean_service(values, _today())
    if data is not None:
        _check_name_free(data.name, service.id, errors)
    if errors:
        return _form_page(errors, values, service)
    try:
        with db.transaction() as s:
            changes = edit_service(s, service, data, _actor())
    except SupportError as exc:  # retired by someone else meanwhile
        flash(str(exc))
        return redirect(url_for(".index"))
    flash(
        f"The details of {service.name} have been saved." if changes else "Nothing was changed.",
        "success",
    )
    return redirect(url_for(".index"))


def _check_name_free(name: str, service_id: int | None, errors: Errors) -> None:
    """Two listed services with one name would confuse people searching, and the CSV import."""
    clash = db.session().scalar(
        select(SupportService.id).where(
            func.lower(SupportService.name) == name.lower(),
            SupportService.retired_at.is_(None),
            SupportService.id != (service_id or 0),
        )
    )
    if clash is not None:
        errors.add("name", "A service with this name is already listed: give it another name")


# --- Checking and retiring ---------------------------------------------------------------------


@bp.post("/services/<int:service_id>/checked")
def checked(service_id: int):
    service = _service_or_404(service_id, changeable=True)
    with db.transaction() as s:
        mark_checked(s, service, _actor(), _today())
    flash(f"{service.name} has been marked as checked today.", "success")
    return redirect(url_for(".index"))


@bp.route("/services/<int:service_id>/retire", methods=["GET", "POST"])
def retire(service_id: int):
    service = _service_or_404(service_id, changeable=True)
    if request.method == "GET":
        return render_template("support/admin/retire.html", service=service)
    with db.transaction() as s:
        retire_service(s, service, _actor())
    flash(f"{service.name} has been retired: it no longer shows in the directory.", "success")
    return redirect(url_for(".index"))


# --- History -----------------------------------------------------------------------------------


@bp.get("/services/<int:service_id>/history")
def service_history(service_id: int):
    s = db.session()
    service = _service_or_404(service_id)
    changes = history(s, service)
    staff_ids = {
        int(c.actor.split(":", 1)[1])
        for c in changes
        if c.actor.startswith("staff:") and c.actor.split(":", 1)[1].isdigit()
    }
    found = s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))
    names = {staff_id: name for staff_id, name in found}
    rows = [
        {
            "at": c.at,
            "who": _who(c.actor, names),
            "action": ACTION_LABELS.get(c.action, c.action),
            "details": _details(c.action, c.changes),
        }
        for c in reversed(changes)
    ]
    return render_template("support/admin/history.html", service=service, rows=rows)


def _who(actor: str, names: dict[int, str]) -> str:
    kind, _, rest = actor.partition(":")
    if kind == "staff" and rest.isdigit():
        return names.get(int(rest), "A former member of staff")
    if kind == "cli":
        return "Imported on the command line"
    if actor == "demo":
        return "Demonstration data"
    return actor


def _show(field: str, value) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field == "kind":
        return KIND_LABELS.get(value, str(value))
    return str(value)


def _details(action: str, changes: dict) -> list[str]:
    if action == "added":
        return [
            f"{FIELD_LABELS.get(f, f)}: {_show(f, v)}"
            for f, v in changes.items()
            if v not in (None, "", [], False)
        ]
    if action == "retired":
        return []
    return [
        f"{FIELD_LABELS.get(f, f)}: {_show(f, c.get('from'))} to {_show(f, c.get('to'))}"
        for f, c in changes.items()
        if isinstance(c, dict)
    ]


# --- CSV ---------------------------------------------------------------------------------------


@bp.get("/export.csv")
def export():
    out = io.StringIO()
    csv_io.export_csv(db.session(), out)
    filename = f"support-services-{_today().isoformat()}.csv"
    # The byte order mark tells spreadsheets the file is UTF-8; the import ignores it.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    if request.method == "GET":
        return render_form("support/admin/import.html", Errors(), result=None, check_only=False)
    errors = Errors()
    upload = request.files.get("file")
    content = upload.read() if upload is not None else b""
    check_only = request.form.get("check_only") == "yes"
    if not content:
        errors.add("file", "Choose a CSV file to import")
        return render_form("support/admin/import.html", errors, result=None, check_only=check_only)
    if check_only:
        result = csv_io.import_csv(db.session(), content, _actor(), _today(), dry_run=True)
    else:
        with db.transaction() as s:  # one transaction: the whole file, or none of it
            result = csv_io.import_csv(s, content, _actor(), _today())
    if result.ok and not check_only:
        flash(
            f"The file has been imported. Added {result.added}, changed {result.changed}, "
            f"left {result.unchanged} unchanged.",
            "success",
        )
        return redirect(url_for(".index"))
    if not result.ok:
        errors.add("file", f"Nothing was imported: the file has {_problems(result)}")
    return render_form("support/admin/import.html", errors, result=result, check_only=check_only)


def _problems(result: csv_io.ImportResult) -> str:
    count = len(result.problems)
    return "1 problem" if count == 1 else f"{count} problems"

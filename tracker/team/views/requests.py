"""A patient's request to be contacted: its page, who has it, what was done; and the team
administrator's figures (issue 21).

Thin, like the alert's pages: the GET of a request writes its audit row, as a record's does.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for

from tracker import clock, db
from tracker.contact_requests.models import ContactRequest
from tracker.forms import Errors, parse_int, render_form
from tracker.patients.models import Patient
from tracker.team import access, assignment, attempts, audit, outcomes, queue_filter, requests
from tracker.team.models import VIEWED_REQUEST, VIEWED_REQUEST_METRICS
from tracker.team.views.alerts import FORM_WORDS, save_answer, save_assignment
from tracker.team.views.common import bp, or_404, staff

SAVED = {
    False: "Saved. The request is closed and the patient has been told.",
    True: "Saved. The request stays open so that someone tries again.",
}
# The figures' periods, in days back from today.
PERIODS = (7, 30, 90)


def _page(row: ContactRequest, p: Patient, errors: Errors, values, chosen: str = ""):
    member = staff()
    s = db.session()
    if request.method == "GET":
        audit.record(s, member.id, VIEWED_REQUEST, p, detail=f"request {row.id}")
        s.commit()
    return render_form(
        "team/request.html",
        errors,
        req=row,
        p=p,
        values=values,
        past_due=row.is_past_due(clock.now()),
        attempt=attempts.latest_words(s, "contact_request_id", row.id),
        members=assignment.members_of(s, [p.team_id]),
        assignee=chosen or (str(row.assigned_staff_id) if row.assigned_staff_id else ""),
        me=member,
        attempt_hint="The request stays open, so that someone tries again.",
        **FORM_WORDS,
    )


@bp.get("/requests/")
def contact_requests():
    """The queue showing requests to be contacted only (they are listed with the alerts)."""
    return redirect(url_for("team.queue", kind=queue_filter.REQUESTS))


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
def contact_request(request_id: int):
    """A request to be contacted, and what was done about it: an outcome closes it and tells
    the patient; a try that did not reach them keeps it open."""
    member = staff()
    s = db.session()
    with or_404():
        row, found = access.contact_request_for(s, member, request_id)
    errors, values = Errors(), outcomes.OutcomeValues()
    if request.method == "POST" and row.is_open:
        values, errors, done = save_answer(
            member,
            found,
            lambda tx, v: requests.record_outcome(tx, member, request_id, v.outcome, v.note),
            SAVED,
            "This request had already been closed.",
            url_for("team.contact_request", request_id=request_id),
            request=row,
        )
        if done:
            return done
    return _page(row, found, errors, values)


@bp.post("/requests/<int:request_id>/assign")
def assign_request(request_id: int):
    """Give the request to a member of the patient's team ("me" for oneself), or to nobody."""
    member = staff()
    with or_404():
        row, found = access.contact_request_for(db.session(), member, request_id)
    chosen = request.form.get("assignee") or ""
    here = url_for("team.contact_request", request_id=request_id)
    errors, done = save_assignment(
        member,
        chosen,
        lambda tx, to: requests.assign(tx, member, request_id, to),
        "Saved. The queue shows who has this request.",
        "This request had already been closed.",
        here,
        here,
    )
    return done or _page(row, found, errors, outcomes.OutcomeValues(), chosen)


@bp.get("/requests/figures")
def request_figures():
    """Requests made, closed, past due and the time to first contact, for each team the member
    administers (no patient named): for team administrators."""
    member = staff()
    s = db.session()
    teams = access.administered_teams(s, member)
    if not teams:
        abort(404)
    days = parse_int(request.args.get("days"), 1, 366) or 30
    days = days if days in PERIODS else 30
    now = clock.now()
    for team in teams:
        audit.record(s, member.id, VIEWED_REQUEST_METRICS, team_id=team.id, detail=f"{days} days")
    s.commit()
    return render_template(
        "team/request_figures.html",
        rows=requests.figures(s, teams, now - timedelta(days=days), now, now),
        days=days,
        periods=PERIODS,
    )

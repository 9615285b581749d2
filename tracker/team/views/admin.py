"""Team administration: the team's contact details and notifications, and its members.

Open to the team's administrators and to service administrators; any other member of staff
gets 404 for another team's pages, as for an id that does not exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from tracker import db
from tracker.forms import Errors, render_form
from tracker.team import access, admin, member_reset
from tracker.team.models import ROLES, Staff
from tracker.team.views.common import bp, or_404, staff

ROLE_LABELS = {"clinician": "Clinician", "team_admin": "Team administrator"}


@bp.get("/teams/")
def teams():
    """The teams this member administers (every team, for a service administrator)."""
    teams = access.administered_teams(db.session(), staff())
    return render_template("team/teams.html", teams=teams)


@bp.route("/teams/<int:team_id>/details", methods=["GET", "POST"])
def team_details(team_id: int):
    """The team's contact details (what patients see in every prompt) and notifications."""
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
    errors = Errors()
    values = admin.TeamValues.of(team)
    if request.method == "POST":
        values = admin.TeamValues.read(request.form)
        clean = admin.check_team(values, errors)
        if clean is not None:
            with db.transaction() as s:
                changed = admin.update_team(s, member, team, clean)
            flash(
                "The team's details have been saved." if changed else "Nothing was changed.",
                "success",
            )
            return redirect(url_for("team.team_members", team_id=team.id))
    return render_form("team/team_details.html", errors, team=team, values=values)


@bp.get("/teams/<int:team_id>/members")
def team_members(team_id: int):
    """The team at a glance: its details and its members, with the form to add one."""
    return _members_page(team_id, Errors(), email="", role="")


def _members_page(team_id: int, errors: Errors, email: str, role: str):
    member = staff()
    s = db.session()
    with or_404():
        team = access.team_to_admin(s, member, team_id)
    return render_form(
        "team/team_members.html",
        errors,
        team=team,
        members=admin.members(s, team),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        email=email,
        role=role,
    )


@bp.post("/teams/<int:team_id>/members")
def add_member(team_id: int):
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
    email = (request.form.get("email") or "").strip()
    role = request.form.get("role") or ""
    errors = Errors()
    checked = admin.check_new_member(email, role, errors)
    if checked is not None:
        try:
            with db.transaction() as s:
                admin.add_member(s, member, team, *checked)
        except admin.MemberError as exc:
            errors.add(exc.field, str(exc))
    if errors:
        return _members_page(team_id, errors, email=email, role=role)
    flash("The member has been added to the team.", "success")
    return redirect(url_for("team.team_members", team_id=team.id))


@bp.post("/teams/<int:team_id>/members/<int:staff_id>/role")
def change_role(team_id: int, staff_id: int):
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
        try:
            with db.transaction() as s:
                admin.change_role(s, member, team, staff_id, request.form.get("role") or "")
        except admin.MemberError as exc:
            flash(str(exc))
            return redirect(url_for("team.team_members", team_id=team.id))
    flash("The member's role has been changed.", "success")
    return redirect(url_for("team.team_members", team_id=team.id))


@bp.post("/teams/<int:team_id>/members/<int:staff_id>/remove")
def remove_member(team_id: int, staff_id: int):
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
        try:
            with db.transaction() as s:
                admin.remove_member(s, member, team, staff_id)
        except admin.MemberError as exc:
            flash(str(exc))
            return redirect(url_for("team.team_members", team_id=team.id))
    flash("The member has been taken out of the team.", "success")
    if staff_id == member.id and not member.is_service_admin:
        return redirect(url_for("team.queue"))
    return redirect(url_for("team.team_members", team_id=team.id))


@bp.route("/teams/<int:team_id>/members/<int:staff_id>/reset", methods=["GET", "POST"])
def reset_member(team_id: int, staff_id: int):
    """Reset a member's password and authenticator: asks first, then emails them a link."""
    member = staff()
    s = db.session()
    with or_404():
        team = access.team_to_admin(s, member, team_id)
    found = admin.membership(s, team, staff_id)
    if found is None:
        abort(404)
    person = s.get(Staff, staff_id)
    try:
        member_reset.check_may_reset(member, person)
    except member_reset.ResetRefused as exc:
        flash(str(exc))
        return redirect(url_for("team.team_members", team_id=team.id))
    if request.method == "POST":
        with db.transaction() as tx:
            member_reset.reset_member(tx, member, team, tx.get(Staff, staff_id))
        flash(
            f"{person.name}'s password and authenticator have been reset, and they have been "
            "signed out. We have emailed them a link to set both up again.",
            "success",
        )
        return redirect(url_for("team.team_members", team_id=team.id))
    return render_template("team/reset_member.html", team=team, person=person)

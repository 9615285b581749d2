"""Team administration: the team's contact details and notifications, and its members.

Open to the team's administrators and to service administrators; any other member of staff
gets 404 for another team's pages, as for an id that does not exist. Creating a team, and a
staff account as it is added to a team, are for service administrators only.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import db
from tracker.forms import Errors, render_form
from tracker.team import access, admin, member_reset
from tracker.team.admin import ROLE_LABELS
from tracker.team.models import ROLES, Staff, Team
from tracker.team.views.common import bp, or_404, service_admins_only, staff


@bp.get("/teams/")
def teams():
    """The teams this member administers (every team, for a service administrator)."""
    member = staff()
    teams = access.administered_teams(db.session(), member)
    return render_template("team/teams.html", teams=teams, may_create=member.is_service_admin)


@bp.route("/teams/new", methods=["GET", "POST"])
@service_admins_only
def new_team():
    """A service administrator adds a team, with the details patients will see."""
    member = staff()

    def save(s: Session, clean: dict) -> tuple[Team, str]:
        return admin.create_team(s, member, clean), "The team has been added. Now add its members."

    return _team_form(None, save)


@bp.route("/teams/<int:team_id>/details", methods=["GET", "POST"])
def team_details(team_id: int):
    """The team's contact details (what patients see in every prompt) and notifications."""
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)

    def save(s: Session, clean: dict) -> tuple[Team, str]:
        changed = admin.update_team(s, member, team, clean)
        return team, "The team's details have been saved." if changed else "Nothing was changed."

    return _team_form(team, save)


def _team_form(team: Team | None, save: Callable[[Session, dict], tuple[Team, str]]):
    """The team's details form, to add a team (`team` None) or change one: `save` stores the
    checked values and says what to tell the administrator."""
    errors = Errors()
    values = admin.TeamValues.of(team) if team is not None else admin.TeamValues()
    if request.method == "POST":
        values = admin.TeamValues.read(request.form)
        clean = admin.check_team(values, errors)
        if clean is not None:
            try:
                with db.transaction() as s:
                    saved, message = save(s, clean)
            except admin.FormError as exc:
                errors.add(exc.field, str(exc))
            else:
                flash(message, "success")
                return redirect(url_for("team.team_members", team_id=saved.id))
    return render_form("team/team_details.html", errors, team=team, values=values)


@bp.get("/teams/<int:team_id>/members")
def team_members(team_id: int):
    """The team at a glance: its details and its members, with the form to add one."""
    return _members_page(team_id, Errors(), email="", role="", name="")


def _members_page(team_id: int, errors: Errors, email: str, role: str, name: str):
    member = staff()
    s = db.session()
    with or_404():
        team = access.team_to_admin(s, member, team_id)
    members = admin.members(s, team)
    return render_form(
        "team/team_members.html",
        errors,
        team=team,
        members=members,
        resettable={p.id for _, p in members if member_reset.may_reset(member, p, team.id)},
        changes=admin.recent_changes(s, team),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        email=email,
        role=role,
        name=name,
    )


@bp.post("/teams/<int:team_id>/members")
def add_member(team_id: int):
    """Add a member by email; a service administrator also makes the account if there is none."""
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
    email = (request.form.get("email") or "").strip()
    role = request.form.get("role") or ""
    # Only a service administrator's form has the name (only they make accounts).
    name = (request.form.get("name") or "").strip() if member.is_service_admin else ""
    errors = Errors()
    checked = admin.check_new_member(email, role, errors, name)
    if checked is not None:
        try:
            with db.transaction() as s:
                made = admin.add_member(s, member, team, *checked)
        except admin.FormError as exc:
            errors.add(exc.field, str(exc))
        except IntegrityError:  # the same person added, or given an account, meanwhile
            errors.add(
                "email",
                "Someone else has just added this person. Check the members above, "
                "and try again if they are not there",
            )
    if errors:
        return _members_page(team_id, errors, email=email, role=role, name=name)
    flash(
        "We have made their account, added them to the team and emailed them a link to set up "
        "their password and authenticator."
        if made
        else "The member has been added to the team.",
        "success",
    )
    return redirect(url_for("team.team_members", team_id=team.id))


@bp.post("/teams/<int:team_id>/members/<int:staff_id>/role")
def change_role(team_id: int, staff_id: int):
    member = staff()
    with or_404():
        team = access.team_to_admin(db.session(), member, team_id)
        try:
            with db.transaction() as s:
                admin.change_role(s, member, team, staff_id, request.form.get("role") or "")
        except admin.FormError as exc:
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
        except admin.FormError as exc:
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
        member_reset.check_may_reset(member, person, team.id)
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

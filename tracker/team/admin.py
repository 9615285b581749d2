"""What team administrators keep: the team's contact details, its notifications and its members;
and what only service administrators do: create teams, and staff accounts as they add them.

Every change is audited (who, what, when), naming the fields or roles changed but never the
values typed: the audit trail says that the phone number changed, not what it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.contact_requests.due import DEFAULT_RESPONSE_DAYS, RESPONSE_DAYS_MAX
from tracker.forms import Errors, parse_int
from tracker.patients.contact import ContactError, normalise_email, normalise_phone
from tracker.team import accounts, audit, member_reset
from tracker.team.access import NotFound
from tracker.team.models import (
    MEMBER_ADDED,
    MEMBER_REMOVED,
    MEMBER_ROLE_CHANGED,
    ROLES,
    STAFF_CREATED,
    TEAM_ADMIN,
    TEAM_CREATED,
    TEAM_DETAILS_CHANGED,
    Membership,
    Staff,
    StaffAccess,
    Team,
)

PAGE_ORDER = ("name", "hospital", "phone", "email", "hours", "out_of_hours")
# Field -> (the most it may hold, what to say when it is empty).
TEXT_FIELDS = {
    "name": (200, "Enter the team's name"),
    "hospital": (200, "Enter the hospital"),
    "phone": (40, "Enter the phone number patients should call"),
    "hours": (200, "Enter the hours the team answers the phone"),
    "out_of_hours": (2000, "Enter what patients should do out of hours"),
}
MULTI_LINE = ("out_of_hours",)
ROLE_LABELS = {"clinician": "Clinician", "team_admin": "Team administrator"}
NAME_TAKEN = "There is already a team with this name. Give this team a different name"
NAME_MAX = 200  # a member of staff's name (Staff.name)


@dataclass
class TeamValues:
    """The team form as typed, kept to show again."""

    name: str = ""
    hospital: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    out_of_hours: str = ""
    notify_urgent: bool = False
    notify_digest: bool = False
    notify_email: str = ""
    response_days: str = str(DEFAULT_RESPONSE_DAYS)

    @classmethod
    def of(cls, team: Team) -> TeamValues:
        return cls(
            name=team.name,
            hospital=team.hospital,
            phone=team.phone,
            email=team.email,
            hours=team.hours,
            out_of_hours=team.out_of_hours,
            notify_urgent=team.notify_urgent,
            notify_digest=team.notify_digest,
            notify_email=team.notify_email or "",
            response_days=str(team.response_days or DEFAULT_RESPONSE_DAYS),
        )

    @classmethod
    def read(cls, form) -> TeamValues:
        told = set(form.getlist("notify"))
        names = (*TEXT_FIELDS, "email", "notify_email", "response_days")
        text = {k: (form.get(k) or "").strip() for k in names}
        return cls(**text, notify_urgent="urgent" in told, notify_digest="digest" in told)


def check_team(values: TeamValues, errors: Errors) -> dict | None:
    """The team's new column values if every field is right; None with errors if not."""
    clean: dict = {}
    for name in (*PAGE_ORDER, "response_days", "notify_email"):  # first: its message is shown
        errors.check_text(name, getattr(values, name), "This", multiline=name in MULTI_LINE)
    for name in PAGE_ORDER:
        if name == "email":
            clean["email"] = _email(values.email, "email", errors, required=True)
            continue
        most, empty = TEXT_FIELDS[name]
        value = getattr(values, name)
        if not value:
            errors.add(name, empty)
        elif len(value) > most:
            errors.add(name, f"This must be {most} characters or fewer")
        elif name == "phone":
            value = _phone(value, errors)
        clean[name] = value
    clean["response_days"] = parse_int(values.response_days, 1, RESPONSE_DAYS_MAX)
    if clean["response_days"] is None:
        errors.add("response_days", f"Enter a number of working days from 1 to {RESPONSE_DAYS_MAX}")
    clean["notify_email"] = _email(values.notify_email, "notify_email", errors, required=False)
    clean["notify_urgent"] = values.notify_urgent
    clean["notify_digest"] = values.notify_digest
    return None if errors else clean


def _phone(raw: str, errors: Errors) -> str:
    # Stored as people read it ("0808 157 0123"); the pages link to its E.164 form.
    try:
        return normalise_phone(raw) or raw
    except ContactError as exc:
        errors.add("phone", str(exc))
        return raw


def _email(raw: str, field_id: str, errors: Errors, required: bool) -> str | None:
    if not raw and not required:
        return None
    try:
        return normalise_email(raw)
    except ContactError:
        errors.add(
            field_id,
            "Enter an email address in the correct format, like team@example.nhs.uk"
            if raw
            else "Enter the team's email address",
        )
        return None


class FormError(ValueError):
    """A message for the administrator, about one field of the form."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


def update_team(
    s: Session, staff: Staff, team: Team, clean: Mapping, now: datetime | None = None
) -> list[str]:
    """Save the team's details; returns the names of the fields changed (the caller commits).
    Raises FormError if the new name is another team's."""
    changed = [k for k, v in clean.items() if (getattr(team, k) or None) != (v or None)]
    if "name" in changed and name_in_use(s, clean["name"], but=team.id):
        raise FormError(NAME_TAKEN, field="name")
    for key in changed:
        setattr(team, key, clean[key])
    if changed:
        audit.record(
            s,
            staff.id,
            TEAM_DETAILS_CHANGED,
            team_id=team.id,
            detail=",".join(changed)[:200],
            now=now or clock.now(),
        )
    return changed


def create_team(s: Session, by: Staff | None, clean: Mapping, now: datetime | None = None) -> Team:
    """Add a team from `check_team`'s values (the caller commits); audited when a member of staff
    made it (the command line has nobody to name). Raises FormError for a name already used."""
    now = now or clock.now()
    if name_in_use(s, clean["name"]):
        raise FormError(NAME_TAKEN, field="name")
    team = Team(**clean, created_at=now)
    s.add(team)
    s.flush()
    if by is not None:
        audit.record(s, by.id, TEAM_CREATED, team_id=team.id, detail=f"team {team.id}", now=now)
    return team


def name_in_use(s: Session, name: str, but: int | None = None) -> bool:
    """Whether another team (not `but`) has this name, whatever its capitals."""
    # Compared here rather than by the database's lower(), which on SQLite knows only ASCII;
    # a service has tens of teams, not thousands.
    others = s.scalars(select(Team.name).where(Team.id != (but or 0)))
    return any(other.casefold() == name.casefold() for other in others)


# ---- members ---------------------------------------------------------------------------------


def members(s: Session, team: Team) -> list[tuple[Membership, Staff]]:
    rows = s.execute(
        select(Membership, Staff)
        .join(Staff, Staff.id == Membership.staff_id)
        .where(Membership.team_id == team.id)
        .order_by(Staff.name, Staff.id)
    ).all()
    return [(m, st) for m, st in rows]


def membership(s: Session, team: Team, staff_id: int) -> Membership | None:
    return s.scalar(
        select(Membership).where(Membership.team_id == team.id, Membership.staff_id == staff_id)
    )


def check_new_member(
    email: str, role: str, errors: Errors, name: str = ""
) -> tuple[str, str, str] | None:
    """The email address (normalised), role and name (for a new account) to add, or None with
    errors beside the fields. Whether a name is needed is known only once the address is looked
    up (`add_member`)."""
    address = None
    errors.check_text("email", email, "The email address", verb="used")
    try:
        address = normalise_email(email)
    except ContactError:
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.nhs.uk"
            if email
            else "Enter the email address of the person to add",
        )
    errors.check_text("name", name, "Their name", verb="used")
    if len(name) > NAME_MAX:
        errors.add("name", f"The name must be {NAME_MAX} characters or fewer")
    if role not in ROLES:
        errors.add("role", "Select a role")
    return None if errors or address is None else (address, role, name)


def add_member(
    s: Session,
    by: Staff,
    team: Team,
    address: str,
    role: str,
    name: str = "",
    now: datetime | None = None,
) -> bool:
    """Add the staff account with this (normalised) email address to the team; audited. With no
    such account, a service administrator makes one (`name` needed) and the new member is
    emailed a link to set it up. True if an account was made. The caller commits."""
    now = now or clock.now()
    staff = accounts.find_by_email(s, address)
    made = staff is None
    if staff is None:
        staff = _new_account(s, by, team, address, role, name, now)
    elif membership(s, team, staff.id) is not None:
        raise FormError("This person is already a member of the team")
    s.add(Membership(staff_id=staff.id, team_id=team.id, role=role, created_at=now))
    audit.record(
        s,
        by.id,
        MEMBER_ADDED,
        team_id=team.id,
        detail=f"staff {staff.id} as {role}",
        now=now,
    )
    return made


def _new_account(
    s: Session, by: Staff, team: Team, address: str, role: str, name: str, now: datetime
) -> Staff:
    if not by.is_service_admin:
        raise FormError(
            "There is no staff account with this email address. "
            "Ask a service administrator to create one"
        )
    if not name:
        raise FormError(
            "Enter their name. There is no staff account with this email address yet, "
            "so one will be made",
            field="name",
        )
    try:
        # No password and no authenticator: the member chooses both from the emailed link.
        staff = accounts.create_staff(s, accounts.NewStaff(name=name, email=address), now)
    except accounts.AccountError as exc:  # an account made for the address meanwhile
        raise FormError(str(exc)) from exc
    audit.record(s, by.id, STAFF_CREATED, team_id=team.id, detail=f"staff {staff.id}", now=now)
    member_reset.send_set_up_link(
        s, staff, team, "staff_welcome", member_reset.NEW_ACCOUNT_LIFETIME, now
    )
    return staff


def change_role(
    s: Session, by: Staff, team: Team, staff_id: int, role: str, now: datetime | None = None
) -> None:
    """Change a member's role (the caller commits). Raises NotFound if they are not a member."""
    found = membership(s, team, staff_id)
    if found is None:
        raise NotFound(staff_id)
    if role not in ROLES:
        raise FormError("Select a role", field="role")
    if found.role == role:
        return
    if found.role == TEAM_ADMIN:
        _keep_an_admin(s, team, found)
    found.role = role
    audit.record(
        s,
        by.id,
        MEMBER_ROLE_CHANGED,
        team_id=team.id,
        detail=f"staff {staff_id} to {role}",
        now=now,
    )


def remove_member(
    s: Session, by: Staff, team: Team, staff_id: int, now: datetime | None = None
) -> None:
    """Take a member out of the team (the caller commits). Their access ends with it."""
    found = membership(s, team, staff_id)
    if found is None:
        raise NotFound(staff_id)
    if found.role == TEAM_ADMIN:
        _keep_an_admin(s, team, found)
    s.delete(found)
    audit.record(s, by.id, MEMBER_REMOVED, team_id=team.id, detail=f"staff {staff_id}", now=now)


def _keep_an_admin(s: Session, team: Team, leaving: Membership) -> None:
    others = s.scalar(
        select(Membership.id).where(
            Membership.team_id == team.id,
            Membership.role == TEAM_ADMIN,
            Membership.id != leaving.id,
        )
    )
    if others is None:
        raise FormError(
            "A team needs at least one administrator. Make someone else an administrator first"
        )


# ---- the team's changes, as its page shows them ---------------------------------------------

CHANGES_SHOWN = 20
# The member a change was about, and the role given, as `add_member` and the others write them.
_ABOUT = re.compile(r"staff (\d+)(?: (?:as|to) (\w+))?")


@dataclass(frozen=True)
class Change:
    at: datetime
    by: str
    what: str


def recent_changes(s: Session, team: Team) -> list[Change]:
    """The latest changes administrators made to the team and its members, newest first."""
    rows = s.scalars(
        select(StaffAccess)
        .where(
            StaffAccess.team_id == team.id,
            StaffAccess.patient_id.is_(None),
            StaffAccess.action.in_(audit.FOR_ADMIN),
        )
        .order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
        .limit(CHANGES_SHOWN)
    ).all()
    about = {row.id: _ABOUT.match(row.detail or "") for row in rows}
    ids = {int(found.group(1)) for found in about.values() if found}
    names = dict(s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())
    changes = []
    for row in rows:
        found = about[row.id]
        person = names.get(int(found.group(1)), "a member") if found else "a member"
        role = ROLE_LABELS.get(found.group(2) or "", "") if found else ""
        what = audit.FOR_ADMIN[row.action].format(person=person, role=role.lower())
        changes.append(Change(at=row.at, by=row.staff.name, what=what))
    return changes

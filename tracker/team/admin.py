"""What team administrators keep: the team's contact details, its notifications and its members.

Every change is audited (who, what, when), naming the fields or roles changed but never the
values typed: the audit trail says that the phone number changed, not what it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.contact_requests.due import DEFAULT_RESPONSE_DAYS, RESPONSE_DAYS_MAX
from tracker.forms import Errors, parse_int
from tracker.patients.contact import ContactError, normalise_email, normalise_phone
from tracker.team import audit
from tracker.team.access import NotFound
from tracker.team.models import (
    MEMBER_ADDED,
    MEMBER_REMOVED,
    MEMBER_ROLE_CHANGED,
    ROLES,
    TEAM_ADMIN,
    TEAM_DETAILS_CHANGED,
    Membership,
    Staff,
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


def update_team(
    s: Session, staff: Staff, team: Team, clean: Mapping, now: datetime | None = None
) -> list[str]:
    """Save the team's details; returns the names of the fields changed (the caller commits)."""
    changed = [k for k, v in clean.items() if (getattr(team, k) or None) != (v or None)]
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


# ---- members ---------------------------------------------------------------------------------


class MemberError(ValueError):
    """A message for the team administrator, about one field of the form."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


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


def check_new_member(email: str, role: str, errors: Errors) -> tuple[str, str] | None:
    """The email address (normalised) and role to add, or None with errors beside the fields."""
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
    if role not in ROLES:
        errors.add("role", "Select a role")
    return None if errors or address is None else (address, role)


def add_member(
    s: Session, by: Staff, team: Team, address: str, role: str, now: datetime | None = None
) -> Membership:
    """Add an existing staff account (by its normalised email) to the team. The caller commits."""
    staff = s.scalar(select(Staff).where(Staff.email == address))
    if staff is None:
        raise MemberError(
            "There is no staff account with this email address. "
            "Ask a service administrator to create one"
        )
    if membership(s, team, staff.id) is not None:
        raise MemberError("This person is already a member of the team")
    added = Membership(staff_id=staff.id, team_id=team.id, role=role, created_at=now or clock.now())
    s.add(added)
    audit.record(
        s,
        by.id,
        MEMBER_ADDED,
        team_id=team.id,
        detail=f"staff {staff.id} as {role}",
        now=now,
    )
    return added


def change_role(
    s: Session, by: Staff, team: Team, staff_id: int, role: str, now: datetime | None = None
) -> None:
    """Change a member's role (the caller commits). Raises NotFound if they are not a member."""
    found = membership(s, team, staff_id)
    if found is None:
        raise NotFound(staff_id)
    if role not in ROLES:
        raise MemberError("Select a role", field="role")
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
        raise MemberError(
            "A team needs at least one administrator. Make someone else an administrator first"
        )

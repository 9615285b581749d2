"""Reading and checking the sign-in, sign-up and password forms. Pure: no database, no request.

Like the diary's forms these pages are built from design-system macros, so checking is plain
functions that fill an `Errors` (field id -> message, in page order). Passwords are never put
back into a page, so they are kept apart from the values that are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tracker.auth.passwords import password_problem
from tracker.forms import Errors, parse_id
from tracker.patients.contact import ContactError, normalise_email, normalise_mobile

NAME_MAX = 200  # the width of Patient.name


def lookup_email(raw: str) -> str:
    """The form of a typed email that accounts are stored and throttled under."""
    try:
        return normalise_email(raw)
    except ContactError:
        # Not a valid address, so no account has it; still count attempts under one spelling.
        return (raw or "").strip().lower()


@dataclass
class SignInValues:
    """What was typed on the sign-in page. The password is never shown again."""

    email: str
    password: str


def read_sign_in(form: Mapping[str, str], errors: Errors) -> SignInValues:
    """Read the sign-in form; add an error for each empty field."""
    values = SignInValues(
        email=(form.get("email") or "").strip(), password=form.get("password") or ""
    )
    # Looked up, never saved; but PostgreSQL refuses NUL even in a query's parameters.
    errors.check_text("email", values.email, "Your email address", verb="used")
    if not values.email:
        errors.add("email", "Enter your email address")
    if not values.password:
        errors.add("password", "Enter your password")
    return values


def check_new_password(
    password: str,
    confirm: str,
    errors: Errors,
    field: str = "password",
    confirm_field: str = "confirm-password",
) -> str | None:
    """The new password if it meets the rules and both copies match; None with errors if not."""
    problem = "Enter a password" if not password else password_problem(password)
    if problem:
        errors.add(field, problem)
    if not confirm:
        errors.add(confirm_field, "Enter the password again")
    elif not problem and confirm != password:
        errors.add(confirm_field, "The passwords do not match. Type the same password twice")
    return None if problem or confirm != password else password


@dataclass
class AccountValues:
    """What was typed on the sign-up form, kept to show again (never the passwords)."""

    team: str = ""
    name: str = ""
    email: str = ""
    mobile: str = ""
    email_reminders: bool = False
    sms_reminders: bool = False


@dataclass
class NewAccount:
    """A checked sign-up, ready to become a Patient."""

    team_id: int
    name: str
    email: str
    mobile: str | None
    password: str
    email_reminders: bool
    sms_reminders: bool


def read_account(form) -> AccountValues:
    """What was typed on the sign-up form. `form` is a MultiDict (the reminder boxes repeat)."""
    reminders = set(form.getlist("reminders"))
    return AccountValues(
        team=(form.get("team") or "").strip(),
        name=(form.get("name") or "").strip(),
        email=(form.get("email") or "").strip(),
        mobile=(form.get("mobile") or "").strip(),
        email_reminders="email" in reminders,
        sms_reminders="sms" in reminders,
    )


def check_account(
    values: AccountValues,
    password: str,
    confirm: str,
    errors: Errors,
    team_ids: set[int],
    email_taken: Callable[[str], bool],
) -> NewAccount | None:
    """Check every field, adding errors in page order; the account if all is well."""
    team_id = parse_id(values.team)
    if team_id not in team_ids:
        errors.add("team", "Select your treating team")

    errors.check_text("name", values.name, "Your name")
    errors.check_text("email", values.email, "Your email address")
    errors.check_text("mobile", values.mobile, "Your mobile number")
    if not values.name:
        errors.add("name", "Enter your name")
    elif len(values.name) > NAME_MAX:
        errors.add("name", f"Your name must be {NAME_MAX} characters or fewer")

    email = None
    try:
        email = normalise_email(values.email)
    except ContactError as exc:
        errors.add("email", str(exc))
    if email is not None and email_taken(email):
        errors.add(
            "email",
            "There is already an account with this email address. Sign in instead, "
            "or use another email address",
        )

    mobile = None
    try:
        mobile = normalise_mobile(values.mobile)
        if mobile is None and values.sms_reminders:
            errors.add(
                "mobile",
                "Enter your mobile number to get text reminders, or untick 'Text me reminders'",
            )
    except ContactError as exc:
        errors.add("mobile", str(exc))

    new_password = check_new_password(password, confirm, errors)
    if errors or team_id is None or email is None or new_password is None:
        return None
    return NewAccount(
        team_id=team_id,
        name=values.name,
        email=email,
        mobile=mobile,
        password=new_password,
        email_reminders=values.email_reminders,
        sms_reminders=values.sms_reminders,
    )

"""Message text, rendered from templates/messages/: email (subject, text, HTML) and SMS.

Emails name the treating team first (name, phone, hours, out of hours), then a short list of
support. Texts carry no health detail at all (rules §4): they are checked against the banned
words of `sms_words`, must be GSM and at most two segments. Parts that come from the database
(the team's name, hours, out-of-hours advice) are dropped, most expendable first, when they
would break one of those rules; the team's phone number and the diary's link always stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from jinja2 import Environment, StrictUndefined
from sqlalchemy.orm import Session

from tracker import config
from tracker.alerts import wording
from tracker.notify import gsm, sms_words
from tracker.notify.models import SMS
from tracker.support.services import for_urgency, short_list_text

GENERIC_OUT_OF_HOURS = "Out of hours, call 111."
# Longest team name a text will carry: a longer one is left out (the phone number stays).
SMS_NAME_MAX = 60


class MessageTooLong(ValueError):
    """No variant of a text fits two GSM segments without health words (a template bug)."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Team:
    """A treating team's contact details, as plain values."""

    name: str
    hospital: str
    phone: str
    hours: str
    out_of_hours: str

    @classmethod
    def of(cls, team) -> Team:
        return cls(team.name, team.hospital, team.phone, team.hours, team.out_of_hours)


@dataclass(frozen=True)
class Links:
    """Absolute links into the service, for messages read outside it."""

    base: str
    diary: str
    support: str
    preferences: str
    sign_in: str
    team_queue: str


def links(app: Flask | None = None) -> Links:
    """The service's links under TRACKER_PUBLIC_URL (works outside a request)."""
    app = app or current_app._get_current_object()
    public = config.of(app).web.public_url
    parts = urlsplit(public)
    origin = f"{parts.scheme}://{parts.netloc}"
    # A request context on the public address: url_for then honours a path prefix in it.
    with app.test_request_context("/", base_url=public + "/"):
        return Links(
            base=origin,
            diary=origin + url_for("diary.home"),
            support=origin + url_for("support.index"),
            preferences=origin + url_for("patients.contact_preferences"),
            sign_in=origin + url_for("auth.sign_in"),
            team_queue=origin + _team_queue_path(app),
        )


def _team_queue_path(app: Flask) -> str:
    # The team workspace is another module's; its queue's endpoint may move.
    for endpoint in ("team.queue", "team.index"):
        if endpoint in app.view_functions:
            return url_for(endpoint)
    return "/team/"


def _text_env(app: Flask, sms: bool = False) -> Environment:
    """The app's templates without HTML escaping, for subjects and plain text; for SMS, also
    without trimming after block tags (a text is one line: its newlines become spaces)."""
    key = "notify_sms_env" if sms else "notify_text_env"
    env = app.extensions.get(key)
    if env is None:
        options = {"trim_blocks": False, "lstrip_blocks": False} if sms else {}
        env = app.jinja_env.overlay(autoescape=False, undefined=StrictUndefined, **options)
        app.extensions[key] = env
    return env


def _sentence(text: str | None) -> str | None:
    if text and text[-1] not in ".!?":
        return text + "."
    return text


def _tidy(text: str) -> str:
    """Plain-text email: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"


def render_email(kind: str, context: dict, app: Flask | None = None) -> Rendered:
    """messages/<kind>/subject.txt, body.txt and body.html with `context`."""
    app = app or current_app._get_current_object()
    text_env = _text_env(app)
    public = config.of(app).web.public_url
    with app.test_request_context("/", base_url=public + "/"):
        subject = " ".join(
            text_env.get_template(f"messages/{kind}/subject.txt").render(**context).split()
        )
        text = _tidy(text_env.get_template(f"messages/{kind}/body.txt").render(**context))
        html = app.jinja_env.get_template(f"messages/{kind}/body.html").render(**context)
    return Rendered(subject=subject, text=text, html=html)


@dataclass(frozen=True)
class SmsParts:
    """What a text may say about the team, each part already made GSM and checked."""

    name: str | None
    phone: str
    hours: str | None
    out_of_hours: str | None


def sms_parts(team: Team) -> SmsParts:
    """The team's details fit for a text: a part with a health word, or too long, is left out."""

    def safe(value: str, limit: int) -> str | None:
        value = gsm.plain(value or "")
        return value if value and len(value) <= limit and sms_words.is_clean(value) else None

    phone = gsm.plain(team.phone)
    if not sms_words.is_clean(phone):  # a "phone" with words in it: keep the digits only
        phone = "".join(c for c in phone if c.isdigit() or c in "+ ")
    return SmsParts(
        name=safe(team.name, SMS_NAME_MAX),
        phone=phone,
        hours=safe(team.hours, 60),
        out_of_hours=safe(team.out_of_hours, 90),
    )


# Tried in order until one fits: the first that is GSM, two segments or fewer, and clean.
_SMS_VARIANTS = (
    {"show_name": True, "show_hours": True, "team_ooh": True, "show_support": True},
    {"show_name": True, "show_hours": True, "team_ooh": False, "show_support": True},
    {"show_name": True, "show_hours": False, "team_ooh": False, "show_support": True},
    {"show_name": False, "show_hours": False, "team_ooh": False, "show_support": True},
    {"show_name": False, "show_hours": False, "team_ooh": False, "show_support": False},
)


def render_sms(template: str, team: Team, context: dict, app: Flask | None = None) -> Rendered:
    """messages/<template> as a text, in the first variant that fits the rules for texts."""
    app = app or current_app._get_current_object()
    env = _text_env(app, sms=True)
    parts = sms_parts(team)
    compiled = env.get_template(f"messages/{template}")
    for variant in _SMS_VARIANTS:
        ooh = parts.out_of_hours if variant["team_ooh"] else None
        text = " ".join(
            compiled.render(
                **context,
                team_name=parts.name if variant["show_name"] else None,
                phone=parts.phone,
                hours=parts.hours if variant["show_hours"] else None,
                out_of_hours=_sentence(ooh) or GENERIC_OUT_OF_HOURS,
                show_support=variant["show_support"],
            ).split()
        )
        if gsm.fits(text) and sms_words.is_clean(text):
            return Rendered(subject=None, text=text)
    raise MessageTooLong(template)


# ---- each kind -------------------------------------------------------------------------------


def prompt(
    s: Session, channel: str, team: Team, urgency: str, app: Flask | None = None
) -> Rendered:
    """A prompt about an alert of `urgency`: contact the team (rules §4). Names no symptom."""
    app = app or current_app._get_current_object()
    link = links(app)
    context = {
        "urgency": urgency,
        "heading": wording.heading(urgency),
        "team": team,
        "links": link,
    }
    if channel == SMS:
        return render_sms("prompt/sms.txt", team, context, app)
    # The same support as the page after a save: none beside 999, helplines on the same day.
    services = for_urgency(urgency, session=s)
    context["support_services"] = services
    listed = urgency == "soon" or services
    context["support_text"] = short_list_text(services, link.base) if listed else ""
    return render_email("prompt", context, app)


def reminder(
    channel: str, team: Team, cadence: str, check_in: bool, app: Flask | None = None
) -> Rendered:
    """A diary reminder (rules §4a), with the check-in question when one is due."""
    app = app or current_app._get_current_object()
    context = {"team": team, "links": links(app), "cadence": cadence, "check_in": check_in}
    if channel == SMS:
        return render_sms("reminder/sms.txt", team, context, app)
    return render_email("reminder", context, app)


def lifetime_words(lifetime: timedelta) -> str:
    """A link's lifetime as people say it: "14 days", "1 day", "12 hours"."""
    hours = int(lifetime.total_seconds() // 3600)
    if hours >= 24 and hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(hours, 1)  # a lifetime under an hour is a test's, not a patient's
    return f"{hours} hour{'s' if hours != 1 else ''}"


def invitation(channel: str, team: Team, link: str, app: Flask | None = None) -> Rendered:
    """The sign-up link for a patient a clinician enrolled."""
    app = app or current_app._get_current_object()
    lifetime = lifetime_words(config.of(app).web.invitation_lifetime)
    context = {"team": team, "links": links(app), "invitation_link": link, "lifetime": lifetime}
    if channel == SMS:
        return render_sms("invitation/sms.txt", team, context, app)
    return render_email("invitation", context, app)


def account_notice(app: Flask | None = None) -> Rendered:
    """To an address that already has an account: someone tried to sign up with it."""
    app = app or current_app._get_current_object()
    return render_email("account_notice", {"links": links(app)}, app)


# What an account message can be (its outbox `variant`, and its folder under messages/). Each
# is about the account only: none names the diary's purpose or anything about health.
ACCOUNT_MESSAGES = (
    "reset_link",  # "Forgotten your password?": the link, by email
    "reset_code",  # the same by text: a 6-digit code
    "password_changed",  # told by the other channel after a reset
    "sign_in_link",  # the treating team made a new sign-in link
    "email_confirm",  # to a new address: follow the link to make it the sign-in address
    "email_change_asked",  # to the old address: a new one was asked for
    "email_in_use",  # to an address that already has an account: someone tried to use it
    "staff_reset",  # to a member of staff: set a password and an authenticator again
    "staff_welcome",  # to a new member of staff: set a password and an authenticator
)


def account_message(
    variant: str, channel: str, team: Team, context: dict, app: Flask | None = None
) -> Rendered:
    """An email or a text about the account itself (`ACCOUNT_MESSAGES`)."""
    if variant not in ACCOUNT_MESSAGES:
        raise ValueError(variant)
    app = app or current_app._get_current_object()
    context = {"team": team, "links": links(app), **context}
    if channel == SMS:
        return render_sms(f"{variant}/sms.txt", team, context, app)
    return render_email(variant, context, app)


def team_notice(kind: str, count: int, link: str, app: Flask | None = None) -> Rendered:
    """An email to a team: how many alerts, and the link to the queue. Nothing about anyone."""
    app = app or current_app._get_current_object()
    return render_email("team_notice", {"notice": kind, "count": count, "queue_link": link}, app)


# What a contact request's message can be (its outbox `variant`): "your team has your request",
# and "your team has recorded what they did" (issue 21).
CONTACT_REQUEST_MESSAGES = ("received", "closed")


def contact_request(
    variant: str, channel: str, team: Team, context: dict, app: Flask | None = None
) -> Rendered:
    """About a request to be contacted: received (`made`, `due_on`), or closed
    (`outcome_words`, by email only: a text says only that the team recorded something)."""
    if variant not in CONTACT_REQUEST_MESSAGES:
        raise ValueError(variant)
    app = app or current_app._get_current_object()
    context = {"team": team, "links": links(app), "variant": variant, **context}
    if channel == SMS:
        return render_sms("contact_request/sms.txt", team, context, app)
    return render_email("contact_request", context, app)


REPLIES = ("help", "start", "done", "call", "other")


def reply(
    which: str, team: Team, context: dict | None = None, app: Flask | None = None
) -> Rendered:
    """An automatic answer to a text: help, start, done, call (with the request's `made` and
    `due_on`) or other."""
    if which not in REPLIES:
        raise ValueError(which)
    app = app or current_app._get_current_object()
    return render_sms(f"reply/{which}.txt", team, {"links": links(app), **(context or {})}, app)

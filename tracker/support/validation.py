"""Checking a support service's details. Pure: strings in, clean values (or messages) out.

The same checks serve the CSV import (each message becomes a row's reason) and, later, the
administrators' forms (each message is shown beside its field: the keys are the field ids).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from tracker.forms import Errors, has_hidden_character, hidden_character_message
from tracker.patients.contact import ContactError, normalise_email, normalise_phone
from tracker.support.postcodes import PostcodeError, parse_area_code

# The kinds of service, in the order the search page lists them: (code, label).
KINDS: tuple[tuple[str, str], ...] = (
    ("helpline", "Helpline"),
    ("hospice", "Hospice"),
    ("palliative_care", "Palliative care"),
    ("support_group", "Support group"),
    ("psychological", "Psychological support"),
    ("carers", "Carers and family"),
    ("practical", "Practical and financial help"),
)
KIND_CODES = tuple(code for code, _ in KINDS)
KIND_LABELS = dict(KINDS)

NATIONWIDE = "nationwide"

NAME_MAX = 200
DESCRIPTION_MAX = 1000
HOURS_MAX = 300
SOURCE_MAX = 300
URL_MAX = 500
TAG_MAX = 40
TAGS_MAX = 12
AREAS_MAX = 200

# The field ids, in the order a form (and the CSV file) has them.
FIELDS = (
    "name",
    "kind",
    "description",
    "phone",
    "website",
    "email",
    "opening_hours",
    "areas",
    "tags",
    "last_checked",
    "needs_check",
    "source",
)

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True, slots=True)
class ServiceData:
    """A support service's details, checked and normalised."""

    name: str
    kind: str
    description: str
    phone: str | None
    website: str | None
    email: str | None
    opening_hours: str | None
    nationwide: bool
    areas: tuple[str, ...]
    tags: tuple[str, ...]
    last_checked: date | None
    needs_check: bool
    source: str | None

    def as_record(self) -> dict:
        """Plain values (lists, ISO dates) for the audit trail and comparisons."""
        record = asdict(self)
        record["areas"] = list(self.areas)
        record["tags"] = list(self.tags)
        record["last_checked"] = self.last_checked.isoformat() if self.last_checked else None
        return record


def clean_service(raw: Mapping[str, str | None], today: date) -> tuple[ServiceData | None, Errors]:
    """Check every field; return the clean details, or None and a message per bad field."""
    errors = Errors()
    for f in FIELDS:
        # Tabs and line breaks are only white space here (_text makes them one space); any other
        # control character is refused, never quietly dropped: the admin should see what was
        # wrong in what they pasted. First, so that its message is the one shown.
        if has_hidden_character(raw.get(f), multiline=True):
            errors.add(f, hidden_character_message("This"))
    value = {f: _text(raw.get(f)) for f in FIELDS}

    name = _required_text(value["name"], "name", "Enter the name of the service", NAME_MAX, errors)
    kind = _kind(value["kind"], errors)
    description = _required_text(
        value["description"],
        "description",
        "Enter a short description of what the service offers",
        DESCRIPTION_MAX,
        errors,
    )
    phone = _guard(normalise_phone, value["phone"], "phone", errors)
    website = _guard(normalise_url, value["website"], "website", errors)
    email = None
    if value["email"]:
        try:
            email = normalise_email(value["email"])
        except ContactError as exc:
            errors.add("email", str(exc))
    hours = _optional_text(value["opening_hours"], "opening_hours", HOURS_MAX, errors)
    if not (value["phone"] or value["website"] or value["email"]):
        errors.add(
            "phone", "Enter at least one way to get in touch: a phone number, website or email"
        )
    areas = _guard(parse_areas, value["areas"], "areas", errors)
    tags = _guard(parse_tags, value["tags"], "tags", errors)
    last_checked = _guard(
        lambda v: parse_checked_date(v, today), value["last_checked"], "last_checked", errors
    )
    needs_check = _guard(parse_yes_no, value["needs_check"], "needs_check", errors)
    source = _optional_text(value["source"], "source", SOURCE_MAX, errors)

    if errors:
        return None, errors
    nationwide, codes = areas
    return (
        ServiceData(
            name=name,
            kind=kind,
            description=description,
            phone=phone,
            website=website,
            email=email,
            opening_hours=hours,
            nationwide=nationwide,
            areas=codes,
            tags=tags,
            last_checked=last_checked,
            needs_check=needs_check,
            source=source,
        ),
        errors,
    )


def normalise_url(raw: str) -> str | None:
    """A web address starting with http:// or https://, or None if left blank."""
    raw = _text(raw)
    if not raw:
        return None
    if len(raw) > URL_MAX:
        raise ValueError(f"The website address must be {URL_MAX} characters or fewer")
    parts = urlsplit(raw)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("Enter a website address that starts with https:// or http://")
    if (
        " " in raw
        or "\\" in raw
        or parts.username
        or parts.password
        or "." not in host
        or not re.fullmatch(r"[a-z0-9.-]+", host)
        or host.startswith(".")
        or host.endswith(".")
    ):
        raise ValueError("Enter a website address in the correct format, like https://www.nhs.uk")
    return raw


def parse_areas(raw: str) -> tuple[bool, tuple[str, ...]]:
    """(nationwide, area codes): "nationwide", or postcode areas and districts like "LS, LS6"."""
    tokens = [t for t in re.split(r"[,;\s]+", _text(raw)) if t]
    if not tokens:
        raise ValueError("Enter the areas served, like LS or LS6, or the word nationwide")
    if any(t.lower() == NATIONWIDE for t in tokens):
        if len(tokens) > 1:
            raise ValueError("A nationwide service serves every area: leave out the other areas")
        return True, ()
    codes: list[str] = []
    for token in tokens:
        try:
            code = parse_area_code(token)
        except PostcodeError as exc:
            raise ValueError(str(exc)) from exc
        if code not in codes:
            codes.append(code)
    if len(codes) > AREAS_MAX:
        raise ValueError(f"List at most {AREAS_MAX} areas")
    return False, tuple(sorted(codes))


def format_areas(nationwide: bool, codes: tuple[str, ...] | list[str]) -> str:
    return NATIONWIDE if nationwide else ", ".join(codes)


def parse_tags(raw: str) -> tuple[str, ...]:
    """Tags separated by semicolons or commas, lower-cased, each once."""
    tags: list[str] = []
    for part in re.split(r"[;,]", _text(raw)):
        tag = re.sub(r"\s+", " ", part).strip().lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValueError(f"Each tag must be {TAG_MAX} characters or fewer")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ValueError(f"Give at most {TAGS_MAX} tags")
    return tuple(tags)


def format_tags(tags: tuple[str, ...] | list[str]) -> str:
    return "; ".join(tags)


def parse_checked_date(raw: str, today: date) -> date | None:
    """The date the details were last checked: 2026-11-21 or 21/11/2026; blank for never."""
    raw = _text(raw)
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if day > today:
            raise ValueError("The date last checked must be today or in the past")
        return day
    raise ValueError(
        "Enter the date last checked like 2026-11-21 (or 21/11/2026), or leave it blank"
    )


def parse_yes_no(raw: str) -> bool:
    text = _text(raw).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("Enter yes or no")


def _text(raw: str | None) -> str:
    """Trimmed, with runs of white space (tabs and line breaks too) made one space."""
    return re.sub(r"\s+", " ", raw or "").strip()


def _required_text(text: str, field_id: str, missing: str, limit: int, errors: Errors) -> str:
    if not text:
        errors.add(field_id, missing)
    return _optional_text(text, field_id, limit, errors) or ""


def _optional_text(text: str, field_id: str, limit: int, errors: Errors) -> str | None:
    if len(text) > limit:
        errors.add(field_id, f"This must be {limit} characters or fewer")
    return text or None


def _kind(text: str, errors: Errors) -> str:
    wanted = text.lower().replace(" ", "_")
    for code, label in KINDS:
        if wanted in (code, label.lower().replace(" ", "_")):
            return code
    errors.add("kind", "Choose a kind of service: " + ", ".join(label for _, label in KINDS))
    return ""


def _guard(check, text: str, field_id: str, errors: Errors):
    try:
        return check(text)
    except ValueError as exc:
        errors.add(field_id, str(exc))
        return None

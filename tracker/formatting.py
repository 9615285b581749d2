"""Template filters: dates and labels as patients read them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from tracker.patients.contact import display_phone, tel_href
from tracker.rules import load_rules


def long_date(value: date | None) -> str:
    """For example "Monday 9 November 2026"."""
    if value is None:
        return ""
    return f"{value:%A} {value.day} {value:%B %Y}"


def time_of_day(value: datetime, timezone: str) -> str:
    """A moment's time in `timezone`, as people say it: "9:02am", "5:40pm"."""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def short_date(value: date | None) -> str:
    """For example "9 Nov"."""
    if value is None:
        return ""
    return f"{value.day} {value:%b}"


def symptom_label(code: str | None) -> str:
    """The words a symptom is chosen by, for a list of choices."""
    if code is None:
        return ""
    rules = load_rules()
    return rules.symptom(code).label if rules.is_known(code) else code


def symptom_name(code: str | None) -> str:
    """A symptom's short name, for a sentence, a history or a chart."""
    if code is None:
        return ""
    rules = load_rules()
    return rules.symptom(code).name if rules.is_known(code) else code


def entry_label(entry, lower: bool = False) -> str:
    """What the patient calls an entry's symptom: a named `something else`'s own name, or the
    symptom's short name. `lower` for the middle of a sentence: a short name's first letter in
    lower case, the patient's own name as typed."""
    if entry.name:
        return entry.name
    label = symptom_name(entry.symptom_code)
    return label[:1].lower() + label[1:] if lower else label


def lower_first(text: str) -> str:
    """A label as the middle of a sentence or a list: "A fit" becomes "a fit"."""
    return text[:1].lower() + text[1:]


def phone_link(stored: str | None) -> Markup:
    """A stored number as a tel: link, formatted; a value that is not a number, as typed."""
    href = tel_href(stored)
    shown = escape(display_phone(stored))
    # Markup.format escapes both values; href is built from digits and "+" only.
    return Markup('<a href="{}">{}</a>').format(href, shown) if href else shown


def init_app(app: Flask) -> None:
    app.add_template_filter(lower_first)
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(phone_link)
    app.add_template_filter(entry_label)
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(time_of_day)
    app.add_template_filter(symptom_label)
    app.add_template_filter(symptom_name)

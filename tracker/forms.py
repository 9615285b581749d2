"""Form plumbing every page shares: errors keyed by field id, and rendering a form with them.

Pages are built from the design system's macros, so errors are plain data: a field id (for the
error summary's link and the message beside the field) and a message in the patient's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import render_template

from tracker.db import ID_MAX


class FieldError(ValueError):
    """A message for the person filling in the form, about one field."""


# ---- characters no field may hold ------------------------------------------------------------

# Control characters (C0, DEL and C1) and lone surrogates. PostgreSQL cannot store NUL in text at
# all (the whole save fails), the others are invisible and mean nothing in what a person types,
# and a lone surrogate cannot even be encoded. Browsers never send a lone surrogate (they send
# U+FFFD instead, and Werkzeug decodes bad bytes the same way), but the check costs nothing.
# Tab, line feed and carriage return are how people lay out a note, so multi-line fields keep
# them; in a one-line field they are as hidden as the rest.
_HIDDEN = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_HIDDEN_IN_NOTES = re.compile(f"[{_HIDDEN}]")
_HIDDEN_IN_ONE_LINE = re.compile(rf"[{_HIDDEN}\t\n\r]")


def has_hidden_character(text: str | None, multiline: bool = False) -> bool:
    """True if `text` holds a character no field may keep (see _HIDDEN)."""
    pattern = _HIDDEN_IN_NOTES if multiline else _HIDDEN_IN_ONE_LINE
    return bool(text) and pattern.search(text) is not None


def hidden_character_message(what: str, verb: str = "saved") -> str:
    """What to say beside a field that holds one: `what` is its subject, "Your note"."""
    return (
        f"{what} contains a hidden character that cannot be {verb}. Remove it, or type it in again"
    )


def check_text(text: str, what: str, multiline: bool = False, verb: str = "saved") -> str:
    """`text` unchanged, or FieldError if it holds a character no field may keep.

    Every form checks each of its text fields with this (or `Errors.check_text`) before
    anything else about the field, so that the message says what is really wrong.
    """
    if has_hidden_character(text, multiline):
        raise FieldError(hidden_character_message(what, verb))
    return text


# ---- numbers ---------------------------------------------------------------------------------


def parse_int(raw: str | None, lowest: int, highest: int) -> int | None:
    """`raw` as a whole number from `lowest` to `highest`, or None.

    Only ASCII digits count: str.isdigit() also accepts "²" and "١", which int() then refuses
    or reads, and a number of any length would reach the database and overflow its column.
    """
    raw = (raw or "").strip()
    # One digit more than `highest` has is enough to tell "too big" without reading 5,000 of them.
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(highest)) + 1:
        return None
    number = int(raw)
    return number if lowest <= number <= highest else None


def parse_id(raw: str | None) -> int | None:
    """An id typed in a form or a query string (a team, a message), or None if it cannot be one."""
    return parse_int(raw, 1, ID_MAX)


@dataclass
class Errors:
    """Field id -> message, in page order, for the error summary and the fields."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

    def check_text(
        self, field_id: str, text: str, what: str, multiline: bool = False, verb: str = "saved"
    ) -> bool:
        """Add the hidden-character error for `field_id` if `text` holds one; True if it is fine.

        Call it before the field's other checks: the first error added for a field is the one
        shown.
        """
        if has_hidden_character(text, multiline):
            self.add(field_id, hidden_character_message(what, verb))
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.messages)

    def get(self, field_id: str) -> str | None:
        return self.messages.get(field_id)

    def summary(self) -> list[dict[str, str]]:
        return [{"text": m, "href": f"#{f}"} for f, m in self.messages.items()]


def render_form(template: str, errors: Errors, **context):
    """A form page: 400 and "Error:" in its title when it has errors, 200 otherwise."""
    page = render_template(template, errors=errors, form_has_errors=bool(errors), **context)
    return page, (400 if errors else 200)

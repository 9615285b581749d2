"""Form plumbing every page shares: errors keyed by field id, and rendering a form with them.

Pages are built from the design system's macros, so errors are plain data: a field id (for the
error summary's link and the message beside the field) and a message in the patient's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template


class FieldError(ValueError):
    """A message for the person filling in the form, about one field."""


@dataclass
class Errors:
    """Field id -> message, in page order, for the error summary and the fields."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

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

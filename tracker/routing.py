"""The one converter for numbers in URLs: an id, in ASCII digits, within its column's range.

It replaces Werkzeug's `int` converter for the whole app, so every `<int:…>` rule (and any
added later) gets it. Werkzeug's matches `\\d+`, which takes any Unicode digit ("١"), and reads
a number of any size, which then reaches the database: SQLite cannot bind 2**63 or more, and
PostgreSQL refuses anything above an INTEGER column's 2**31 - 1 with an error, so the page was
a 500. Here such a path matches no id and is answered 404, like an id that does not exist.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, Map, ValidationError

from tracker.db import ID_MAX
from tracker.forms import parse_int


class IdConverter(BaseConverter):
    """`<int:entry_id>`: 1 to ID_MAX in ASCII digits; anything else is not this route (404)."""

    regex = r"[0-9]+"
    weight = 50  # as Werkzeug's number converters: a rule with one sorts before a plain string

    def __init__(self, map: Map, max: int = ID_MAX) -> None:
        super().__init__(map)
        self.max = max

    def to_python(self, value: str) -> int:
        number = parse_int(value, 1, self.max)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: a rule takes its converters when it is added."""
    app.url_map.converters["int"] = IdConverter

"""Keep health detail out of logs.

Request paths can carry it (/diary/symptoms/bone_pain) and so can query strings (next=…), so the
access log keeps only the parts of a path that say nothing about a person's health.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

REDACTED = "[redacted]"
_QUERY = re.compile(r"\?[^\s\"]*")
_SYMPTOM_IN_PATH = re.compile(r"(/diary/symptoms/)[^/\s\"?]+")


def redact_request_line(text: str) -> str:
    """Drop query strings and the symptom part of diary paths from one log line."""
    text = _QUERY.sub("?" + REDACTED, text)
    return _SYMPTOM_IN_PATH.sub(r"\1" + REDACTED, text)


class RedactRequestLines(logging.Filter):
    """A filter for access loggers (Werkzeug's here; gunicorn's is configured in the README)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_request_line(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def init_app(app: Flask) -> None:
    access_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactRequestLines) for f in access_log.filters):
        access_log.addFilter(RedactRequestLines())

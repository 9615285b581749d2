"""Keep health detail and credentials out of logs.

Request paths can carry health detail (/diary/symptoms/bone_pain) or a credential (/join/<token>,
a live invitation link: whoever reads it can open the account; /account/reset/<token>, a
password reset; /account/email/<token>, a new address's confirmation), and so can query strings
(next=…), so the access log keeps only the parts of a path that are neither.
"""

from __future__ import annotations

import logging
import re
import traceback

from flask import Flask, has_request_context, request

REDACTED = "[redacted]"
_QUERY = re.compile(r"\?[^\s\"]*")
# The path segment after each of these is redacted: a symptom, or a link's token.
_SECRET_IN_PATH = re.compile(r"(/diary/symptoms/|/join/|/account/reset/|/account/email/)[^/\s\"?]+")


def redact_request_line(text: str) -> str:
    """Drop query strings, the symptom in diary paths and the token in links."""
    text = _QUERY.sub("?" + REDACTED, text)
    return _SECRET_IN_PATH.sub(r"\1" + REDACTED, text)


class RedactRequestLines(logging.Filter):
    """A filter for access loggers (Werkzeug's here; gunicorn's is configured in the README)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_request_line(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def init_app(app: Flask) -> None:
    _add_once(logging.getLogger("werkzeug"), RedactRequestLines)
    _add_once(app.logger, ScrubExceptionMessages)


def _add_once(logger: logging.Logger, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in logger.filters):
        logger.addFilter(kind())


WITHHELD = "[message withheld]"


def scrubbed_traceback(exc_info) -> str:
    """A traceback with every frame but no exception messages.

    Exception messages can carry data: a PostgreSQL integrity error names the duplicate value,
    a ValueError may quote its input. The type and the frames are enough to find the bug.
    """
    exc = exc_info[1]
    lines: list[str] = []
    for link in _chain(exc):
        frames = traceback.extract_tb(link.__traceback__)
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in traceback.format_list(frames))
        lines.append(f"{type(link).__module__}.{type(link).__qualname__}: {WITHHELD}")
    return "\n".join(lines)


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return list(reversed(seen))


class ScrubExceptionMessages(logging.Filter):
    """Log tracebacks without exception messages (see `scrubbed_traceback`), and a request's
    error under its route template rather than its path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrubbed_traceback(record.exc_info)
            # Flask logs "Exception on <path> [GET]": the path can carry a symptom or a token.
            if has_request_context() and str(record.msg).startswith("Exception on "):
                rule = request.url_rule.rule if request.url_rule is not None else "[unmatched]"
                record.msg, record.args = f"Exception on {rule} [{request.method}]", ()
        return True

"""Building services for the support tests."""

from __future__ import annotations

from datetime import date

from tracker.support.models import SupportService
from tracker.support.services import add_service
from tracker.support.validation import clean_service

TODAY = date(2026, 11, 21)


def raw_service(**overrides) -> dict[str, str]:
    """A valid service as a form or CSV row would give it (Ofcom drama numbers only)."""
    raw = {
        "name": "Leeds Example Group",
        "kind": "support_group",
        "description": "A group that meets to talk.",
        "phone": "0113 496 0001",
        "website": "https://group.example.org/",
        "email": "",
        "opening_hours": "Tuesdays, 2pm to 4pm",
        "areas": "LS6",
        "tags": "peer support",
        "last_checked": "2026-06-01",
        "needs_check": "no",
        "source": "Test",
    }
    raw.update(overrides)
    return raw


def make_service(s, actor: str = "test", today: date = TODAY, **overrides) -> SupportService:
    data, errors = clean_service(raw_service(**overrides), today)
    assert data is not None, errors.messages
    service = add_service(s, data, actor)
    s.commit()
    return service

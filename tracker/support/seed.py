"""The directory's starting data, and the demo's two example entries.

Only facts found in the project's source documents (shared/seeds/) are used, each marked as
needing a check with the service itself. Where a document does not name the organisation, we do
not name it either. The demo entries are labelled as examples and use Ofcom's numbers for drama,
which never reach a real person.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.support.models import SupportService
from tracker.support.services import add_service
from tracker.support.validation import clean_service

SEED_ACTOR = "cli:seed"
DEMO_ACTOR = "demo"

# Each entry's `source` says which seed document (and lines) every fact comes from.
SEED_SERVICES: tuple[dict[str, str], ...] = (
    {
        # Seed 000, lines 24, 26, 28, 30 and 35: a breast care nurse's reply on an online
        # "Ask Our Nurses" forum. The reply does not name the organisation behind the helpline.
        "name": "Breast care nurse helpline",
        "kind": "helpline",
        "description": (
            "A phone line for questions and worries about breast cancer, including secondary "
            "breast cancer. The team will listen, talk things through with you, and tell you "
            "about other support and information. Calls are private, and free from UK "
            "landlines and mobiles. You can also ask for one of their nurses to call you. "
            "If you use Relay UK, put 18001 before the number."
        ),
        "phone": "0808 800 6000",
        "opening_hours": (
            "Monday to Friday, 9am to 4pm. Saturday, 9am to 1pm. When it is closed, you can "
            "leave a message and they will call you back when they next open."
        ),
        "areas": "nationwide",
        "tags": "secondary breast cancer; recurrence; breast care nurses; free to call",
        "needs_check": "yes",
        "source": (
            "Seed 000 (lines 24 to 35): a breast care nurse's reply on an online forum. "
            "The organisation is not named there: confirm it, and every detail, with the service."
        ),
    },
)

DEMO_SERVICES: tuple[dict[str, str], ...] = (
    {
        "name": "Example service (demo): local support group",
        "kind": "support_group",
        "description": (
            "This is an example for the demo only. It is not a real service. A group that meets "
            "once a month to share how things are going, for anyone after breast cancer treatment."
        ),
        "phone": "0118 496 0456",
        "website": "https://support-group.demo.test/",
        "opening_hours": "Example only: first Tuesday of the month, 2pm to 4pm",
        "areas": "LS, BD1",
        "tags": "example; fear of recurrence; peer support",
        "needs_check": "no",
        "source": "Made up for the demo",
    },
    {
        "name": "Example service (demo): hospice",
        "kind": "hospice",
        "description": (
            "This is an example for the demo only. It is not a real service. A hospice offering "
            "help with symptoms, and support for patients and their families, at any stage."
        ),
        "phone": "0808 157 0123",
        "email": "hello@hospice.demo.test",
        "opening_hours": "Example only: every day, 8am to 8pm",
        "areas": "LS6, LS7",
        "tags": "example; palliative care; carers",
        "needs_check": "no",
        "source": "Made up for the demo",
    },
)


def load_seed(s: Session, today: date, actor: str = SEED_ACTOR) -> list[SupportService]:
    """Add the seed services that are not listed yet (by name); returns those added."""
    return _add_missing(s, SEED_SERVICES, today, actor)


def load_demo_directory(s: Session, today: date) -> list[SupportService]:
    """The seed services and the two example entries, for `flask demo`."""
    services = load_seed(s, today, DEMO_ACTOR)
    demo = [{**raw, "last_checked": today.isoformat()} for raw in DEMO_SERVICES]
    return services + _add_missing(s, demo, today, DEMO_ACTOR)


def _add_missing(
    s: Session, entries: tuple[dict[str, str], ...] | list[dict[str, str]], today: date, actor: str
) -> list[SupportService]:
    added = []
    for raw in entries:
        data, errors = clean_service(raw, today)
        if data is None:  # a programming error: the tests check every entry
            raise ValueError(f"bad seed entry {raw.get('name')!r}: {errors.messages}")
        listed = s.scalar(
            select(SupportService.id).where(
                func.lower(SupportService.name) == data.name.lower(),
                SupportService.retired_at.is_(None),
            )
        )
        if listed is None:
            added.append(add_service(s, data, actor))
    return added

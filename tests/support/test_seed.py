"""The starting data holds only facts from the source documents, in the project's own words."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from tests.support.helpers import TODAY
from tracker.config import PROJECT_ROOT
from tracker.support.models import SupportService
from tracker.support.seed import DEMO_SERVICES, SEED_SERVICES, load_seed
from tracker.support.services import history, stale
from tracker.support.validation import clean_service

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
# Ofcom keeps these for drama: they never reach a real person.
DRAMA_NUMBER = re.compile(r"^(0118 496 0\d{3}|0808 157 0\d{3}|0113 496 0\d{3}|020 7946 0\d{3})$")


@pytest.fixture(scope="module")
def seed_text() -> str:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        reason = f"the source documents are not at {SEEDS}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def digits_of_numbers(text: str) -> set[str]:
    """Every phone-number-like run in the text (digits with spaces or dashes), as digits only."""
    runs = re.findall(r"(?<![\d])(?:\+?\d[\d \-]{4,}\d)(?![\d])", text)
    return {re.sub(r"\D", "", r) for r in runs if len(re.sub(r"\D", "", r)) >= 6}


def test_every_seed_phone_number_is_in_the_source_documents(seed_text):
    in_seeds = digits_of_numbers(seed_text)
    assert "08088006000" in in_seeds  # the extraction works on the nurse helpline's number
    for entry in SEED_SERVICES:
        text = " ".join(entry.values())
        for number in digits_of_numbers(text):
            assert number in in_seeds, (entry["name"], number)
        assert entry.get("phone", "").replace(" ", "") in in_seeds | {""}


def test_every_seed_fact_is_marked_to_check_and_names_its_source(seed_text):
    for entry in SEED_SERVICES:
        data, errors = clean_service(entry, TODAY)
        assert data is not None, errors.messages
        assert data.needs_check and data.last_checked is None
        assert data.source.startswith("Seed 0")
        # The opening hours seed 000 gives (line 28), in our words.
        assert "9am - 4pm" in seed_text and "9am -1pm on Saturday" in seed_text
        assert data.opening_hours.startswith("Monday to Friday, 9am to 4pm. Saturday, 9am to 1pm.")


def test_demo_entries_are_labelled_and_use_drama_numbers_only():
    for entry in DEMO_SERVICES:
        data, errors = clean_service(entry, TODAY)
        assert data is not None, errors.messages
        assert data.name.startswith("Example service (demo)")
        assert "not a real service" in data.description
        assert DRAMA_NUMBER.match(data.phone), data.phone
        for address in (data.website or "", data.email or ""):
            assert address == "" or ".demo.test" in address


def test_seeding_twice_adds_once_and_the_seed_is_flagged_for_a_check(session):
    assert len(load_seed(session, TODAY)) == len(SEED_SERVICES)
    assert load_seed(session, TODAY) == []
    session.commit()
    helpline = session.scalar(select(SupportService))
    assert helpline.phone == "0808 800 6000" and helpline.nationwide
    assert [(c.actor, c.action) for c in history(session, helpline)] == [("cli:seed", "added")]
    assert helpline in stale(session, TODAY)  # never checked: shown to administrators


def test_the_demo_directory_has_the_seed_and_two_examples(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    names = session.scalars(select(SupportService.name).order_by(SupportService.id)).all()
    assert names == [
        "Breast care nurse helpline",
        "Example service (demo): local support group",
        "Example service (demo): hospice",
    ]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def _own_text() -> dict[str, str]:
    """The information pages' words (tags and template code removed) and the seed entries."""
    texts = {}
    for path in sorted((PROJECT_ROOT / "templates" / "support").rglob("*.html")):
        raw = re.sub(
            r"\{[%{#].*?[%}#]\}|<[^>]+>", " ", path.read_text(encoding="utf-8"), flags=re.S
        )
        texts[path.name] = raw
    for entry in (*SEED_SERVICES, *DEMO_SERVICES):
        texts[entry["name"]] = " ".join(entry.values())
    return texts


def test_nothing_is_copied_from_the_source_documents(seed_text):
    """No run of 10 words is shared with the seeds (the project's rule is 12: a margin)."""
    run = 10
    seed_words = _words(seed_text)
    copied = {tuple(seed_words[i : i + run]) for i in range(len(seed_words) - run + 1)}
    for name, text in _own_text().items():
        words = _words(text)
        for i in range(len(words) - run + 1):
            assert tuple(words[i : i + run]) not in copied, (name, " ".join(words[i : i + run]))

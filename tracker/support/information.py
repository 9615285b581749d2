"""The information pages: plain words, each drawn from named source documents (shared/seeds/).

Each page is a template in templates/support/information/. Its owner, its review dates and its
sources live here, so the pages show them the same way and the tests can check every page.
Patients are shown who owns the content and when it is next reviewed; the source documents are
kept here for the reviewers, not shown: none of them is an authority a patient should rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.rules.catalogue import Catalogue
from tracker.rules.data import NAMED_SYMPTOM
from tracker.rules.urgency import Urgency

# Who answers for what the pages say, and how often they are read again.
CONTENT_OWNER = "The clinical team that runs this service, led by its clinical safety officer"
REVIEW_EVERY = timedelta(days=365)

# The source documents, described as each describes itself.
SOURCES = {
    "000": "A breast care nurse's reply on an online “Ask Our Nurses” forum",
    "001": "A patient information page, “Secondary breast cancer” (it does not name its publisher)",
    "002": "“Secondary breast cancer explained”, a web page last updated in April 2020",
    "003": "“Breast Cancer Recurrence”, a course summary for GPs",
    "004": (
        "A web page about secondary breast cancer, which says its signs and symptoms come from "
        "patients' own experience, not from a medical source"
    ),
}


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    title: str
    summary: str
    last_reviewed: date
    sources: tuple[str, ...]  # keys of SOURCES

    @property
    def template(self) -> str:
        return f"support/information/{self.slug}.html"

    @property
    def next_review(self) -> date:
        """When the page is next due to be read again by the content owner."""
        return self.last_reviewed + REVIEW_EVERY

    @property
    def source_descriptions(self) -> list[tuple[str, str]]:
        """(seed key, description) for each source: the page shows the description."""
        return [(key, SOURCES[key]) for key in self.sources]


REVIEWED = date(2026, 11, 21)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "secondary-breast-cancer",
        "What secondary breast cancer is",
        "What it means, and the other names you may hear for it.",
        REVIEWED,
        ("001", "002", "004"),
    ),
    Topic(
        "when-cancer-comes-back",
        "When breast cancer comes back",
        "How a local or regional recurrence is different from secondary breast cancer.",
        REVIEWED,
        ("000", "001", "003"),
    ),
    Topic(
        "signs-to-look-out-for",
        "Signs to look out for",
        "What to watch for in each part of the body, and when to tell your team.",
        REVIEWED,
        ("001", "002", "003"),
    ),
    Topic(
        "hospice-and-palliative-care",
        "Hospice and palliative care",
        "What they offer, and why they are not only for the end of life.",
        REVIEWED,
        ("004",),
    ),
    Topic(
        "living-with-worry",
        "Living with the fear of cancer coming back",
        "Why the worry is normal, and where to get help with it.",
        REVIEWED,
        ("000", "003"),
    ),
)

BY_SLUG = {topic.slug: topic for topic in TOPICS}
# The fear-of-recurrence page. Its address and the diary's link to it use calm words only: the
# diary's own pages never name the illness (tests/alerts: NEVER_SAY).
FEAR_OF_RECURRENCE = "living-with-worry"


# The classes whose symptoms are signs to look out for ("record" complaints are not), and what
# the signs page says beside a symptom of each.
WHAT_TO_DO = {
    Urgency.EMERGENCY: "call 999",
    Urgency.SAME_DAY: "tell your team the same day",
    Urgency.SOON: "tell your team within a few days",
    "watch": "",
}


@dataclass(frozen=True, slots=True)
class Sign:
    label: str
    symptom_class: str
    what_to_do: str  # "" for a sign to tell the team about if it lasts, gets worse or worries


def signs_by_area(rules: Catalogue) -> list[tuple[str, list[Sign]]]:
    """The signs page's lists, from the rules file itself, so they cannot drift from what the
    diary treats as urgent: each body area's symptoms, each with what to do."""
    out = []
    for area, symptoms in rules.by_area():
        signs = [
            Sign(s.label, s.symptom_class, WHAT_TO_DO[s.symptom_class])
            for s in symptoms
            if s.symptom_class in WHAT_TO_DO and s.code != NAMED_SYMPTOM
        ]
        if signs:
            out.append((area.label, signs))
    return out


def signs_of(rules: Catalogue, symptom_class: str) -> list[str]:
    """The labels of every symptom of one class, in the rules file's order."""
    return [s.label for s in rules.symptoms.values() if s.symptom_class == symptom_class]

"""What a patient reads about an alert, in one place: headings by urgency, reasons in words.

Pure: plain values and the rules in, strings out. Every phrase is calm, plain UK English, and
says what to do next. None names a condition, guesses at a cause, or tells anyone not to worry.
Numbers (how many days, how bad) come from the rules file, so a change there changes the words;
the days are the alert's own symptom's, since a symptom may set its own (a cough: three weeks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_key, series_label, split_series
from tracker.rules.urgency import RAISED_AT_ONCE, Urgency, rank

HEADINGS = {
    Urgency.EMERGENCY: "Call 999 now",
    Urgency.SAME_DAY: "Contact your treating team today",
    Urgency.SOON: "Contact your treating team in the next few days",
}

# The design system's care card for each urgency: red for emergency, urgent, and non-urgent.
CARE_CARDS = {
    Urgency.EMERGENCY: "emergency",
    Urgency.SAME_DAY: "urgent",
    Urgency.SOON: "non-urgent",
}

# Said when a reason code is not one this module knows (a newer rules file, say): still true,
# still says nothing it cannot stand behind.
UNKNOWN_REASON = "your diary shows something your team asks to hear about"


def heading(urgency: str) -> str:
    """The heading a patient reads for an alert of this urgency: what to do, and when."""
    return HEADINGS.get(urgency, HEADINGS[Urgency.SOON])


def care_card(urgency: str) -> str:
    return CARE_CARDS.get(urgency, CARE_CARDS[Urgency.SOON])


def how_long(days: int) -> str:
    """A number of days as a patient would say it: "a week", "2 weeks", "10 days"."""
    if days >= 7 and days % 7 == 0:
        weeks = days // 7
        return "a week" if weeks == 1 else f"{weeks} weeks"
    return "a day" if days == 1 else f"{days} days"


# Each reason in the patient's words (it follows "because"). A red flag reads by its urgency;
# {severe_at}, {new_for} and {lasting} are filled in from the rules' thresholds for the symptom.
PHRASES = {
    ("red_flag", Urgency.EMERGENCY): "it is a symptom that needs help straight away",
    "red_flag": "it is a symptom your team asks to hear about on the same day",
    "report_promptly": "it is a symptom your team asks to hear about within a few days",
    "worrying": "you told us it worries you",
    "severe": "the last time you noted it, you rated it {severe_at} or more out of 10",
    "new": "it is new for you and has lasted {new_for} or more",
    "persistent": "it has lasted {lasting} or more",
    "worsening": "it has been getting worse",
}


def phrase(
    phrases: dict, unknown: str, code: str, urgency: str, rules: Catalogue, *, symptom: str
) -> str:
    """One reason code in the words of `phrases` (this module's, or the team's), with the days
    `symptom` has under the rules (its own `new_days`/`persistent_days`, or the defaults)."""
    template = phrases.get((code, urgency)) or phrases.get(code)
    if template is None:
        return unknown
    return template.format(
        severe_at=rules.thresholds["severe_at"],
        new_for=how_long(rules.threshold_for("new_days", symptom)),
        lasting=how_long(rules.threshold_for("persistent_days", symptom)),
    )


def phrases_once(codes: Iterable[str], say: Callable[[str], str]) -> list[str]:
    """Each code's phrase once, in the order given (the rules' table order)."""
    said: list[str] = []
    for code in codes:
        words = say(code)
        if words not in said:
            said.append(words)
    return said


def reason(code: str, urgency: str, rules: Catalogue, *, symptom: str) -> str:
    """One reason an alert on `symptom` was raised, in the patient's words (after "because")."""
    return phrase(PHRASES, UNKNOWN_REASON, code, urgency, rules, symptom=symptom)


def reasons(codes: Iterable[str], urgency: str, rules: Catalogue, *, symptom: str) -> list[str]:
    """Each reason once, in the order given (the rules' table order)."""
    return phrases_once(codes, lambda code: reason(code, urgency, rules, symptom=symptom))


@dataclass(frozen=True, slots=True)
class AlertCard:
    """One open alert as the diary's home page shows it."""

    id: int
    urgency: str
    heading: str
    care_card: str
    symptom: str  # the symptom's label from the rules file, or the patient's own name for it
    since: date
    reasons: list[str]


def alert_card(
    alert_id: int,
    series: str,
    urgency: str,
    reason_codes: Iterable[str],
    since: date,
    rules: Catalogue,
) -> AlertCard:
    """An alert on a series (a symptom, or a named `something else`), in the patient's words."""
    label = series_label(series, rules)
    symptom_code = split_series(series)[0]
    return AlertCard(
        id=alert_id,
        urgency=urgency,
        heading=heading(urgency),
        care_card=care_card(urgency),
        symptom=label,
        since=since,
        reasons=reasons(reason_codes, urgency, rules, symptom=symptom_code),
    )


def most_urgent(pairs: Iterable[tuple[str, str]]) -> tuple[str, list[str]] | None:
    """From (urgency, symptom code) pairs: the most urgent raised at once, and its symptoms."""
    pairs = [(u, c) for u, c in pairs if u in RAISED_AT_ONCE]
    if not pairs:
        return None
    top = max((u for u, _ in pairs), key=rank)
    codes: list[str] = []
    for u, c in pairs:
        if u == top and c not in codes:
            codes.append(c)
    return top, codes


def channels_phrase(email: bool, sms: bool) -> str:
    """How we will reach the patient: "by text message", "by email", or both."""
    if email and sms:
        return "by text message and email"
    if sms:
        return "by text message"
    if email:
        return "by email"
    return ""


# ---- the page that confirms a save (rules §4) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShownFinding:
    """One finding as the page after a save shows it."""

    symptom: str  # the symptom's label (and, for `other`, the patient's name for it)
    since: date | None  # the episode's start; None when the diary could not be assessed
    because: str  # its reasons in words, joined; "" when the diary could not be assessed


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """The findings of one urgency, under what to do about them."""

    urgency: str
    heading: str
    care_card: str
    findings: list[ShownFinding]


def finding_groups(
    shown: Iterable[tuple[str, str, str | None, list[str], date | None]], rules: Catalogue
) -> list[FindingGroup]:
    """(urgency, code, name, reason codes, start) findings, grouped by urgency, most urgent
    first, each with its reasons in words."""
    groups: dict[str, list[ShownFinding]] = {}
    for urgency, code, name, codes, since in shown:
        label = series_label(series_key(code, name), rules)  # a named one in the patient's words
        because = joined(reasons(codes, urgency, rules, symptom=code))
        groups.setdefault(urgency, []).append(ShownFinding(label, since, because))
    return [
        FindingGroup(u, heading(u), care_card(u), found)
        for u, found in sorted(groups.items(), key=lambda item: -rank(item[0]))
    ]


def joined(phrases: list[str]) -> str:
    """Phrases as one: "a", "a and b", "a, b and c"."""
    if len(phrases) < 2:
        return "".join(phrases)
    return f"{', '.join(phrases[:-1])} and {phrases[-1]}"

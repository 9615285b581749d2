"""What a finding does to a symptom's alerts (rules §4), decided once, on plain data.

`decide` is pure: it is given a snapshot of the alerts that matter (the symptom's open alert
and its latest of any status) and one finding, and says what to do. Each caller only carries
that out: the save path one patient at a time, the detection pass a batch at a time, both
through `tracker.alerts.changes`.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from tracker.rules.engine import REASONS, Finding
from tracker.rules.urgency import rank

OPEN = "open"
ACKNOWLEDGED = "acknowledged"  # the patient: "I have contacted my team"
RESOLVED = "resolved"  # the patient: "this has gone away"
CLOSED = "closed"  # the treating team recorded what it did
SUPERSEDED = "superseded"  # its episode ended and a new episode of the symptom was flagged
STATUSES = (OPEN, ACKNOWLEDGED, RESOLVED, CLOSED, SUPERSEDED)
ANSWERED = (ACKNOWLEDGED, RESOLVED)  # the patient's answers: they stop re-prompts
# Only the team closes an alert of these urgencies, by recording an outcome (rules §4): the
# patient's answer is kept in its status, and the alert waits for the team all the same.
TEAM_CLOSES = ("emergency", "same_day")
# The team tried to reach the patient and did not (no answer, a message left): an event in the
# alert's history, never a status. The alert keeps its status, so it waits as before.
CONTACT_ATTEMPTED = "contact_attempted"


def waits_for_team(status: str, urgency: str) -> bool:
    """True while an alert is on the team's "to do" list (rules §4)."""
    return status == OPEN or (status in ANSWERED and urgency in TEAM_CLOSES)


class AlertState(NamedTuple):
    """What deciding needs of one alert. `id` is None for an alert not yet written.

    Immutable, like every snapshot here; a NamedTuple rather than a frozen dataclass because a
    detection pass makes one for each alert it reads, and these are quicker to make.
    """

    id: int | None
    symptom: str  # the series key (`tracker.rules.data.series_key`): a code, or `other`'s name
    status: str
    urgency: str
    reasons: tuple[str, ...]  # in the order of the rules' table (rules §3)
    episode_start: date
    first_entry: date
    last_entry: date
    duration_days: int
    rules_version: str


class SymptomAlerts(NamedTuple):
    """One patient's alerts for one symptom that matter: the open one, and the latest of any
    status (the open one, when there is one: another is opened only when none is open)."""

    open: AlertState | None = None
    latest: AlertState | None = None


NONE_YET = SymptomAlerts()

# What to do. MOVE and MERGE are the two halves of merging a finding into its open alert.
UNCHANGED = "unchanged"  # nothing to write
MOVE = "move"  # only the open alert's episode dates move on: no event, counted unchanged
MERGE = "merge"  # new reasons (and the dates): an "updated" event, no prompt
RAISE = "raise"  # urgency rose (and reasons, dates): an "updated" event and a prompt
OPEN_NEW = "open"  # a new alert, its "opened" event and its first prompt
SUPERSEDE_AND_OPEN = "supersede_and_open"  # close the open alert (its episode ended), open one

# How each action is counted in a pass's summary.
COUNTED_AS = {
    UNCHANGED: "unchanged",
    MOVE: "unchanged",
    MERGE: "updated",
    RAISE: "updated",
    OPEN_NEW: "opened",
    SUPERSEDE_AND_OPEN: "opened",
}


class Action(NamedTuple):
    """`kind`, the alert as it is to be (`alert`), and the alert as read that it changes
    (`was`: the one merged into, or the one superseded)."""

    kind: str
    alert: AlertState | None = None
    was: AlertState | None = None


NOTHING = Action(UNCHANGED)


def decide(alerts: SymptomAlerts, finding: Finding) -> Action:
    """What `finding` does to its symptom's alerts, as rules §4 says."""
    first = finding.first_entry or finding.episode_start
    current = alerts.open
    if current is not None:
        # Episodes split a symptom's entry days in date order, so a later episode's first
        # entry day always comes after every entry day of the earlier one.
        if first > current.last_entry:  # its episode ended (a long gap, or a resolved mark)
            return Action(SUPERSEDE_AND_OPEN, _opened(finding), was=current)
        return _merged(current, finding, first)
    previous = alerts.latest
    if (
        previous is not None
        and previous.status not in (OPEN, SUPERSEDED)
        and first <= previous.last_entry
        and rank(finding.urgency) <= rank(previous.urgency)
    ):
        # Answered or closed already: only a new episode or a rise in urgency opens another.
        return NOTHING
    return Action(OPEN_NEW, _opened(finding))


def _opened(finding: Finding) -> AlertState:
    return AlertState(
        id=None,
        symptom=finding.series,
        status=OPEN,
        urgency=finding.urgency,
        reasons=tuple(finding.reasons),
        episode_start=finding.episode_start,
        first_entry=finding.first_entry or finding.episode_start,
        last_entry=finding.last_entry,
        duration_days=finding.duration_days,
        rules_version=finding.rules_version,
    )


def _merged(alert: AlertState, finding: Finding, first: date) -> Action:
    present = set(alert.reasons) | set(finding.reasons)
    reasons = tuple(r for r in REASONS if r in present)
    urgency = max(alert.urgency, finding.urgency, key=rank)  # urgency only rises
    # The episode itself moves on every run: later entries, or an earlier onset.
    start = min(alert.episode_start, finding.episode_start)
    last = max(alert.last_entry, finding.last_entry)
    dates = (start, min(alert.first_entry, first), last, (last - start).days)
    if urgency != alert.urgency or reasons != alert.reasons:
        kind = RAISE if urgency != alert.urgency else MERGE
        said = (urgency, reasons, *dates, finding.rules_version)
        return Action(kind, AlertState(alert.id, alert.symptom, OPEN, *said), was=alert)
    if dates != (alert.episode_start, alert.first_entry, alert.last_entry, alert.duration_days):
        said = (alert.urgency, alert.reasons, *dates, alert.rules_version)
        return Action(MOVE, AlertState(alert.id, alert.symptom, OPEN, *said), was=alert)
    return NOTHING

"""The queue's sort and filter, read from the query string (issue 19, item 16): alerts and
patients' requests to be contacted (issue 21) in one list.

Pure: a value that is not one of the choices is the default, so a typed or stale address shows
a sensible page, never an error. The query itself is tracker.team.queue's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from tracker.forms import parse_id, parse_int
from tracker.rules.urgency import Urgency

PAGE_SIZE = 25
# Further than any queue goes; a bigger number is read as this, then shown as the last page.
PAGE_MAX = 1_000_000

# An alert is due from the moment it is raised; a request by the end of the day the patient was
# told (tracker.contact_requests.due). Oldest and newest go by when each was raised or made.
URGENT_FIRST = "urgency"  # most urgent first, then soonest due (the default)
OLDEST = "oldest"
NEWEST = "newest"
SORTS = {
    URGENT_FIRST: "Most urgent first, then soonest due",
    OLDEST: "Oldest first",
    NEWEST: "Newest first",
}

ALERTS = "alerts"
REQUESTS = "requests"
KINDS = {ALERTS: "Alerts only", REQUESTS: "Requests to be contacted only"}

NOT_ANSWERED = "not_answered"
ANSWERED = "answered"
TRIED = "tried"  # the team tried to reach the patient and did not
PAST_DUE = "past_due"
STATUSES = {
    NOT_ANSWERED: "The patient has not answered an alert",
    ANSWERED: "The patient has answered an alert",
    TRIED: "Tried to contact, not reached",
    PAST_DUE: "Request past its due day",
}
# What each status can be said of: the patient answers an alert; a request falls due.
ALERTS_ONLY = (NOT_ANSWERED, ANSWERED)
REQUESTS_ONLY = (PAST_DUE,)

URGENCIES = tuple(u.value for u in reversed(Urgency))  # most urgent first

ME = "me"
NOBODY = "nobody"


@dataclass(frozen=True)
class QueueFilter:
    """What the member chose. Empty strings mean "any"."""

    sort: str = URGENT_FIRST
    kind: str = ""  # "", ALERTS or REQUESTS
    urgency: str = ""
    status: str = ""
    assigned: str = ""  # "", ME, NOBODY, or a member's id
    page: int = 1

    @property
    def assigned_id(self) -> int | None:
        """The member chosen by id, if one was."""
        return parse_id(self.assigned)

    @property
    def shows_alerts(self) -> bool:
        return self.kind != REQUESTS and self.status not in REQUESTS_ONLY

    @property
    def shows_requests(self) -> bool:
        return self.kind != ALERTS and self.status not in ALERTS_ONLY

    def args(self, **changes: object) -> dict[str, object]:
        """The query string for this choice with `changes`, leaving out the defaults."""
        values = asdict(self) | changes
        default = asdict(QueueFilter())
        return {k: v for k, v in values.items() if v != default[k]}


def read_filter(args: Mapping[str, str]) -> QueueFilter:
    """The member's choice from the query string; anything unknown is the default."""
    sort = args.get("sort", "")
    kind = args.get("kind", "")
    urgency = args.get("urgency", "")
    status = args.get("status", "")
    assigned = args.get("assigned", "")
    if assigned not in (ME, NOBODY) and parse_id(assigned) is None:
        assigned = ""
    return QueueFilter(
        sort=sort if sort in SORTS else URGENT_FIRST,
        kind=kind if kind in KINDS else "",
        urgency=urgency if urgency in URGENCIES else "",
        status=status if status in STATUSES else "",
        assigned=assigned,
        page=parse_int(args.get("page"), 1, PAGE_MAX) or 1,
    )


def pages_for(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages `total` rows fill: at least one, so an empty list has its page."""
    return max(1, -(-total // size))


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The numbered links: the first, the last, and those beside the current page; None where
    a gap is shown as an ellipsis."""
    keep = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    out: list[int | None] = []
    for number in keep:
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out

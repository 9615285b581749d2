"""How soon a patient should contact their team (rules §3 and §4): the urgencies, said once.

A finding, an alert, a prompt and a queued message each carry one. The values are the strings
the rules file's classes use and the database stores, so a plain string read back from either
compares equal to its member, and looks up the same in a dict or set.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class Urgency(StrEnum):
    """An urgency, least urgent first: the order in which an alert's urgency may rise."""

    SOON = "soon"
    SAME_DAY = "same_day"
    EMERGENCY = "emergency"


# Red flags (rules §4): raised the moment an entry is saved rather than at the next scheduled run,
# told to the team at once, and sent first. Most urgent first.
RAISED_AT_ONCE: tuple[Urgency, ...] = (Urgency.EMERGENCY, Urgency.SAME_DAY)

# Higher is more urgent. Keyed by member, so a plain string from the database looks up too.
_RANK = MappingProxyType({u: i for i, u in enumerate(Urgency)})


def rank(urgency: str) -> int:
    """Where an urgency (a member or its string) stands: higher is more urgent."""
    return _RANK[urgency]

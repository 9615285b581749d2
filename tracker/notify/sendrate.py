"""One send rate for the whole service: the database decides when each message may go.

A provider's limit belongs to a sending route, not to a process: a UK long code sends about one
text segment a second, a Twilio Messaging Service about one a second for each number in its
pool. Before a send, its dispatcher books it on the route's row (`SendRate`): one UPDATE moves
the route's next free moment on by the send's cost and hands back the slot it took. However many
dispatchers run, sends on one route start no faster than its rate.

Slots are kept in seconds of the database's own clock, the one clock every dispatcher shares;
a dispatcher only waits out the difference, on its own monotonic timer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, literal, select, text, update
from sqlalchemy.orm import Session

from tracker.config import NotifySettings
from tracker.db import insert_on_conflict
from tracker.notify import gsm
from tracker.notify.models import SMS, SendRate

# Seconds since 1970 by the database's clock, in each dialect's words.
_NOW = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS double precision)",
    "sqlite": "(julianday('now') - 2440587.5) * 86400.0",
}


@dataclass(frozen=True)
class Route:
    """Where sends queue for the provider: its key, and how many units it sends a second."""

    key: str
    per_second: float


def route_for(channel: str, cfg: NotifySettings, per_second: float | None = None) -> Route:
    """The route a message on `channel` goes by. Texts share their sender's route: a Messaging
    Service's pool sends at its numbers' rate together. `per_second` overrides the rate."""
    if channel == SMS:
        sender = cfg.twilio_messaging_service_sid or cfg.twilio_from or "default"
        rate = cfg.sms_segments_per_second * cfg.sms_numbers
        return Route(f"sms:{sender}", per_second or rate)
    return Route(channel, per_second or cfg.email_per_second)


def cost_of(channel: str, body: str) -> int:
    """What a message takes of its route: a text's segments (a long text is several), or one."""
    return gsm.segments(body) if channel == SMS else 1


def book(s: Session, route: Route, cost: int) -> float:
    """Book `cost` units on `route`; the seconds to wait before sending. Commits at once, so the
    route's row is held for one statement only."""
    length = cost / route.per_second
    now = float(s.scalar(select(text(_NOW[s.get_bind().dialect.name]))))
    s.execute(
        insert_on_conflict(s)(SendRate)
        .values(key=route.key, next_free=0.0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    start = case((SendRate.next_free > now, SendRate.next_free), else_=literal(now))
    ends = s.execute(
        update(SendRate)
        .where(SendRate.key == route.key)
        .values(next_free=start + length)
        .returning(SendRate.next_free)
    ).scalar_one()
    s.commit()
    return max(0.0, ends - length - now)

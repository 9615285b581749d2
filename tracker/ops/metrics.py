"""Prometheus metrics: gauges read from the database at each scrape, and request latency.

The gauges come from a collector that queries the database when scraped, so every gunicorn
worker (and every web host) gives the same figures. The latency histogram is kept in the
process that served the request: each worker reports its own requests (docs/deploy.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tracker import clock as tracker_clock
from tracker.alerts.models import Alert
from tracker.clock import Clock
from tracker.notify.models import CHANNELS, QUEUED, SENDING, UNKNOWN, OutboxMessage
from tracker.ops.jobs import last_successes
from tracker.rules.urgency import Urgency
from tracker.team.models import QuietSpell

EXTENSION = "tracker.metrics"
# Every request that matched no route shares one label: a path is never a label (it can carry
# a symptom or an invitation's token, and each new path would make a new series).
UNMATCHED = "[unmatched]"
# Any other method a client makes up shares one label, for the same reason.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The messages still to send. Delivered, failed and cancelled rows are not counted: counting
# them would read the whole outbox at every scrape, while these are found by partial indexes.
BACKLOG = (QUEUED, SENDING, UNKNOWN)
# Due messages: waiting for their time, or to be reconciled before any resend.
DUE = (QUEUED, UNKNOWN)


@dataclass(frozen=True)
class Metrics:
    """An app's registry and its latency histogram."""

    registry: CollectorRegistry
    latency: Histogram


class DatabaseCollector(Collector):
    """The service's state, read from the database when scraped."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "tracker_database_up", "1 if the database answered this scrape's queries, else 0."
        )
        try:
            with self._sessions() as s:
                families = list(_families(s, self._clock.now()))
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _families(s: Session, now: datetime) -> Iterator[Metric]:
    outbox = GaugeMetricFamily(
        "tracker_outbox_messages",
        "Messages still to send (queued, sending, unknown), by status and channel.",
        labels=["status", "channel"],
    )
    counts = dict.fromkeys(((status, channel) for status in BACKLOG for channel in CHANNELS), 0)
    rows = s.execute(
        select(OutboxMessage.status, OutboxMessage.channel, func.count())
        .where(OutboxMessage.status.in_(BACKLOG))
        .group_by(OutboxMessage.status, OutboxMessage.channel)
    )
    for status, channel, count in rows:
        counts[(status, channel)] = count
    for (status, channel), count in sorted(counts.items()):
        outbox.add_metric([status, channel], count)
    yield outbox

    oldest = s.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now
        )
    )
    yield GaugeMetricFamily(
        "tracker_outbox_oldest_due_seconds",
        "How long the longest-waiting due message has been due (0 when none is due).",
        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )

    alerts = GaugeMetricFamily(
        "tracker_alerts_open",
        "Alerts waiting for their team (on a team's to-do list), by urgency.",
        labels=["urgency"],
    )
    by_urgency = dict.fromkeys((u.value for u in Urgency), 0)
    rows = s.execute(
        select(Alert.urgency, func.count()).where(Alert.waits_for_team).group_by(Alert.urgency)
    )
    for urgency, count in rows:
        by_urgency[urgency] = count
    for urgency, count in sorted(by_urgency.items()):
        alerts.add_metric([urgency], count)
    yield alerts

    quiet = s.scalar(
        select(func.count()).select_from(QuietSpell).where(QuietSpell.outcome.is_(None))
    )
    yield GaugeMetricFamily(
        "tracker_quiet_patients",
        "Quiet patients waiting for their team to call and record what was done.",
        value=quiet or 0,
    )

    jobs = GaugeMetricFamily(
        "tracker_job_last_success_timestamp_seconds",
        "When each scheduled job last finished without error (Unix time).",
        labels=["job"],
    )
    for job, at in sorted(last_successes(s).items()):
        jobs.add_metric([job], at.timestamp())
    yield jobs


def init_app(app: Flask) -> None:
    """Give the app its registry, and time every request by its route's template."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app.extensions["sessionmaker"], tracker_clock.of(app)))
    latency = Histogram(
        "tracker_http_request_duration_seconds",
        "Time to answer a request, by route template (never the path), method and status.",
        ["route", "method", "status"],
        registry=registry,
    )
    app.extensions[EXTENSION] = Metrics(registry, latency)
    # First, so that a request answered by an earlier guard (a redirect to sign in) is timed.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)


def of(app: Flask) -> Metrics:
    """An app's metrics."""
    return app.extensions[EXTENSION]


def _start_timer() -> None:
    g.metrics_started = tracker_clock.monotonic()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        method = request.method if request.method in METHODS else "other"
        of(current_app).latency.labels(rule, method, str(response.status_code)).observe(
            max(0.0, tracker_clock.monotonic() - started)
        )
    return response

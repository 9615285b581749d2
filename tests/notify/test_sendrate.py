"""One send rate for the whole service (issue 24, item 5): the database books every send."""

from __future__ import annotations

import threading
import time
from itertools import pairwise

from tests.conftest import reconfigure
from tracker import config
from tracker.notify.sendrate import Route, book, cost_of, route_for

SLOW = 0.01  # a unit every 100 seconds: the bookings' spacing is far above the test's own time


def bookings(app, route: Route, costs: list[int]) -> list[float]:
    """The moments (by this process's monotonic clock) each booking may start."""
    with app.app_context():
        s = app.extensions["sessionmaker"]()
        try:
            return [time.monotonic() + book(s, route, cost) for cost in costs]
        finally:
            s.close()


def test_bookings_on_one_route_are_spaced_by_its_rate(app):
    first, second, third = bookings(app, Route("sms:+447700900000", SLOW), [1, 1, 1])
    assert 99 < second - first <= 100.5 and 99 < third - second <= 100.5


def test_a_long_text_takes_a_slot_for_each_segment(app):
    route = Route("sms:+447700900000", SLOW)
    assert cost_of("sms", "x" * 161) == 2 and cost_of("email", "x" * 5000) == 1
    first, second = bookings(app, route, [cost_of("sms", "x" * 161), 1])
    assert 199 < second - first <= 200.5


def test_routes_do_not_wait_for_each_other(app):
    [text] = bookings(app, Route("sms:+447700900000", SLOW), [1])
    [mail] = bookings(app, Route("email", SLOW), [1])
    [later] = bookings(app, Route("sms:+447700900000", SLOW), [1])
    assert mail - text < 1 and later - text > 99


def test_dispatchers_booking_at_once_share_the_route(app):
    # Two dispatchers' sessions, booking together: every slot is its own, 100 seconds apart.
    route = Route("sms:MG-pool", SLOW)
    slots: list[float] = []

    def dispatcher() -> None:
        slots.extend(bookings(app, route, [1] * 10))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.sort()
    gaps = [later - earlier for earlier, later in pairwise(slots)]
    assert len(slots) == 20 and min(gaps) > 99


def test_a_messaging_service_pool_sends_at_its_numbers_rate_together(app):
    reconfigure(
        app,
        notify={
            "twilio_messaging_service_sid": "MG" + "0" * 32,
            "sms_numbers": 5,
            "sms_segments_per_second": 1.0,
            "email_per_second": 12.0,
        },
    )
    cfg = config.of(app).notify
    assert route_for("sms", cfg) == Route("sms:MG" + "0" * 32, 5.0)
    assert route_for("email", cfg) == Route("email", 12.0)
    assert route_for("sms", cfg, per_second=50.0).per_second == 50.0

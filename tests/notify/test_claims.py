"""Claims and leases: several dispatchers, one send per message."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.notify.conftest import MORNING, dispatch, outbox, use_twilio
from tracker.notify import messages
from tracker.notify.channels import Receipt
from tracker.notify.dispatch.claims import claim
from tracker.notify.dispatch.outcomes import SENT_OK, Outcome, record
from tracker.notify.models import OutboxMessage
from tracker.notify.outbox import queue

LEASE = timedelta(minutes=1)


def queue_texts(app, count: int, due=MORNING) -> None:
    """`count` texts to different numbers (Ofcom's drama range), due at `due`."""
    with app.app_context():
        s = app.extensions["sessionmaker"]()
        for n in range(count):
            queue(
                s,
                group_key=f"test:{n}",
                kind="reminder",
                channel="sms",
                to=f"+447700{900000 + n}",
                rendered=messages.Rendered(None, f"Message number {n}"),
                now=due,
            )
        s.commit()
        s.close()


def test_concurrent_claims_never_hand_out_a_row_twice(app):
    queue_texts(app, 60)
    claimed: list[list[int]] = [[], [], []]

    def claimer(mine: list[int], owner: str) -> None:
        s = app.extensions["sessionmaker"]()
        while jobs := claim(s, MORNING, owner, 4, LEASE):
            mine.extend(j.id for j in jobs)
        s.close()

    threads = [threading.Thread(target=claimer, args=(c, f"c{i}")) for i, c in enumerate(claimed)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 60


def test_a_write_back_after_the_lease_was_lost_changes_nothing(app, session):
    queue_texts(app, 1)
    [first] = claim(session, MORNING, "first", 10, LEASE)
    assert claim(session, MORNING + timedelta(seconds=30), "second", 10, LEASE) == []
    [second] = claim(session, MORNING + timedelta(minutes=2), "second", 10, LEASE)

    receipt = Receipt("twilio", "SM" + "b" * 32, "queued")
    counts = record(session, Outcome(SENT_OK, first, MORNING, receipt=receipt), "first")
    session.commit()

    assert counts == ["lost_leases"] and second.id == first.id
    [row] = outbox(session)
    assert (row.status, row.lease_owner) == ("sending", "second")


def test_the_send_rate_cap_holds(app, twilio):
    use_twilio(app, twilio.base_url)
    queue_texts(app, 60)

    started = time.monotonic()
    summary = dispatch(app, MORNING, workers=8, rate=100)
    elapsed = time.monotonic() - started

    assert summary.sent == 60
    assert elapsed >= (60 - 1) / 100  # the first at once, then 100 a second


def test_two_dispatchers_share_one_send_rate(app, twilio):
    # Issue 24, item 5: the cap was per process, so two dispatchers sent at twice the cap.
    use_twilio(app, twilio.base_url)
    queue_texts(app, 40)
    results = []

    def dispatcher() -> None:
        results.append(dispatch(app, MORNING, workers=4, rate=40))

    started = time.monotonic()
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    assert sum(r.sent for r in results) == 40 and len(twilio.messages) == 40
    assert elapsed >= (40 - 1) / 40  # each at 40 a second on its own would take half as long


def test_two_dispatchers_on_postgresql_send_each_of_1000_messages_exactly_once(
    app, twilio, session
):
    if app.extensions["engine"].dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has its own test above")
    use_twilio(app, twilio.base_url)
    twilio.latency = 0.002  # so that the two really overlap
    queue_texts(app, 1000)
    results = []

    def dispatcher() -> None:
        results.append(dispatch(app, MORNING, workers=4))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.sent for r in results) == 1000 and all(r.sent > 0 for r in results)
    assert len(twilio.messages) == 1000
    assert len({(m.to, m.body) for m in twilio.messages}) == 1000
    counts = dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    assert counts == {"sent": 1000}
    assert session.scalar(select(func.max(OutboxMessage.attempts))) == 1


def test_a_delivery_report_that_beats_the_sends_own_write_back_is_kept(app, session):
    from tracker.notify.inbound import apply_status

    queue_texts(app, 1)
    [job] = claim(session, MORNING, "me", 10, LEASE)
    # Twilio took the text and reported delivery before our write-back ran.
    apply_status(session, "SM" + "a" * 32, "delivered", None, str(job.id), MORNING)
    session.commit()  # the webhook's own transaction
    receipt = Receipt("twilio", "SM" + "a" * 32, "queued")

    counts = record(session, Outcome(SENT_OK, job, MORNING, receipt=receipt), "me")
    session.commit()

    [row] = outbox(session)
    assert (row.status, row.provider_status, row.lease_owner) == ("delivered", "delivered", None)
    assert row.attempts == 1 and counts == ["sent"]

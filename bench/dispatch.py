"""Benchmark of the dispatcher: 10,000 due texts to the Twilio stand-in, 20 ms a request.

    .venv/bin/python bench/dispatch.py [--messages 10000] [--latency 0.02] [--workers 20]
                                       [--rate 1000] [--cap 100] [--capped 1500]
                                       [--backend sqlite|postgresql]

Queues the messages (all due now), then times one dispatch pass through the real twilio
library to the stand-in (tests/notify/standin.py), which runs in a child process of its own
so that it does not share this process's interpreter lock, as Twilio would not. Prints
messages a second and the 50th, 99th and 100th percentile of the time from due to sent.
Then queues `--capped` more and sends them with a rate cap of `--cap` a second, to show that
the cap holds (the measured rate is printed beside it).

Every message is checked to have been sent exactly once: one row sent per message, one
message at the stand-in per row.

PostgreSQL runs in a database of its own, `tracker_test_notify_bench`, created and dropped here.

    .venv/bin/python bench/dispatch.py --reminders [--patients 100000] [--texts 0.6]

The weekly reminder scenario (issue 24, item 5) is worked out, not sent: at one segment a second
a number, 60,000 real texts would take the afternoon. It takes each patient's due time from the
reminder pass's own `spread_due`, the text's segments from the real reminder wording, and books
them in due order on one route exactly as `tracker.notify.sendrate.book` does (each send at the
later of its due time and the route's next free moment). For 1 to 50 numbers it prints when the
last text goes and how many go at or after 21:00 (quiet hours: they miss their day), then, for
services of several sizes, the fewest numbers that send every text within the reminder hour.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.notify import standin  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.config import for_tests  # noqa: E402
from tracker.db import drop_database, fresh_database, make_engine  # noqa: E402
from tracker.models import Base  # noqa: E402
from tracker.notify import gsm, messages  # noqa: E402
from tracker.notify.dispatch import dispatch_due  # noqa: E402
from tracker.notify.models import OutboxMessage  # noqa: E402
from tracker.notify.outbox import body_hash  # noqa: E402
from tracker.patients.reminders import spread_due  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://tracker:tracker-ci-only@127.0.0.1:5432/tracker_test"
BENCH_DATABASE = "tracker_test_notify_bench"


def serve_standin(latency: float) -> None:
    """Child process: serve the stand-in, print its address, run until killed."""
    server = standin.Server(latency=latency).start()
    print(server.state.base_url, flush=True)
    server.thread.join()


def start_standin(latency: float) -> tuple[subprocess.Popen, str]:
    child = subprocess.Popen(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, __file__, "--serve-standin", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    return child, child.stdout.readline().strip()


def database(backend: str, workdir: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir}/bench.db"
    base = os.environ.get("TRACKER_TEST_DATABASE_URL", DEFAULT_PG_URL)
    return fresh_database(base, BENCH_DATABASE)


def drop_bench_database(backend: str) -> None:
    if backend == "postgresql":
        base = os.environ.get("TRACKER_TEST_DATABASE_URL", DEFAULT_PG_URL)
        drop_database(base, BENCH_DATABASE)


def queue_messages(app, count: int, first: int) -> None:
    """`count` texts, all due now, inserted in bulk (the setup is not what is measured)."""
    now = datetime.now(UTC)
    rows = []
    for n in range(first, first + count):
        to = f"+4477009{n % 100000:05d}"
        body = f"A reminder to update your diary, number {n}."
        rows.append(
            {
                "idempotency_key": f"bench:{n}:sms",
                "group_key": f"bench:{n}",
                "kind": "reminder",
                "channel": "sms",
                "to_address": to,
                "body_text": body,
                "body_hash": body_hash("sms", to, body),
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    engine = app.extensions["engine"]
    with engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.insert(), rows)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_pass(app, workers: int, rate: float) -> tuple[float, object]:
    started = time.monotonic()
    with app.app_context():
        summary = dispatch_due(workers=workers, rate=rate, max_seconds=3600)
    return time.monotonic() - started, summary


def standin_count(base_url: str) -> int:
    url = f"{base_url}/2010-04-01/Accounts/{standin.ACCOUNT_SID}/Messages.json?PageSize=1000000"
    request = urllib.request.Request(url)  # noqa: S310 - the stand-in, on loopback
    token = f"{standin.ACCOUNT_SID}:{standin.AUTH_TOKEN}"
    request.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        return len(json.load(response)["messages"])


def check_exactly_once(app, expected: int) -> None:
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        providers = conn.scalar(select(func.count(func.distinct(OutboxMessage.provider_id))))
    assert statuses == {"sent": expected}, statuses
    assert providers == expected, providers


LONDON = ZoneInfo("Europe/London")
REMINDER_SLOT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00 in London
QUIET_START = clock_time(21, 0)
SIZES = (2_000, 10_000, 50_000, 100_000, 170_000)


def reminder_segments() -> int:
    """The segments of the weekly reminder text as the service words it (the demo team's)."""
    app = create_app(for_tests("sqlite://", tempfile.mkdtemp(prefix="bench-reminder-")))
    team = messages.Team(
        "Breast Care",
        "Royal Berkshire Hospital",
        "0118 496 0000",
        "Monday to Friday, 9am to 5pm",
        "Call NHS 111",
    )
    with app.app_context():
        return max(
            gsm.segments(messages.reminder("sms", team, "weekly", check_in).text)
            for check_in in (False, True)
        )


def text_due_times(patients: int, text_share: float) -> list[datetime]:
    """Each texted patient's due time, in due order (every patient has email as well)."""
    # The share as a steady pattern (0.6: 60 of every 100 patients by id take texts).
    share = round(text_share * 100)
    texted = [n for n in range(1, patients + 1) if (n * 37) % 100 < share]
    return sorted(spread_due(REMINDER_SLOT, n, LONDON, QUIET_START) for n in texted)


def last_sends(due: list[datetime], segments: int, numbers: int) -> tuple[datetime, int]:
    """When the last text goes at one segment a second a number, and how many go in quiet
    hours: each at the later of its due time and the route's next free moment."""
    length = timedelta(seconds=segments / numbers)
    quiet = datetime.combine(REMINDER_SLOT.astimezone(LONDON).date(), QUIET_START, tzinfo=LONDON)
    next_free = due[0]
    late = 0
    last = due[0]
    for at in due:
        last = max(at, next_free)
        next_free = last + length
        late += last >= quiet
    return last, late


def fewest_numbers(patients: int, text_share: float, segments: int, within: timedelta) -> int:
    due = text_due_times(patients, text_share)
    numbers = 1
    while last_sends(due, segments, numbers)[0] >= REMINDER_SLOT + within:
        numbers += 1
    return numbers


def reminder_scenario(patients: int, text_share: float) -> None:
    segments = reminder_segments()
    due = text_due_times(patients, text_share)
    print(
        f"{patients:,} weekly reminders due Monday 10:00 (London), spread across the hour; "
        f"{len(due):,} by text ({text_share:.0%}), {segments} segment(s) each, "
        "one segment a second a number"
    )
    print("numbers | last text sent (London) | texts at or after 21:00 (miss their day)")
    for numbers in (1, 2, 5, 10, 17, 20, 50):
        last, late = last_sends(due, segments, numbers)
        local = last.astimezone(LONDON)
        print(f"{numbers:>7} | {local:%a %H:%M:%S}{'':>14} | {late:,}")
    print("service size | numbers to send every text within the hour | within the day (by 21:00)")
    for size in SIZES:
        hour = fewest_numbers(size, text_share, segments, timedelta(hours=1))
        day = fewest_numbers(size, text_share, segments, timedelta(hours=11))
        print(f"{size:>12,} | {hour:>41} | {day}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1000.0, help="cap for the main run")
    parser.add_argument("--cap", type=float, default=100.0, help="cap for the capped run")
    parser.add_argument("--capped", type=int, default=1500, help="messages in the capped run")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--serve-standin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reminders", action="store_true", help="the weekly reminder scenario")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--texts", type=float, default=0.6, help="share of patients texted")
    args = parser.parse_args()
    if args.serve_standin:
        serve_standin(args.latency)
        return
    if args.reminders:
        reminder_scenario(args.patients, args.texts)
        return

    child, base_url = start_standin(args.latency)
    workdir = tempfile.mkdtemp(prefix="bench-dispatch-")
    url = database(args.backend, workdir)
    try:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        notify = {
            "twilio_account_sid": standin.ACCOUNT_SID,
            "twilio_auth_token": standin.AUTH_TOKEN,
            "twilio_from": standin.FROM_NUMBER,
            "twilio_api_base_url": base_url,
            "send_timeout": 10.0,
        }
        app = create_app(for_tests(url, workdir, notify=notify))
        print(
            f"backend {args.backend}; {args.messages} texts; stand-in latency "
            f"{args.latency * 1000:.0f} ms; {args.workers} workers; cap {args.rate:.0f}/s"
        )
        queue_messages(app, args.messages, 0)
        elapsed, summary = run_pass(app, args.workers, args.rate)
        delays = [(sent - due).total_seconds() for due, sent in summary.sent_at]
        print(
            f"sent {summary.sent} in {elapsed:.1f} s: {summary.sent / elapsed:.0f} messages/s; "
            f"due to sent p50 {percentile(delays, 50):.1f} s, p99 {percentile(delays, 99):.1f} s, "
            f"max {max(delays):.1f} s (all {args.messages} due at once)"
        )
        check_exactly_once(app, args.messages)

        queue_messages(app, args.capped, args.messages)
        elapsed, capped = run_pass(app, args.workers, args.cap)
        print(
            f"with a cap of {args.cap:.0f}/s: sent {capped.sent} in {elapsed:.1f} s: "
            f"{capped.sent / elapsed:.1f} messages/s"
        )
        check_exactly_once(app, args.messages + args.capped)
        count = standin_count(base_url)
        assert count == args.messages + args.capped, count
        print(f"exactly once: {count} rows sent, {count} messages at the stand-in")
    finally:
        child.terminate()
        child.wait(timeout=10)
        drop_bench_database(args.backend)


if __name__ == "__main__":
    main()

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
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.notify import standin  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.config import for_tests  # noqa: E402
from tracker.db import drop_database, fresh_database, make_engine  # noqa: E402
from tracker.models import Base  # noqa: E402
from tracker.notify.dispatch import dispatch_due  # noqa: E402
from tracker.notify.models import OutboxMessage  # noqa: E402
from tracker.notify.outbox import body_hash  # noqa: E402

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
    args = parser.parse_args()
    if args.serve_standin:
        serve_standin(args.latency)
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

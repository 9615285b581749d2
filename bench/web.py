"""Benchmark of the web pages under gunicorn, beside a bare Flask endpoint in the same run.

    .venv/bin/python bench/web.py [--patients 5000] [--alerts 2000] [--seconds 5]
                                  [--connections 1,8,32] [--database-url URL]

On PostgreSQL (a database of its own, `tracker_bench_web`, created and dropped here): one team
with `--patients` patients, of whom `--alerts` logged coughing up blood yesterday, so the
detection pass leaves that many open alerts in the team's queue; the patients who browse have
two years of diary behind them. The service runs under gunicorn with the repository's own
gunicorn.conf.py, and a bare Flask app that answers "ok" runs the same way beside it.

Each page is loaded by N connections at once (a thread each, with its own signed-in session)
for `--seconds`, and the bench prints requests a second and the 50th and 99th percentile
latency for: the bare endpoint, the diary's home page, a diary save (both steps with their CSRF
token: choose a symptom, then describe it), `/support`, and the team's queue. Then it checks the
goals of issue 24: each page's p50 at one connection within 20 times the bare endpoint's, and
the queue's p99 at 8 connections under half a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import text

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tracker import create_app  # noqa: E402
from tracker.auth.passwords import hash_password  # noqa: E402
from tracker.auth.sessions import start_session  # noqa: E402
from tracker.clock import SYSTEM, Clock  # noqa: E402
from tracker.config import for_tests  # noqa: E402
from tracker.db import drop_database, fresh_database  # noqa: E402
from tracker.detection.run import detect  # noqa: E402
from tracker.diary.services import SymptomReport, record_symptoms  # noqa: E402
from tracker.models import Base  # noqa: E402
from tracker.patients.models import Patient, Team  # noqa: E402
from tracker.rules import load_rules  # noqa: E402
from tracker.team import totp  # noqa: E402
from tracker.team.accounts import NewStaff, create_staff  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://tracker:tracker-ci-only@127.0.0.1:5432/postgres"
BENCH_DATABASE = "tracker_bench_web"
SECRET = "bench-web-secret-not-for-anything-else"  # noqa: S105 - a throwaway bench key
PASSWORD = "a bench password nobody uses"  # noqa: S105 - nobody signs in with it
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSERS = 32  # patients with a session each: one per connection at most
PAGES = ("bare", "home", "save", "support", "queue")
WARM = 3  # requests per connection before the clock starts

# The bare endpoint: the floor every page is compared with.
bare = Flask("bare")


@bare.get("/")
def ok() -> str:
    return "ok"


@dataclass
class Seeded:
    patient_cookies: list[str]
    clinician_cookie: str
    cookie_name: str


def seed(url: str, workdir: str, patients: int, alerts: int, today: date) -> Seeded:
    """The team, its patients, the browsing patients' diaries, the open alerts, and a signed
    session cookie for each browsing patient and for a clinician."""
    # Signed with the key the servers run with, so that they accept the cookies.
    settings = dataclasses.replace(for_tests(url, workdir), secret_key=SECRET)
    app = create_app(settings, Clock())
    Base.metadata.create_all(app.extensions["engine"])
    password = hash_password(PASSWORD)
    consented = SYSTEM.now()
    with app.app_context():
        s = app.extensions["sessionmaker"]()
        team = Team(
            name="Breast Care",
            hospital="Bench General Hospital",
            phone="0118 496 0000",
            email="team@bench.test",
            hours="Monday to Friday, 9am to 5pm",
            out_of_hours="Outside these hours, call NHS 111. In an emergency, call 999.",
        )
        s.add(team)
        s.flush()
        people = [
            Patient(
                team_id=team.id,
                name=f"Patient {n}",
                email=f"patient{n}@bench.test",
                timezone="Europe/London",
                enrolled_on=today - timedelta(days=800),
                password_hash=password,
                # Agreed to email: a patient no channel reaches is listed on the queue by name.
                email_consent_at=consented,
            )
            for n in range(patients)
        ]
        s.add_all(people)
        s.flush()
        for patient in people[:BROWSERS]:
            for week in range(104):  # two years of a weekly entry
                day = today - timedelta(days=7 * week + 40)
                record_symptoms(s, patient, day, [SymptomReport("joint_pain", 1 + week % 4)])
        yesterday = today - timedelta(days=1)
        for patient in people[-alerts:]:
            record_symptoms(s, patient, yesterday, [SymptomReport("coughing_blood", None)])
        clinician = create_staff(
            s,
            NewStaff(
                name="Bench Clinician",
                email="clinician@bench.test",
                password=PASSWORD,
                team_id=team.id,
                role="clinician",
                totp_secret=totp.new_secret(),
            ),
        )
        s.commit()
        detect(app.extensions["sessionmaker"], today, load_rules())
        signer = app.session_interface.get_signing_serializer(app)

        def cookie(account) -> str:
            key = start_session(s, account)
            s.commit()
            return signer.dumps({"_user_id": key, "_fresh": True})

        seeded = Seeded(
            [cookie(p) for p in people[:BROWSERS]],
            cookie(clinician),
            app.config["SESSION_COOKIE_NAME"],
        )
        s.close()
    # Fresh tables have no planner statistics until autovacuum gets to them; a running
    # service's have. Without this the queue's count is planned blind and takes seconds.
    with app.extensions["engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    app.extensions["engine"].dispose()
    return seeded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app_path: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """The repository's gunicorn settings, on loopback, its log to `log`; returns once it
    answers."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(PROJECT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        f"{PROJECT},{PROJECT / 'bench'}",
        app_path,
    ]
    with log.open("ab") as out:
        # our own command, with our own arguments
        server = subprocess.Popen(command, env=env, cwd=PROJECT, stdout=out, stderr=out)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1, allow_redirects=False)
            return server
        except requests.RequestException:  # not listening yet, or its workers still starting
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def load(
    make_client: Callable[[int], Callable[[], None]], connections: int, seconds: float
) -> tuple[float, float, float]:
    """`connections` threads, each repeating its client's request until time is up: requests
    a second, and the p50 and p99 latency in milliseconds."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[BaseException] = []
    clients = [make_client(n) for n in range(connections)]
    for client in clients:  # warm: templates compiled, connections open, caches filled
        for _ in range(WARM):
            client()
    start = threading.Barrier(connections + 1)
    stop_at: list[float] = []

    def run(n: int) -> None:
        start.wait()
        try:
            while time.monotonic() < stop_at[0]:
                began = time.perf_counter()
                clients[n]()
                latencies[n].append((time.perf_counter() - began) * 1000)
        except Exception as exc:  # reported below: a page that fails has no figures
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    stop_at.append(time.monotonic() + seconds)
    began = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    if failures:
        raise failures[0]
    every = [x for mine in latencies for x in mine]
    return len(every) / elapsed, percentile(every, 50), percentile(every, 99)


def session_for(cookie_name: str, cookie: str, base: str) -> requests.Session:
    browser = requests.Session()
    browser.cookies.set(cookie_name, cookie, domain="127.0.0.1", path="/")
    browser.headers["Referer"] = base + "/"
    return browser


def getter(base: str, path: str, cookie_name: str, cookie: str | None) -> Callable[[], None]:
    browser = session_for(cookie_name, cookie, base) if cookie else requests.Session()

    def get() -> None:
        response = browser.get(base + path, allow_redirects=False, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.headers}")

    return get


def saver(base: str, cookie_name: str, cookie: str, today: date) -> Callable[[], None]:
    """One diary save as a browser makes it: choose (step one), then describe (step two)."""
    browser = session_for(cookie_name, cookie, base)
    token = CSRF.search(browser.get(base + "/diary/log", timeout=60).text).group(1)
    day = {"entry_date[day]": today.day, "entry_date[month]": today.month}
    day["entry_date[year]"] = today.year

    def save() -> None:
        chosen = browser.post(
            base + "/diary/log",
            data={**day, "symptoms": "headache", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        described = browser.post(
            base + "/diary/log/details",
            data={"severity-headache": "3", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        if (chosen.status_code, described.status_code) != (302, 302):
            raise RuntimeError(f"save: {chosen.status_code}, {described.status_code}")

    return save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TRACKER_BENCH_SERVER_URL", DEFAULT_SERVER),
        help="a PostgreSQL server URL (its own database is created on it)",
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.connections.split(",")]
    today = SYSTEM.today("Europe/London")  # the servers run on the real clock too
    workdir = tempfile.mkdtemp(prefix="bench-web-")
    url = fresh_database(args.database_url, BENCH_DATABASE)
    servers: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        seeded = seed(url, workdir, args.patients, args.alerts, today)
        print(
            f"seeded {args.patients:,} patients, {args.alerts:,} open alerts in one team, "
            f"{BROWSERS} browsing patients with two years of diary, "
            f"in {time.monotonic() - started:.0f} s"
        )
        env = {
            **os.environ,
            "TRACKER_ENV": "development",
            "TRACKER_DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "TRACKER_INSTANCE_PATH": workdir,
        }
        app_port, bare_port = free_port(), free_port()
        env["TRACKER_PUBLIC_URL"] = f"http://127.0.0.1:{app_port}"
        log = Path(workdir) / "gunicorn.log"
        servers.append(gunicorn("wsgi:app", app_port, env, log))
        servers.append(gunicorn("web:bare", bare_port, env, log))
        base = f"http://127.0.0.1:{app_port}"
        name, patients = seeded.cookie_name, seeded.patient_cookies
        clients: dict[str, Callable[[int], Callable[[], None]]] = {
            "bare": lambda n: getter(f"http://127.0.0.1:{bare_port}", "/", name, None),
            "home": lambda n: getter(base, "/diary/", name, patients[n]),
            "save": lambda n: saver(base, name, patients[n], today),
            "support": lambda n: getter(base, "/support/", name, patients[n]),
            "queue": lambda n: getter(base, "/team/", name, seeded.clinician_cookie),
        }
        figures: dict[tuple[str, int], tuple[float, float, float]] = {}
        print("page    | connections | requests/s | p50 ms | p99 ms")
        for page in PAGES:
            for connections in levels:
                rate, p50, p99 = load(clients[page], connections, args.seconds)
                figures[page, connections] = (rate, p50, p99)
                row = f"{page:<7} | {connections:>11} | {rate:>10.1f} | {p50:>6.1f} | {p99:>6.1f}"
                print(row)
        floor = figures["bare", levels[0]][1]
        print(
            f"goal: each page's p50 at {levels[0]} connection within 20 x the bare {floor:.1f} ms"
        )
        for page in PAGES[1:]:
            times = figures[page, levels[0]][1] / floor
            print(f"  {page:<7} {times:5.1f} x  {'met' if times <= 20 else 'MISSED'}")
        if 8 in levels:
            p99 = figures["queue", 8][2]
            met = "met" if p99 < 500 else "MISSED"
            print(f"goal: the queue's p99 at 8 connections under 500 ms: {p99:.0f} ms  {met}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        drop_database(args.database_url, BENCH_DATABASE)


if __name__ == "__main__":
    main()

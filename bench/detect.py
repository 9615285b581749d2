"""Benchmark of the detection pass over a database of believable diaries.

    .venv/bin/python bench/detect.py [--patients 10000] [--days 90] [--backend both] [--json]

Generates N patients with DAYS days of diary history (a quarter log nothing but check-ins; the
rest have episodes of symptoms, mostly logged daily, so about one to two entries a day while
they have symptoms, some chronic ones lasting for months), stores them (COPY on PostgreSQL,
executemany on SQLite), and then, in a fresh child process so that generating the data does
not count, times:

- the first pass (every finding opens an alert and queues a prompt: a new service, or a
  rules change),
- the same day again (every finding unchanged: what a repeated run costs),
- the next day, after adding that day's entries (the daily run: a few alerts opened or raised,
  many episodes moved on by a day),
- a bare aggregate query that reads the window's rows once:
  SELECT patient_id, symptom_code, count(*), max(entry_date) ... GROUP BY 1, 2
  timed (best of three, in a process of its own) straight after each pass, so that each pass
  is compared with an aggregate run on the machine as it was then (a shared machine's speed
  can double or halve within minutes),

and prints patients and diary rows per second, the ratio of each pass to its aggregate, and
the child's peak resident memory (VmHWM, or ru_maxrss off Linux: the whole process,
interpreter and imports included; its size before the first pass is shown beside it). With
--json, it prints instead one JSON object per backend, on a line of its own: `first_s`,
`same_day_s`, `next_day_s`, `aggregate_s` (the best of the three aggregates), `next_day_x`
(the next day's pass over the aggregate timed straight after it) and `peak_mb`. The budget
these are held to is in docs/performance.md.

PostgreSQL runs in a database of its own, `tracker_bench`, created and dropped here. After
loading, the bench runs VACUUM ANALYZE and then CHECKPOINT, for which the role needs
pg_checkpoint (`GRANT pg_checkpoint TO tracker`); without it the bench says so and goes on.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tracker.db import drop_database, fresh_database, make_engine  # noqa: E402
from tracker.detection.run import DEFAULT_BATCH_SIZE  # noqa: E402
from tracker.models import Base  # noqa: E402

TODAY = date(2026, 11, 20)
DEFAULT_PG_URL = "postgresql+psycopg://tracker:tracker-ci-only@127.0.0.1:5432/tracker_test"
BENCH_DATABASE = "tracker_bench"
CREATED = "2026-01-01 00:00:00"
NULL = "\\N"  # COPY's text format

# Symptoms people log most, by how often (a long tail of the rest is drawn uniformly).
COMMON = ["fatigue", "bone_pain", "lymphoedema", "cough", "headache", "skin_pain", "nausea"]
KNOWN_SHARE = 0.1  # patients with a known condition
QUIET_SHARE = 0.25  # patients who only ever check in


# ---- generating diaries -----------------------------------------------------------------------


class Episode:
    """One run of a symptom: logged every `step` days until `end`, drifting in severity."""

    __slots__ = ("code", "end", "severity", "step")

    def __init__(self, code: str, end: int, step: int, severity: int) -> None:
        self.code, self.end, self.step, self.severity = code, end, step, severity


def diary_rows(
    first_id: int, patients: int, days: int, codes: list[str], rng: random.Random
) -> Iterator[tuple]:
    """Every diary row of `days` days up to TODAY, then of the day after, in date order across
    patients, as production appends them.

    Rows are (patient_id, kind, entry_date, symptom_code, severity, onset_date, worrying,
    deleted). Events wait in a calendar of per-day buckets, so the work is per row, not per
    patient per day.
    """
    start = TODAY - timedelta(days=days - 1)
    days += 1  # and tomorrow, for the next day's pass
    calendar: list[list[tuple]] = [[] for _ in range(days + 1)]

    def later(day: int, event: tuple) -> None:
        if day < days:
            calendar[day].append(event)

    for pid in range(first_id, first_id + patients):
        later(rng.randrange(0, 7), ("check_in", pid))
        if rng.random() >= QUIET_SHARE:
            later(rng.randrange(0, 45), ("start", pid))
    for day in range(days):
        when = start + timedelta(days=day)
        events, calendar[day] = calendar[day], []
        for event in events:
            kind, pid = event[0], event[1]
            if kind == "check_in":
                yield (pid, "check_in", when, None, None, None, False, False)
                later(day + rng.choice((5, 7, 7, 9)), event)
            elif kind == "start":
                later(day + rng.randint(5, 40), event)  # the next symptom, some day
                yield from _log(_new_episode(day, codes, rng), pid, day, when, rng, later)
            elif kind == "log":
                yield from _log(event[2], pid, day, when, rng, later)


def _new_episode(day: int, codes: list[str], rng: random.Random) -> Episode:
    code = rng.choice(COMMON) if rng.random() < 0.7 else rng.choice(codes)
    if rng.random() < 0.1:  # a long-lasting symptom, logged every few days to weekly
        length, step = rng.randint(60, 400), rng.choice((2, 3, 7, 7))
    else:  # a passing one, mostly logged daily
        length, step = rng.randint(2, 30), rng.choice((1, 1, 1, 1, 1, 2, 2, 3))
    return Episode(code, day + length, step, rng.randint(1, 6))


def _log(episode: Episode, pid: int, day: int, when: date, rng: random.Random, later):
    episode.severity = min(10, max(1, episode.severity + rng.choice((-1, 0, 0, 0, 1))))
    onset = when - timedelta(days=rng.randint(1, 20)) if rng.random() < 0.03 else None
    deleted = rng.random() < 0.02
    yield (
        pid,
        "symptom",
        when,
        episode.code,
        episode.severity,
        onset,
        rng.random() < 0.03,
        deleted,
    )
    nxt = day + episode.step + rng.choice((0, 0, 0, 1))
    if nxt <= episode.end:
        later(nxt, ("log", pid, episode))
    elif rng.random() < 0.3:  # "this has gone away"
        yield (pid, "resolved", when, episode.code, None, None, False, False)


# ---- storing them -----------------------------------------------------------------------------


def prepare_database(backend: str, pg_url: str, workdir: Path) -> str:
    """An empty database with the schema: a new SQLite file or a new PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        url = fresh_database(pg_url, BENCH_DATABASE)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def load(url: str, patients: int, days: int, seed: int, tomorrow: Path) -> dict[str, int]:
    """Store a team, the patients, their known conditions and diaries up to TODAY; write the
    day after's rows to `tomorrow`, for the next day's pass. Returns row counts."""
    from tracker.rules.catalogue import load_rules

    codes = list(load_rules().symptoms)
    rng = random.Random(seed)
    engine = make_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    later: list[tuple] = []

    def until_today() -> Iterator[tuple]:
        for row in diary_rows(1, patients, days, codes, rng):
            if row[2] <= TODAY:
                yield row
            else:
                later.append(row)

    try:
        cur = raw.cursor()
        cur.execute(
            "INSERT INTO teams (name, hospital, phone, email, hours, out_of_hours, created_at) "
            f"VALUES ('Team', 'Hospital', '0100', 't@example.test', '9-5', 'Call 111', '{CREATED}')"
        )
        patient_rows = [
            (1, "Patient", f"p{i}@example.test", "Europe/London", "2025-01-01", CREATED)
            for i in range(1, patients + 1)
        ]
        known_rows = [
            (i, rng.choice(COMMON), CREATED)
            for i in range(1, patients + 1)
            if rng.random() < KNOWN_SHARE
        ]
        _store_patients(cur, postgresql, patient_rows, known_rows)
        stored = _store_diary(cur, postgresql, until_today())
        raw.commit()
        _analyze(raw, postgresql)
    finally:
        raw.close()
        engine.dispose()
    tomorrow.write_text(
        json.dumps([[*r[:2], _iso(r[2]), *r[3:5], _iso(r[5]), *r[6:]] for r in later])
    )
    return {"diary rows": stored, "tomorrow's rows": len(later), "known": len(known_rows)}


def store_tomorrow(url: str, tomorrow: Path) -> int:
    """Add the day after's rows, as a day of diary keeping would."""
    rows = [
        (*r[:2], date.fromisoformat(r[2]), *r[3:5], r[5] and date.fromisoformat(r[5]), *r[6:])
        for r in json.loads(tomorrow.read_text())
    ]
    engine = make_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        count = _store_diary(raw.cursor(), postgresql, iter(rows))
        raw.commit()
        _analyze(raw, postgresql)
    finally:
        raw.close()
        engine.dispose()
    return count


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _analyze(raw, postgresql: bool) -> None:
    if postgresql:
        raw.driver_connection.autocommit = True
        raw.cursor().execute("VACUUM ANALYZE")
        _checkpoint(raw)
        raw.driver_connection.autocommit = False
    else:
        raw.cursor().execute("ANALYZE")


def _checkpoint(raw) -> None:
    """Write out what loading left dirty, so that the pass timed next is not sharing the
    machine with the checkpoints the load set off (PostgreSQL spreads each one over minutes).
    """
    import psycopg

    try:
        raw.cursor().execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        print(
            "note: CHECKPOINT refused (grant the role pg_checkpoint): the first pass may run "
            "beside the checkpoints set off by loading, and take longer for it",
            file=sys.stderr,
        )


PATIENT_COLUMNS = "team_id, name, email, timezone, enrolled_on, created_at"
KNOWN_COLUMNS = "patient_id, symptom_code, created_at"
DIARY_COLUMNS = (
    "patient_id, kind, entry_date, symptom_code, severity, onset_date, worrying, "
    "created_at, updated_at, deleted_at"
)


def _store_patients(cur, postgresql: bool, patient_rows, known_rows) -> None:
    if postgresql:
        with cur.copy(f"COPY patients ({PATIENT_COLUMNS}) FROM STDIN") as copy:
            for row in patient_rows:
                copy.write_row(row)
        with cur.copy(f"COPY known_conditions ({KNOWN_COLUMNS}) FROM STDIN") as copy:
            for row in known_rows:
                copy.write_row(row)
        return
    cur.executemany(
        f"INSERT INTO patients ({PATIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", patient_rows
    )
    cur.executemany(f"INSERT INTO known_conditions ({KNOWN_COLUMNS}) VALUES (?, ?, ?)", known_rows)


def _store_diary(cur, postgresql: bool, rows: Iterator[tuple]) -> int:
    return _copy_diary(cur, rows) if postgresql else _insert_diary(cur, rows)


def _copy_diary(cur, rows: Iterator[tuple]) -> int:
    n = 0
    with cur.copy(f"COPY diary_entries ({DIARY_COLUMNS}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for pid, kind, day, code, severity, onset, worrying, deleted in rows:
            fields = (
                pid,
                kind,
                day,
                code,
                severity,
                onset,
                "t" if worrying else "f",
                CREATED,
                CREATED,
                CREATED if deleted else None,
            )
            buffer.write("\t".join(NULL if f is None else str(f) for f in fields))
            buffer.write("\n")
            n += 1
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return n


def _insert_diary(cur, rows: Iterator[tuple]) -> int:
    sql = f"INSERT INTO diary_entries ({DIARY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    n, chunk = 0, []
    for pid, kind, day, code, severity, onset, worrying, deleted in rows:
        chunk.append(
            (
                pid,
                kind,
                day.isoformat(),
                code,
                severity,
                onset.isoformat() if onset else None,
                int(worrying),
                CREATED,
                CREATED,
                CREATED if deleted else None,
            )
        )
        if len(chunk) == 50_000:
            cur.executemany(sql, chunk)
            n += len(chunk)
            chunk = []
    cur.executemany(sql, chunk)
    return n + len(chunk)


# ---- measuring (in a fresh child process) -----------------------------------------------------


def measure(url: str, batch_size: int, tomorrow: Path) -> dict:
    """Time the three passes, each followed by the bare aggregate; report in JSON (run in a
    child process)."""
    from sqlalchemy.orm import sessionmaker

    from tracker.detection import run as detection_run
    from tracker.detection.run import detect
    from tracker.rules.catalogue import load_rules

    rules = load_rules()
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    reprompt_seconds = []
    queue = detection_run._queue_reprompts

    def timed_reprompts(*args):
        started = time.perf_counter()
        try:
            return queue(*args)
        finally:
            reprompt_seconds.append(time.perf_counter() - started)

    detection_run._queue_reprompts = timed_reprompts  # to show its share, and only here
    rss_before = peak_rss_mb()
    passes = {}
    aggregates = []
    for name, today in (("first", TODAY), ("again", TODAY), ("next_day", TODAY + timedelta(1))):
        if name == "next_day":
            store_tomorrow(url, tomorrow)
        started = time.perf_counter()
        summary = detect(sessions, today, rules, batch_size=batch_size)
        passes[name] = {"seconds": time.perf_counter() - started, **summary.__dict__}
        aggregates.append(run_aggregate_child(url))
        passes[name]["aggregate_seconds"] = aggregates[-1]["seconds"]
    rss_peak = peak_rss_mb()
    with engine.connect() as conn:
        total_rows = conn.execute(text("SELECT count(*) FROM diary_entries")).scalar()
    engine.dispose()
    return {
        "passes": passes,
        "aggregate_seconds": min(a["seconds"] for a in aggregates),
        "window_rows": aggregates[0]["window_rows"],
        "groups": aggregates[0]["groups"],
        "total_rows": total_rows,
        "reprompt_seconds": reprompt_seconds,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_peak,
    }


def time_aggregate(url: str) -> dict:
    """The bare aggregate's best time of three, with its groups and the window's rows."""
    from tracker.detection.window import window_start
    from tracker.rules.catalogue import load_rules
    from tracker.rules.engine import compile_rules

    engine = make_engine(url)
    aggregate = text(
        "SELECT patient_id, symptom_code, count(*), max(entry_date) FROM diary_entries "
        "WHERE entry_date BETWEEN :first AND :today AND deleted_at IS NULL "
        "AND kind IN ('symptom', 'resolved') GROUP BY 1, 2"
    )
    params = {"first": window_start(TODAY, compile_rules(load_rules())), "today": TODAY}
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        with engine.connect() as conn:
            groups = conn.execute(aggregate, params).all()
        runs.append((time.perf_counter() - started, len(groups), sum(g[2] for g in groups)))
    engine.dispose()
    seconds, groups_read, window_rows = min(runs)
    return {"seconds": seconds, "groups": groups_read, "window_rows": window_rows}


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    VmHWM from /proc where there is one: on Linux, ru_maxrss survives exec, so a child started
    by a big parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(url: str, batch_size: int, tomorrow: Path) -> dict:
    """`measure` in a fresh interpreter, so generating the data adds nothing to its memory."""
    return _child("--measure", url, "--batch-size", str(batch_size), "--tomorrow", str(tomorrow))


def run_aggregate_child(url: str) -> dict:
    """`time_aggregate` in a process of its own, so its result rows add nothing to the passes'
    peak memory."""
    return _child("--aggregate", url)


def _child(*args: str) -> dict:
    out = subprocess.run(  # noqa: S603 - this interpreter and this file, no outside input
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- report -----------------------------------------------------------------------------------


PASSES = (
    ("first", "first pass (opens alerts)"),
    ("again", "same day again"),
    ("next_day", "next day (the daily run)"),
)


def report(backend: str, patients: int, days: int, load_seconds: float, m: dict) -> None:
    """Print one backend's figures."""
    p = m["passes"]
    print(f"\n== {backend}: {patients:,} patients, {days} days of history ==")
    print(
        f"diary rows: {m['total_rows']:,} in all, {m['window_rows']:,} live ones in the "
        f"window ({m['groups']:,} patient-symptom groups); stored in {load_seconds:.1f} s"
    )
    for key, label in PASSES:
        s = p[key]
        print(
            f"{label}: {s['findings']:,} findings; alerts {s['opened']:,} opened, "
            f"{s['updated']:,} updated, {s['unchanged']:,} unchanged; {s['failed']} failed"
        )
    print(
        f"{'':27}{'seconds':>9}{'patients/s':>12}{'window rows/s':>15}"
        f"{'aggregate s':>13}{'x aggregate':>13}"
    )
    rows = [(label, p[key]["seconds"], p[key]["aggregate_seconds"]) for key, label in PASSES]
    best = m["aggregate_seconds"]
    for label, seconds, aggregate in [*rows, ("bare aggregate (best)", best, best)]:
        print(
            f"{label:27}{seconds:9.2f}{patients / seconds:12,.0f}"
            f"{m['window_rows'] / seconds:15,.0f}{aggregate:13.2f}{seconds / aggregate:13.1f}"
        )
    reprompts = ", ".join(f"{s:.2f}" for s in m["reprompt_seconds"])
    print(f"queue_reprompts (tracker.alerts), inside the three passes: {reprompts} s")
    print(
        f"peak memory over the passes (VmHWM, whole process): {m['rss_peak_mb']:.0f} MB "
        f"({m['rss_before_mb']:.0f} MB before the first pass)"
    )


def as_json(backend: str, patients: int, days: int, m: dict) -> dict:
    """One backend's figures as `--json` prints them."""
    p = m["passes"]
    return {
        "backend": backend,
        "patients": patients,
        "days": days,
        "first_s": round(p["first"]["seconds"], 2),
        "same_day_s": round(p["again"]["seconds"], 2),
        "next_day_s": round(p["next_day"]["seconds"], 2),
        "aggregate_s": round(m["aggregate_seconds"], 2),
        "next_day_x": round(p["next_day"]["seconds"] / p["next_day"]["aggregate_seconds"], 1),
        "peak_mb": round(m["rss_peak_mb"]),
    }


def main() -> None:
    """Parse the arguments, build each backend's database, measure, report, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90, help="days of diary history")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url", default=os.environ.get("TRACKER_TEST_DATABASE_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--json", action="store_true", help="one JSON object per backend")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--tomorrow", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--aggregate", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.batch_size, args.tomorrow)))
        return
    if args.aggregate:
        print(json.dumps(time_aggregate(args.aggregate)))
        return

    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    if not args.json:
        print(f"{os.cpu_count()} cores; batch size {args.batch_size}; today {TODAY}")
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="tracker-bench-") as workdir:
            url = prepare_database(backend, args.pg_url, Path(workdir))
            tomorrow = Path(workdir) / "tomorrow.json"
            started = time.perf_counter()
            load(url, args.patients, args.days, args.seed, tomorrow)
            load_seconds = time.perf_counter() - started
            try:
                measured = run_child(url, args.batch_size, tomorrow)
                if args.json:
                    print(json.dumps(as_json(backend, args.patients, args.days, measured)))
                else:
                    report(backend, args.patients, args.days, load_seconds, measured)
            finally:
                if backend == "postgresql":
                    drop_database(args.pg_url, BENCH_DATABASE)


if __name__ == "__main__":
    main()

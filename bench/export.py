"""Benchmark of the patient's exports on a long diary: 5 years of daily entries, 3 symptoms a day.

    .venv/bin/python bench/export.py [--years 5] [--per-day 3] [--backend sqlite|postgresql|both]
                                     [--pdf-months 3 12]

Builds one patient whose diary has an entry for each of `--per-day` symptoms on every day for
`--years` years (each with its revision, some with notes, an edit and a deletion now and then),
then asks the app, signed in as that patient, for the zip of everything held (/your-data/download,
read chunk by chunk as a browser would) and for the summary's PDF over the last
`--pdf-months` months (each value one run; at most MAX_MONTHS, the longest range a summary
covers). Each is run twice: once timed, once under tracemalloc for the peak of Python's
allocations (tracemalloc slows it, so it is not timed). Prints one line per backend and export:
seconds, peak MB, and the size of what was sent; then the time to refuse a PDF of the whole
diary, which is longer than a summary may cover; then the team's FHIR Bundle of the whole record
(made by tracker.export.fhir_record, timed and measured the same way), checked against the FHIR
R4 JSON schema through node (not timed).

PostgreSQL runs in a database of the bench's own, `<name of TRACKER_TEST_DATABASE_URL's
database>_export_bench`, created and dropped here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tracker import create_app, db  # noqa: E402
from tracker.auth.sessions import start_session  # noqa: E402
from tracker.clock import Clock  # noqa: E402
from tracker.config import for_tests  # noqa: E402
from tracker.db import drop_database, fresh_database, make_engine  # noqa: E402
from tracker.diary import services  # noqa: E402
from tracker.diary.models import DiaryEntry, EntryRevision  # noqa: E402
from tracker.diary.services import SymptomReport  # noqa: E402
from tracker.export.fhir_record import bundle_json  # noqa: E402
from tracker.export.summary import MAX_MONTHS, months_before  # noqa: E402
from tracker.models import Base  # noqa: E402
from tracker.patients.models import Patient  # noqa: E402
from tracker.rules import load_rules  # noqa: E402
from tracker.team.models import Team  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://tracker:tracker-ci-only@127.0.0.1:5432/tracker_test"
SYMPTOMS = ("fatigue", "joint_pain", "hot_flushes", "headache", "nausea", "cough")
# A fixed day, so every run builds the same diary.
TODAY = date(2026, 12, 1)


def build(app, years: int, per_day: int) -> int:
    """The patient and their diary; returns the patient's id."""
    with app.app_context():
        s = db.session()
        team = Team(
            name="Breast Care",
            hospital="Bench Hospital",
            phone="0118 496 0000",
            email="team@example.test",
            hours="Monday to Friday, 9am to 5pm",
            out_of_hours="Call NHS 111.",
        )
        s.add(team)
        s.flush()
        days = 365 * years + years // 4
        patient = Patient(
            team_id=team.id,
            name="Bench Patient",
            email="bench@example.test",
            timezone="Europe/London",
            enrolled_on=TODAY - timedelta(days=days),
        )
        s.add(patient)
        s.flush()
        for n in range(days, -1, -1):
            day = TODAY - timedelta(days=n)
            reports = [
                SymptomReport(
                    SYMPTOMS[k],
                    1 + (n + 3 * k) % 10,
                    note="A harder day than most, after a poor night" if (n + k) % 5 == 0 else None,
                )
                for k in range(per_day)
            ]
            entries = services.record_symptoms(s, patient, day, reports)
            if n % 30 == 0:
                services.delete_entry(s, patient, entries[0])
            if n % 500 == 0:
                s.commit()
        s.commit()
        return patient.id


def signed_in(app, patient_id: int):
    client = app.test_client()
    with app.app_context():
        key = start_session(db.session(), db.session().get(Patient, patient_id))
        db.session().commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True
    return client


def fetch(client, path: str, query: dict | None = None, status: int = 200) -> int:
    """Ask for `path` and read the answer as it comes; the number of bytes."""
    with client.get(path, query_string=query or {}) as response:
        assert response.status_code == status, (path, response.status_code)
        return sum(len(chunk) for chunk in response.response)


def range_query(start: date, end: date) -> dict:
    return {
        "from[day]": start.day,
        "from[month]": start.month,
        "from[year]": start.year,
        "to[day]": end.day,
        "to[month]": end.month,
        "to[year]": end.year,
    }


def check_zip(client, app, patient_id: int) -> None:
    """The zip holds every entry and every revision of the diary (not timed)."""
    with client.get("/your-data/download") as response:
        z = zipfile.ZipFile(io.BytesIO(response.get_data()))
    with app.app_context():
        s = db.session()
        entries = s.scalar(select(func.count()).where(DiaryEntry.patient_id == patient_id))
        revisions = s.scalar(
            select(func.count(EntryRevision.id))
            .join(DiaryEntry)
            .where(DiaryEntry.patient_id == patient_id)
        )
    assert len(json.loads(z.read("diary_entries.json"))) == entries
    assert len(json.loads(z.read("diary_entry_revisions.json"))) == revisions
    print(f"zip checked: {entries} entries, {revisions} revisions", flush=True)


def measure(client, path: str, query: dict | None = None) -> tuple[float, float, int]:
    return measure_call(lambda: fetch(client, path, query))


def measure_call(make) -> tuple[float, float, int]:
    """Seconds for one call of `make`, the peak of a second under tracemalloc, and its result."""
    started = time.perf_counter()
    size = make()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    make()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20, size


def fhir_bundle(app, clock, patient_id: int) -> tuple[float, float, int, int, int]:
    """The team's FHIR Bundle of the whole record: seconds, peak MB, bytes, resources, and the
    number of errors the FHIR R4 JSON schema finds in it."""
    with app.app_context():
        s = db.session()
        patient = s.get(Patient, patient_id)
        made = {}

        def make() -> int:
            made["body"] = bundle_json(s, patient, clock.now(), load_rules())
            return len(made["body"])

        seconds, peak, size = measure_call(make)
    checked = subprocess.run(  # noqa: S603 - the tests' own script, no outside input
        ["node", str(PROJECT / "tests" / "export" / "fhir_schema.js")],  # noqa: S607 - node on PATH
        input=made["body"] + b"\n",
        capture_output=True,
        check=True,
        cwd=PROJECT,
    )
    errors = len(json.loads(checked.stdout))
    resources = len(json.loads(made["body"])["entry"])
    return seconds, peak, size, resources, errors


def run(backend: str, args, workdir: str) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/bench.db"
        bench_db = None
    else:
        base = os.environ.get("TRACKER_TEST_DATABASE_URL", DEFAULT_PG_URL)
        bench_db = f"{make_url(base).database}_export_bench"
        url = fresh_database(base, bench_db)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    clock = Clock()
    clock.set(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC))
    app = create_app(for_tests(url, f"{workdir}/instance-{backend}"), clock)
    try:
        started = time.perf_counter()
        patient_id = build(app, args.years, args.per_day)
        print(f"{backend}: built the diary in {time.perf_counter() - started:.1f} s", flush=True)
        client = signed_in(app, patient_id)
        check_zip(client, app, patient_id)
        seconds, peak, size = measure(client, "/your-data/download")
        print(
            f"{backend}: zip download  {seconds:7.2f} s  peak {peak:6.1f} MB  "
            f"{size / 2**20:6.2f} MB sent",
            flush=True,
        )
        for months in args.pdf_months:
            query = range_query(months_before(TODAY, months), TODAY)
            seconds, peak, size = measure(client, "/your-data/summary.pdf", query)
            print(
                f"{backend}: PDF {months:3d} months {seconds:7.2f} s  peak {peak:6.1f} MB  "
                f"{size / 2**20:6.2f} MB sent",
                flush=True,
            )
        # The whole diary: refused beside the first day, before anything is read or drawn.
        whole = range_query(TODAY - timedelta(days=365 * args.years), TODAY)
        started = time.perf_counter()
        fetch(client, "/your-data/summary.pdf", whole, status=400)
        print(
            f"{backend}: PDF of the whole diary refused in {time.perf_counter() - started:.2f} s",
            flush=True,
        )
        seconds, peak, size, resources, errors = fhir_bundle(app, clock, patient_id)
        print(
            f"{backend}: FHIR Bundle  {seconds:7.2f} s  peak {peak:6.1f} MB  "
            f"{size / 2**20:6.2f} MB, {resources} resources, {errors} schema errors",
            flush=True,
        )
    finally:
        app.extensions["engine"].dispose()
        if bench_db:
            drop_database(os.environ.get("TRACKER_TEST_DATABASE_URL", DEFAULT_PG_URL), bench_db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pdf-months", type=int, nargs="*", default=[3, MAX_MONTHS])
    args = parser.parse_args()
    if any(m > MAX_MONTHS for m in args.pdf_months):
        parser.error(f"--pdf-months: a summary covers at most {MAX_MONTHS} months")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as workdir:
        for backend in backends:
            run(backend, args, workdir)


if __name__ == "__main__":
    main()

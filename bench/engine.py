"""Micro-benchmark of the rules engine: believable 90-day diaries in memory, no database.

    .venv/bin/python bench/engine.py [PATIENTS]

Prints patients per second for `assess` from raw entries (grouping included) and for
`assess_grouped` on data already grouped by symptom, and what that means for the target of
100,000 patients in 60 seconds on 2 cores.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta

from tracker.rules import load_rules
from tracker.rules.engine import (
    Entry,
    ResolvedMark,
    assess,
    assess_grouped,
    compile_rules,
    group_entries,
    group_marks,
)

TODAY = date(2026, 11, 12)
DIARY_DAYS = 90
TARGET_PATIENTS, TARGET_SECONDS, TARGET_CORES = 100_000, 60, 2


def make_diary(rng: random.Random, codes: list[str]) -> tuple[list, list, frozenset]:
    """One patient: a few symptoms logged daily to weekly, drifting severities, a few marks."""
    entries: list[Entry] = []
    marks: list[ResolvedMark] = []
    symptoms = rng.sample(codes, rng.choice([1, 1, 2, 2, 3, 4, 6]))
    for code in symptoms:
        every = rng.choice([1, 1, 2, 3, 7])  # how often this patient logs it
        day = rng.randrange(0, 30)
        severity = rng.randint(1, 6)
        while day < DIARY_DAYS:
            when = TODAY - timedelta(days=DIARY_DAYS - 1 - day)
            severity = min(10, max(1, severity + rng.choice([-1, 0, 0, 1])))
            onset = when - timedelta(days=rng.randint(0, 10)) if rng.random() < 0.05 else None
            entries.append(Entry(when, code, severity, onset, rng.random() < 0.05))
            if rng.random() < 0.03:
                marks.append(ResolvedMark(when, code))
                day += rng.randint(5, 30)  # it went away for a while
            day += every + rng.choice([0, 0, 1, 3, 9])
    known = frozenset(s for s in symptoms if rng.random() < 0.2)
    return entries, marks, known


def main() -> None:
    """Generate the diaries, time the engine on them, print the figures."""
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    catalogue = load_rules()
    rules = compile_rules(catalogue)
    rng = random.Random(20261112)
    codes = list(catalogue.symptoms)
    diaries = [make_diary(rng, codes) for _ in range(patients)]
    n_entries = sum(len(d[0]) for d in diaries)

    started = time.perf_counter()
    found = sum(len(assess(e, m, k, TODAY, rules)) for e, m, k in diaries)
    raw_seconds = time.perf_counter() - started

    grouped = [(group_entries(e, TODAY), group_marks(m, TODAY), k) for e, m, k in diaries]
    started = time.perf_counter()
    found_grouped = sum(len(assess_grouped(g, m, k, TODAY, rules)) for g, m, k in grouped)
    grouped_seconds = time.perf_counter() - started
    assert found == found_grouped

    needed = TARGET_PATIENTS / TARGET_SECONDS / TARGET_CORES
    print(
        f"{patients} patients, {n_entries} entries ({n_entries / patients:.0f} each), "
        f"{found} findings"
    )
    for label, seconds in (
        ("assess (raw entries)", raw_seconds),
        ("assess_grouped", grouped_seconds),
    ):
        rate = patients / seconds
        print(
            f"{label:22} {rate:10,.0f} patients/s  {1e6 * seconds / patients:7.1f} us/patient  "
            f"100k on {TARGET_CORES} cores: {TARGET_PATIENTS / rate / TARGET_CORES:5.1f} s"
        )
    print(
        f"target: {needed:,.0f} patients/s per core ({TARGET_PATIENTS:,} in "
        f"{TARGET_SECONDS} s on {TARGET_CORES} cores), engine only, no database"
    )


if __name__ == "__main__":
    main()

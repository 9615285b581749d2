"""bench/burden.py on a tiny cohort, so that it cannot rot: it runs, it is reproducible, its
shortcut (the engine on save days only) changes nothing, and it counts what it says it does."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.rules import load_rules
from tracker.rules.engine import compile_rules

BENCH = Path(__file__).resolve().parents[1] / "bench" / "burden.py"


@pytest.fixture(scope="module")
def burden():
    spec = importlib.util.spec_from_file_location("bench_burden", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_the_same_seed_gives_the_same_figures(burden):
    assert burden.run(30, 90, seed=5, warmup=30) == burden.run(30, 90, seed=5, warmup=30)


def test_running_the_engine_only_on_save_days_finds_what_every_day_finds(burden):
    assert burden.run(30, 120, seed=11, warmup=30) == burden.run(
        30, 120, seed=11, warmup=30, every_day=True
    )


def test_a_weekly_logger_with_a_new_lump_is_prompted_on_a_visit_after_the_threshold(burden):
    rules = compile_rules(load_rules())
    p = burden.Patient(pid=1, habit="weekly", first_day=0, last_day=60)
    p.recurrence, p.recurrence_start = "local", 10
    p.spells.append(burden.Spell("lump", None, 10, 61, 2, 0.0, True))
    out = burden.simulate(p, random.Random(1), rules, 35, every_day=False)
    assert out.threshold == 10  # `report_promptly` fires on the day a lump is logged
    assert out.prompted is not None and 10 <= out.prompted <= 10 + 14
    assert all(day >= 10 for day, *_ in out.prompts)


def test_a_patient_who_stops_logging_with_a_symptom_ongoing_is_queued_once(burden):
    rules = compile_rules(load_rules())
    p = burden.Patient(pid=2, habit="lapsing", first_day=0, last_day=120, gone=(30, 121))
    p.spells.append(burden.Spell("headache", None, 0, 121, 3))
    out = burden.simulate(p, random.Random(2), rules, 35, every_day=False)
    assert len(out.quiet) == 1
    began, _finding, queued = out.quiet[0]
    assert began == out.heard[-1] + 35 and queued


def test_the_command_prints_the_figures_against_the_goals():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--patients", "20", "--days", "60", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for words in (
        "per patient-year (goal <= 1.5",
        "patient-weeks with a new prompt",
        "by rule",
        "sensitivity among those who keep logging",
        "quiet with a finding",
    ):
        assert words in done.stdout

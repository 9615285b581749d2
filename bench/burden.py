"""Burden and sensitivity of the clinical rules over a simulated cohort (issue 18, item 6).

    .venv/bin/python bench/burden.py [--patients 2000] [--days 365] [--seed 20261202]
                                     [--warmup 90] [--every-day]

Simulates a cohort of patients after breast cancer treatment, day by day: background symptoms
at documented prevalences, about 4% seeded recurrence patterns, four logging habits, and what a
patient does with a prompt. Every save runs the project's own engine (`tracker.rules.engine`)
over the patient's whole diary, and every finding goes through the project's own alert
lifecycle (`tracker.alerts.lifecycle.decide`), in memory. Quiet spells are judged by
`tracker.rules.quiet.quiet_state`, the function the team's queue uses.

It prints new prompts per patient-year, the share of patient-weeks with a new prompt, the
shares by cause, sensitivity by logging habit, days from the spec's threshold to the prompt,
and how many quiet patients with a finding reached the team's queue, against the issue's goals.
The assumptions, their sources and the figures are in docs/clinical-safety.md ("Burden and
sensitivity"). The random generator is seeded: the same arguments print the same figures.

A finding can appear only when the diary changes (a save) or a known condition ends; between
those, time only takes findings away (an episode lapses, a red flag's urgency falls). So the
engine runs on save days and on the day after a known condition ends, which is what the save
path and the daily run together do; `--every-day` runs it every day instead, to show that the
shortcut changes nothing (tests/test_bench_burden.py checks it on a small cohort).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.alerts.lifecycle import (
    CLOSED,
    OPEN_NEW,
    RAISE,
    SUPERSEDE_AND_OPEN,
    UNCHANGED,
    SymptomAlerts,
    decide,
)
from tracker.rules import load_rules
from tracker.rules.data import Entry, KnownCondition, ResolvedMark, series_key
from tracker.rules.engine import assess, compile_rules
from tracker.rules.quiet import quiet_state

START = date(2027, 1, 4)  # day 0 of the counted year
PROMPTING = (OPEN_NEW, SUPERSEDE_AND_OPEN, RAISE)  # the actions that send a new prompt (§4)

# ---- the cohort's assumptions (each is documented, with its source, in the safety record) ----

# Logging habits and their shares. Gaps are between diary visits, in days.
HABITS = {"weekly": 0.40, "sporadic": 0.30, "frequent": 0.15, "lapsing": 0.15}
KEEPS_LOGGING = ("weekly", "sporadic", "frequent")
BREAK_SHARE = 0.15  # patients who keep logging but take one break of 5 to 10 weeks in the year
BREAK_DAYS = (36, 70)

# What a patient does on a visit.
LOG_ACTIVE = 0.85  # a benign symptom present on the visit day is logged
LOG_SINCE = 0.5  # one present since the last visit but gone now is logged, dated its last day
LOG_RECURRENCE = 0.95  # a symptom of a recurrence present on the visit day is logged
LOG_EVENT = 0.8  # a red-flag event (a fit, coughing blood, yellow skin) is logged that day
LATE_BY_A_DAY = 0.1  # an entry is dated the day before the visit
MARK_GONE = 0.4  # a logged symptom that has gone is marked "gone away" on the next visit
WORRY_BENIGN = 0.02  # an entry of a background symptom is marked "this worries me"
WORRY_RECURRENCE = 0.25
FLARE = 0.02  # a background symptom's entry is 3 points worse than usual that day
TEAM_CLOSES_WITHIN = (1, 7)  # days from a prompt to the patient's answer or the team's outcome

RECURRENCE_SHARE = 0.04
# Kinds of first recurrence and their shares; each a list of (code, from day, to day or None,
# first severity, rise per week). A negative "to" marks a one-day red-flag event, seen with
# the given chance (its severity is then not given).
RECURRENCES: dict[str, tuple[float, list[tuple]]] = {
    "bone": (0.40, [("bone_pain", 0, None, 3, 0.5), ("bone_pain_night", 28, None, 4, 0.5)]),
    "lung": (0.20, [("cough", 0, None, 3, 0.3), ("breathless", 14, None, 3, 0.5)]),
    "liver": (
        0.15,
        [("appetite_loss", 0, None, 3, 0.3), ("tummy_swelling", 10, None, 3, 0.4)],
    ),
    "brain": (0.10, [("headache", 0, None, 3, 0.6), ("dizziness", 14, None, 3, 0.4)]),
    "local": (0.15, [("lump", 0, None, 2, 0.0)]),
}
EVENTS = {"bone": None, "lung": ("coughing_blood", 0.15), "liver": ("jaundice", 0.15),
          "brain": ("seizure", 0.10), "local": None}  # fmt: skip
RECURRENCE_LEAD = 90  # a pattern starts at least this many days before the year ends


@dataclass(frozen=True)
class Condition:
    """A background complaint: who has it, how each patient logs it, how it comes and goes."""

    label: str
    prevalence: float
    logged_as: tuple[tuple[str, str | None, float], ...]  # (code, `other` name, share)
    on: tuple[int, int]  # days it lasts each time (uniform)
    off: tuple[int, int]  # days between times (uniform)
    severity: tuple[int, int]  # a patient's usual severity (uniform)
    known: tuple[float, float] = (0.0, 0.0)  # shares known: undated, and set by the team to end


CONDITIONS = (
    Condition("joint aches on hormone therapy", 0.35,
              (("joint_pain", None, 0.85), ("bone_pain", None, 0.15)),
              (30, 120), (7, 40), (3, 6), (0.4, 0.2)),
    Condition("fatigue", 0.30, (("fatigue", None, 1.0),), (10, 60), (14, 90), (3, 6), (0.2, 0.0)),
    Condition("colds (cough)", 1.0, (("cough", None, 1.0),), (5, 28), (60, 230), (3, 5)),
    Condition("chemotherapy numbness", 0.15,
              (("numbness", None, 0.85), ("limb_weakness", None, 0.15)),
              (60, 365), (7, 30), (2, 5), (0.3, 0.0)),
    Condition("hot flushes", 0.45,
              (("hot_flushes", None, 0.9), ("other", "hot flushes", 0.1)),
              (30, 150), (7, 60), (3, 7)),
    Condition("lymphoedema", 0.20, (("lymphoedema", None, 1.0),), (20, 90), (14, 60), (2, 5),
              (0.3, 0.0)),
    Condition("sleep problems", 0.30, (("sleep_problems", None, 1.0),), (14, 60), (14, 90),
              (3, 6)),
    Condition("tension headaches", 0.40, (("headache", None, 1.0),), (1, 3), (20, 90), (3, 5)),
    Condition("stomach upsets", 0.50, (("nausea", None, 1.0),), (1, 4), (90, 300), (3, 6)),
    Condition("other passing complaints", 1.0,
              tuple((("other", n, 1 / 6)) for n in
                    ("jaw ache", "toothache", "itchy ear", "sore throat", "cramp", "indigestion")),
              (1, 10), (120, 360), (2, 5)),
)  # fmt: skip


# ---- one patient ------------------------------------------------------------------------------


@dataclass
class Spell:
    """A symptom present from `start` to `end` (exclusive), as the patient logs it."""

    code: str
    name: str | None
    start: int
    end: int
    severity: int
    rise: float = 0.0  # points per week (a recurrence)
    recurrence: bool = False
    event_chance: float = 0.0  # a one-day red-flag event: logged that day with this chance

    @property
    def series(self) -> str:
        return series_key(self.code, self.name)

    def on(self, day: int) -> bool:
        return self.start <= day < self.end


@dataclass
class Patient:
    pid: int
    habit: str
    first_day: int
    last_day: int
    spells: list[Spell] = field(default_factory=list)
    known: list[str | KnownCondition] = field(default_factory=list)
    known_ends: list[int] = field(default_factory=list)
    recurrence: str | None = None
    recurrence_start: int = 0
    gone: tuple[int, int] | None = None  # days with no visits: a break, or a lapse for good


def make_patient(pid: int, rng: random.Random, first: int, days: int) -> Patient:
    """One patient: a habit, their background complaints, maybe a recurrence."""
    habit = rng.choices(list(HABITS), weights=list(HABITS.values()))[0]
    p = Patient(pid, habit, first, days)
    if habit == "lapsing":
        p.gone = (rng.randint(30, max(31, days - 45)), days + 1)
    elif rng.random() < BREAK_SHARE:
        start = rng.randint(0, max(1, days - BREAK_DAYS[0]))
        p.gone = (start, start + rng.randint(*BREAK_DAYS))
    for c in CONDITIONS:
        if rng.random() >= c.prevalence:
            continue
        code, name, _ = rng.choices(c.logged_as, weights=[w for *_, w in c.logged_as])[0]
        severity = rng.randint(*c.severity)
        day = first - rng.randint(0, c.off[1])
        while day < days:
            day += rng.randint(*c.off)
            length = rng.randint(*c.on)
            p.spells.append(Spell(code, name, day, day + length, severity))
            day += length
        roll = rng.random()
        canonical = c.logged_as[0][0]  # a known condition names the right code
        if roll < c.known[0]:
            p.known.append(canonical)
        elif roll < c.known[0] + c.known[1]:
            until = rng.randint(60, max(61, days - 60))
            p.known.append(KnownCondition(canonical, until=START + timedelta(days=until)))
            p.known_ends.append(until + 1)
    if rng.random() < RECURRENCE_SHARE:
        kinds = list(RECURRENCES)
        p.recurrence = rng.choices(kinds, weights=[RECURRENCES[k][0] for k in kinds])[0]
        p.recurrence_start = s = rng.randint(0, max(1, days - RECURRENCE_LEAD))
        for code, frm, _to, severity, rise in RECURRENCES[p.recurrence][1]:
            p.spells.append(Spell(code, None, s + frm, days + 1, severity, rise, True))
        event = EVENTS[p.recurrence]
        if event is not None and rng.random() < event[1]:
            e = s + rng.randint(14, 60)
            p.spells.append(Spell(event[0], None, e, e + 1, 0, 0.0, True, LOG_EVENT))
    return p


def visit_days(p: Patient, rng: random.Random) -> list[int]:
    """The days the patient opens the diary, by habit (breaks and lapses left out)."""
    out = []
    day = p.first_day + rng.randint(0, 6)
    while day < p.last_day:
        if p.gone is None or not (p.gone[0] <= day < p.gone[1]):
            out.append(day)
        if p.habit == "frequent":
            day += rng.randint(1, 3)
        elif p.habit == "sporadic":
            day += rng.randint(6, 21)
        else:  # weekly, and lapsing until they stop: often a day or two late, some weeks missed
            day += rng.choices((7, 8, 9, 14), weights=(60, 15, 10, 15))[0]
    return out


def severity_on(spell: Spell, day: int, rng: random.Random) -> int | None:
    """The severity the patient gives on `day` (None for a red-flag event, not scored)."""
    if spell.event_chance:
        return None
    if spell.recurrence:
        return max(1, min(10, round(spell.severity + spell.rise * (day - spell.start) / 7)))
    flare = 3 if rng.random() < FLARE else 0
    return max(1, min(10, spell.severity + rng.randint(-1, 1) + flare))


# ---- the simulation ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one patient."""

    patient: Patient
    prompts: list[tuple[int, str, tuple[str, ...], bool]]  # (day, series, reasons, recurrence)
    heard: list[int]  # days something came from the patient
    threshold: int | None = None  # the first day the spec says the pattern is to be reported
    prompted: int | None = None  # the first prompt on the pattern's symptoms
    quiet: list[tuple[int, bool, bool]] = field(default_factory=list)  # (day, finding, queued)


def simulate(p: Patient, rng: random.Random, rules, quiet_days: int, every_day: bool) -> Outcome:
    """Run one patient's year: visits, saves, the engine, the alert lifecycle, the team."""
    entries: list[Entry] = []  # in the order saved
    saved: list[int] = []  # the day each entry was saved (a late entry is dated earlier)
    marks: list[ResolvedMark] = []  # saved on their own day
    alerts: dict[str, SymptomAlerts] = {}
    closing: dict[str, int] = {}  # series -> day its open alert is answered or closed
    unmarked: set[str] = set()  # series logged and not yet marked gone
    out = Outcome(p, [], [])
    saves = _saves(p, rng, entries, saved, marks, unmarked, out.heard)
    pattern = {s.series for s in p.spells if s.recurrence}
    check = sorted(set(saves) | set(p.known_ends))
    if every_day:
        check = list(range(p.first_day, p.last_day))
    seen = 0
    for day in check:
        for series, when in list(closing.items()):
            if when <= day:
                done = alerts[series].open
                if done is not None:
                    alerts[series] = SymptomAlerts(None, done._replace(status=CLOSED))
                del closing[series]
        while seen < len(entries) and saved[seen] <= day:  # what was saved by then
            seen += 1
        today = START + timedelta(days=day)
        for f in assess(entries[:seen], marks, p.known, today, rules):
            action = decide(alerts.get(f.series, SymptomAlerts()), f)
            if action.kind == UNCHANGED:
                continue
            alerts[f.series] = SymptomAlerts(action.alert, action.alert)
            if action.kind in PROMPTING:
                closing[f.series] = day + rng.randint(*TEAM_CLOSES_WITHIN)
                true = f.series in pattern and day >= p.recurrence_start
                out.prompts.append((day, f.series, f.reasons, true))
                if true and out.prompted is None:
                    out.prompted = day
    if p.recurrence:
        out.threshold = _threshold(p, rules)
    out.quiet = _quiet_spells(p, entries, marks, out.heard, quiet_days, rules)
    return out


def _saves(p, rng, entries, saved, marks, unmarked, heard) -> list[int]:
    """Write the patient's whole diary, in the order saved; returns the save days."""
    visits = visit_days(p, rng)
    events = [
        s.start
        for s in p.spells
        if s.event_chance and not _gone(p, s.start) and rng.random() < s.event_chance
    ]
    saves = sorted(set(visits) | set(events))
    event_days = set(events)
    previous = p.first_day - 7
    for day in saves:
        for s in p.spells:
            if s.event_chance:
                if s.start == day and day in event_days:
                    entries.append(Entry(START + timedelta(days=day), s.code, None))
                    saved.append(day)
                    unmarked.add(s.series)
                continue
            if day not in visits:
                continue
            when = _logged_day(s, day, previous, rng)
            if when is None:
                continue
            worry = rng.random() < (WORRY_RECURRENCE if s.recurrence else WORRY_BENIGN)
            sev = severity_on(s, when, rng)
            entries.append(Entry(START + timedelta(days=when), s.code, sev, None, worry, s.name))
            saved.append(day)
            unmarked.add(s.series)
        if day in visits:
            for series in sorted(unmarked):
                if not any(s.series == series and s.on(day) for s in p.spells):
                    if rng.random() < MARK_GONE:
                        code, _, name = series.partition(":")
                        marks.append(ResolvedMark(START + timedelta(days=day), code, name or None))
                    unmarked.discard(series)  # asked once: marked or left to lapse
            previous = day
        heard.append(day)  # entries, a mark, or "no new symptoms today"
    return saves


def _gone(p: Patient, day: int) -> bool:
    return p.gone is not None and p.gone[0] <= day < p.gone[1]


def _logged_day(s: Spell, day: int, previous: int, rng: random.Random) -> int | None:
    """The day a visit on `day` logs spell `s` for, or None if it is not logged."""
    if s.on(day):
        if rng.random() >= (LOG_RECURRENCE if s.recurrence else LOG_ACTIVE):
            return None
        return day - 1 if s.on(day - 1) and rng.random() < LATE_BY_A_DAY else day
    last = min(s.end - 1, day - 1)
    if last > previous and last >= s.start and rng.random() < LOG_SINCE:
        return last
    return None


def _threshold(p: Patient, rules) -> int | None:
    """The first day the engine finds the pattern in a perfect diary: every symptom of it
    logged every day, at its expected severity, unworried."""
    pattern = [s for s in p.spells if s.recurrence]
    series = {s.series for s in pattern}
    for day in range(p.recurrence_start, p.last_day):
        diary = [
            Entry(START + timedelta(days=d), s.code, None if s.event_chance else
                  max(1, min(10, round(s.severity + s.rise * (d - s.start) / 7))))
            for s in pattern
            for d in range(s.start, min(s.end, day + 1))
        ]  # fmt: skip
        today = START + timedelta(days=day)
        if any(f.series in series for f in assess(diary, [], p.known, today, rules)):
            return day
    return None


def _quiet_spells(p, entries, marks, heard, quiet_days, rules) -> list:
    """Each quiet spell in the counted year: (the day it began, whether the engine had a
    finding for the patient on the day they were last heard from, whether `quiet_state` puts
    them in the team's queue). Everything in the diary was saved by the last day heard from."""
    out = []
    marks_up = sorted(marks, key=lambda m: m.day)
    for i, last in enumerate(heard):
        nxt = heard[i + 1] if i + 1 < len(heard) else p.last_day + quiet_days + 1
        begins = last + quiet_days
        if nxt <= begins or not (0 <= begins < p.last_day):
            continue
        today = START + timedelta(days=begins)
        heard_day = START + timedelta(days=last)
        diary = [e for e in entries if e.day <= heard_day]
        marked = [m for m in marks_up if m.day <= heard_day]
        state = quiet_state(heard_day, START + timedelta(days=p.first_day), today, quiet_days,
                            True, diary, marked, p.known, rules)  # fmt: skip
        finding = bool(assess(diary, marked, p.known, heard_day, rules))
        out.append((begins, finding, state.to_queue))
    return out


# ---- the figures ------------------------------------------------------------------------------


def run(patients: int, days: int, seed: int, warmup: int = 90, every_day: bool = False) -> dict:
    """Simulate the cohort; returns the figures `main` prints."""
    catalogue = load_rules()
    rules = compile_rules(catalogue)
    quiet_days = catalogue.thresholds["quiet_days"]
    rng = random.Random(seed)
    outcomes = []
    for pid in range(patients):
        p = make_patient(pid, rng, -warmup, days)
        outcomes.append(simulate(p, random.Random(rng.random()), rules, quiet_days, every_day))
    return figures(outcomes, patients, days, quiet_days)


def figures(outcomes: list[Outcome], patients: int, days: int, quiet_days: int) -> dict:
    """The bench's figures from each patient's outcome (prompts counted in the year only)."""
    counted = [(o, d, s, r, t) for o in outcomes for d, s, r, t in o.prompts if 0 <= d < days]
    weeks = (days + 6) // 7
    weeks_with = {(o.patient.pid, d // 7) for o, d, *_ in counted}
    by_symptom = Counter(s.partition(":")[0] for _, _, s, _, _ in counted)
    by_reason = Counter(r[0] for _, _, _, r, _ in counted)
    true_prompts = sum(1 for *_, t in counted if t)
    sens: dict[str, list[int]] = {}
    by_kind: dict[str, list[int]] = {}
    delays = []
    lapsed_with_pattern = Counter()
    for o in outcomes:
        p = o.patient
        if p.recurrence is None:
            continue
        hit = o.prompted is not None
        sens.setdefault(p.habit, [0, 0])[0] += hit
        sens[p.habit][1] += 1
        by_kind.setdefault(p.recurrence, [0, 0])[0] += hit
        by_kind[p.recurrence][1] += 1
        if hit and o.threshold is not None:
            delays.append(o.prompted - o.threshold)
        if p.habit == "lapsing":
            if p.gone is not None and p.gone[0] <= p.recurrence_start:
                lapsed_with_pattern["stopped before it began"] += 1
            elif hit:
                lapsed_with_pattern["prompted"] += 1
            elif any(q and day >= p.recurrence_start for day, _, q in o.quiet):
                lapsed_with_pattern["queued as quiet"] += 1
            else:
                lapsed_with_pattern["neither"] += 1
    keep = [sens.get(h, [0, 0]) for h in KEEPS_LOGGING]
    spells = [q for o in outcomes for q in o.quiet]
    # Patients who stopped logging for good and were quiet within the counted year.
    lapsers = [
        o
        for o in outcomes
        if o.patient.habit == "lapsing" and o.patient.gone[0] + quiet_days < days
    ]
    return {
        "patients": patients,
        "days": days,
        "patient_years": patients * days / 365,
        "prompts": len(counted),
        "true_prompts": true_prompts,
        "weeks": patients * weeks,
        "weeks_with_prompt": len(weeks_with),
        "by_symptom": by_symptom,
        "by_reason": by_reason,
        "sensitivity": sens,
        "by_kind": by_kind,
        "keep_logging": (sum(k[0] for k in keep), sum(k[1] for k in keep)),
        "delays": delays,
        "quiet_spells": len(spells),
        "quiet_with_finding": sum(1 for _, f, _ in spells if f),
        "quiet_with_finding_queued": sum(1 for _, f, q in spells if f and q),
        "quiet_queued": sum(1 for *_, q in spells if q),
        "lapsed_with_pattern": lapsed_with_pattern,
        "recurrences": sum(1 for o in outcomes if o.patient.recurrence),
        "lapsers": len(lapsers),
        "lapsers_queued": sum(1 for o in lapsers if any(q for *_, q in o.quiet)),
    }


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def report(f: dict, seconds: float) -> str:
    """The figures as the bench prints them."""
    py = f["patient_years"]
    per_year = f["prompts"] / py if py else 0.0
    week_share = f["weeks_with_prompt"] / f["weeks"] if f["weeks"] else 0.0
    kept, kept_all = f["keep_logging"]
    lines = [
        f"{f['patients']} patients x {f['days']} days ({py:.0f} patient-years), "
        f"{f['recurrences']} seeded recurrence patterns, {seconds:.1f} s",
        f"new prompts: {f['prompts']} = {per_year:.2f} per patient-year "
        f"(goal <= 1.5: {'met' if per_year <= 1.5 else 'MISSED'}); "
        f"{f['true_prompts']} on a seeded pattern",
        f"patient-weeks with a new prompt: {_pct(f['weeks_with_prompt'], f['weeks'])} "
        f"(goal <= 3%: {'met' if week_share <= 0.03 else 'MISSED'})",
        "by symptom: "
        + ", ".join(f"{k} {_pct(v, f['prompts'])}" for k, v in f["by_symptom"].most_common(10)),
        "by rule (first reason): "
        + ", ".join(f"{k} {_pct(v, f['prompts'])}" for k, v in f["by_reason"].most_common()),
        "sensitivity by habit: "
        + ", ".join(f"{h} {a}/{b}" for h, (a, b) in sorted(f["sensitivity"].items())),
        "prompted by kind: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(f["by_kind"].items())),
        f"sensitivity among those who keep logging: {kept}/{kept_all} = {_pct(kept, kept_all)} "
        f"(goal >= 90%: {'met' if kept_all and kept / kept_all >= 0.9 else 'MISSED'})",
    ]
    d = f["delays"]
    if d:
        q = statistics.quantiles(d, n=10) if len(d) > 1 else [d[0]] * 9
        lines.append(
            f"days from the spec's threshold to the prompt: median {statistics.median(d):g}, "
            f"90th percentile {q[8]:g}, min {min(d)}, max {max(d)}; "
            f"{sum(1 for x in d if x > 14)} of {len(d)} more than 14 days late"
        )
    met = f["quiet_with_finding_queued"] == f["quiet_with_finding"]
    lines += [
        f"quiet spells: {f['quiet_spells']}; queued for the team: {f['quiet_queued']} "
        f"({f['quiet_queued'] / py if py else 0:.2f} per patient-year)",
        f"quiet with a finding: {f['quiet_with_finding']}, queued "
        f"{f['quiet_with_finding_queued']} (goal all: {'met' if met else 'MISSED'})",
        f"patients who stopped logging for good: {f['lapsers']}, queued as quiet "
        f"{f['lapsers_queued']}",
        "lapsing patients with a pattern: "
        + ", ".join(f"{k} {v}" for k, v in sorted(f["lapsed_with_pattern"].items())),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, simulate, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--warmup", type=int, default=90, help="days simulated before the count")
    ap.add_argument("--every-day", action="store_true", help="run the engine every day")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    f = run(args.patients, args.days, args.seed, args.warmup, args.every_day)
    print(report(f, time.perf_counter() - started))


if __name__ == "__main__":
    main()

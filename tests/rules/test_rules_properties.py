"""Property-based tests of the engine over random diaries (hypothesis).

Alongside the invariants the brief asks for, the engine is checked against `oracle`, a slow,
literal reading of clinical-rules.md §3 written separately (Fractions for the means, scans
instead of pointers), so the fast code and the plain reading must agree on every diary.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.rules.engine import (
    REASONS,
    Entry,
    Finding,
    ResolvedMark,
    Rules,
    _last_segment,
    assess,
    compile_rules,
    episodes,
    episodes_of_days,
    group_entries,
    group_marks,
    lapsed_episodes,
)
from tracker.rules.timeline import parse_timeline
from tracker.rules.urgency import rank

from .diaries import RULES

R = compile_rules(RULES)
CODES = sorted(RULES.symptoms)
BASE = date(2026, 1, 1)

# Modest: the whole rules suite should stay well under 20 seconds.
RULES_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Diary:
    entries: tuple[Entry, ...]
    marks: tuple[ResolvedMark, ...]
    known: frozenset[str]
    today: date


def _entry(off: int, symptom: str, severity: int, back: int | None, worry: int) -> Entry:
    day = BASE + timedelta(days=off)
    onset = None if back is None else day - timedelta(days=back)
    return Entry(day=day, symptom=symptom, severity=severity, onset=onset, worrying=worry == 0)


@st.composite
def diaries(draw: st.DrawFn, onsets: bool = True) -> Diary:
    """A believable diary: a few symptoms, entries over ~120 days, some after today."""
    pool = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True))
    span = draw(st.sampled_from([10, 20, 40, 125]))  # dense or sparse diaries
    back = st.one_of(st.none(), st.none(), st.integers(0, 30)) if onsets else st.none()
    entries = draw(
        st.lists(
            st.builds(
                _entry,
                st.integers(0, span),
                st.sampled_from(pool),
                st.integers(1, 10),
                back,
                st.integers(0, 6),  # worrying about one time in seven
            ),
            max_size=40,
        )
    )
    # Marks often fall on an entry's day, where "a mark counts as coming after" matters.
    mark_day = st.dates(BASE, BASE + timedelta(days=span + 5))
    if entries:
        mark_day = st.one_of(mark_day, st.sampled_from(sorted({e.day for e in entries})))
    marks = draw(st.lists(st.builds(ResolvedMark, mark_day, st.sampled_from(pool)), max_size=4))
    known = draw(st.frozensets(st.sampled_from(pool)))
    # Usually near the diary's end (where findings are), sometimes anywhere in it.
    today_off = st.one_of(st.integers(span - 7, span + 3), st.integers(0, span + 10))
    today = BASE + timedelta(days=draw(today_off))
    return Diary(tuple(entries), tuple(marks), known, today)


def run(d: Diary, rules: Rules | None = None) -> list[Finding]:
    return assess(d.entries, d.marks, d.known, d.today, rules or R)


def by_symptom(findings: Iterable[Finding]) -> dict[str, Finding]:
    return {f.symptom: f for f in findings}


# ---- the oracle: §3 read literally ----------------------------------------------------------


def oracle(d: Diary, rules: Rules = R) -> list[Finding]:
    gap = rules.max_gap_days
    out = []
    for symptom in sorted({e.symptom for e in d.entries}):
        merged: dict[date, list] = {}
        for e in d.entries:
            if e.symptom != symptom or e.day > d.today:
                continue
            cell = merged.setdefault(e.day, [0, [], False])
            cell[0] = max(cell[0], e.severity)
            cell[1] += [e.onset] if e.onset else []
            cell[2] = cell[2] or e.worrying
        if not merged:
            continue
        days = sorted(merged)
        marks = [m.day for m in d.marks if m.symptom == symptom and m.day <= d.today]
        runs = [[days[0]]]
        for prev, cur in pairwise(days):
            if (cur - prev).days > gap or any(prev <= m < cur for m in marks):
                runs.append([cur])
            else:
                runs[-1].append(cur)
        last = runs[-1]
        ended = any(m >= last[-1] for m in marks)
        if ended or (d.today - last[-1]).days > gap:
            continue
        start = min([last[0], *(o for day in last for o in merged[day][1])])
        duration = (last[-1] - start).days
        sev = [merged[day][0] for day in last]
        known = symptom in d.known
        cls = rules.symptom_class(symptom)
        fired = {
            "red_flag": cls in ("emergency", "same_day"),
            "report_promptly": cls == "soon",
            "worrying": any(merged[day][2] for day in last),
            "severe": sev[-1] >= rules.severe_at,
            "new": not known
            and duration >= rules.new_days
            and not any(start - timedelta(days=rules.baseline_days) <= day < start for day in days),
            "persistent": not known and duration >= rules.persistent_days,
            "worsening": False,
        }
        if len(last) >= 2 and duration >= rules.worsening_days:
            k = min(3, len(last) // 2)
            rise = Fraction(sum(sev[-k:]), k) - Fraction(sum(sev[:k]), k)
            fired["worsening"] = rise >= rules.worsening_by
        reasons = tuple(r for r in REASONS if fired[r])
        if not reasons:
            continue
        urgency = cls if fired["red_flag"] else "soon"
        out.append(Finding(symptom, urgency, reasons, start, last[-1], duration, rules.version))
    order = {"emergency": 0, "same_day": 1, "soon": 2}
    return sorted(out, key=lambda f: (order[f.urgency], f.symptom))


# ---- properties -----------------------------------------------------------------------------


@settings(RULES_SETTINGS, max_examples=400)
@given(diaries())
def test_the_engine_agrees_with_a_literal_reading_of_the_spec(d):
    assert run(d) == oracle(d)


@RULES_SETTINGS
@given(diaries(), st.data())
def test_a_resolved_mark_never_adds_a_reason_except_new_or_worsening_on_a_split_off_episode(
    d, data
):
    # Not "never adds a finding": a mark can split an episode, and the part after it is a new
    # episode whose own first k days may show a rise (see test_a_mark_can_reveal_worsening).
    symptom = data.draw(st.sampled_from(CODES))
    extra = ResolvedMark(d.today - timedelta(days=data.draw(st.integers(0, 40))), symptom)
    before = by_symptom(run(d))
    after = by_symptom(run(replace(d, marks=(*d.marks, extra))))
    for code, f in after.items():
        gained = set(f.reasons) - set(before[code].reasons if code in before else ())
        assert gained <= {"new", "worsening"}
        if code in before:
            assert rank(f.urgency) <= rank(before[code].urgency)


@RULES_SETTINGS
@given(diaries(onsets=False), st.data())
def test_without_onsets_or_worsening_a_resolved_mark_never_adds_a_finding(d, data):
    rules = replace(R, worsening_by=1000)
    extra = ResolvedMark(
        d.today - timedelta(days=data.draw(st.integers(0, 40))), data.draw(st.sampled_from(CODES))
    )
    before = by_symptom(run(d, rules))
    after = by_symptom(run(replace(d, marks=(*d.marks, extra)), rules))
    assert set(after) <= set(before)


@RULES_SETTINGS
@given(diaries(), st.data())
def test_a_mark_on_or_after_the_last_entry_removes_only_that_finding(d, data):
    before = run(d)
    if not before:
        return
    target = data.draw(st.sampled_from(before))
    day = target.last_entry + timedelta(days=data.draw(st.integers(0, 7)))
    day = min(day, d.today)
    after = run(replace(d, marks=(*d.marks, ResolvedMark(day, target.symptom))))
    assert after == [f for f in before if f.symptom != target.symptom]


@RULES_SETTINGS
@given(diaries(), st.integers(-400, 400))
def test_shifting_every_date_by_the_same_days_changes_only_the_dates(d, shift):
    delta = timedelta(days=shift)
    moved = Diary(
        tuple(
            replace(e, day=e.day + delta, onset=e.onset + delta if e.onset else None)
            for e in d.entries
        ),
        tuple(replace(m, day=m.day + delta) for m in d.marks),
        d.known,
        d.today + delta,
    )
    expected = [
        replace(f, episode_start=f.episode_start + delta, last_entry=f.last_entry + delta)
        for f in run(d)
    ]
    assert run(moved) == expected


@RULES_SETTINGS
@given(diaries(), st.sampled_from(CODES))
def test_a_known_condition_removes_only_new_and_persistent(d, code):
    without = replace(d, known=d.known - {code})
    with_known = replace(d, known=d.known | {code})
    before = by_symptom(run(without))
    after = by_symptom(run(with_known))
    for symptom in set(before) | set(after):
        old = before[symptom].reasons if symptom in before else ()
        new = after[symptom].reasons if symptom in after else ()
        if symptom == code:
            assert new == tuple(r for r in old if r not in ("new", "persistent"))
        else:
            assert new == old


@RULES_SETTINGS
@given(diaries())
def test_each_finding_is_well_formed(d):
    found = run(d)
    # one finding per symptom, most urgent first, then by code
    assert len({f.symptom for f in found}) == len(found)
    assert found == sorted(found, key=lambda f: (-rank(f.urgency), f.symptom))
    for f in found:
        # (d) urgency is the most urgent of its reasons' urgencies
        cls = R.symptom_class(f.symptom)
        urgencies = [cls if r == "red_flag" else "soon" for r in f.reasons]
        assert f.urgency == max(urgencies, key=rank)
        # (f) duration
        assert f.duration_days == (f.last_entry - f.episode_start).days >= 0
        # reasons: at least one, no repeats, in table order
        assert f.reasons and list(f.reasons) == [r for r in REASONS if r in f.reasons]
        # only ongoing episodes: recent, not after today, no mark since the last entry
        assert 0 <= (d.today - f.last_entry).days <= R.max_gap_days
        assert not any(m.symptom == f.symptom and f.last_entry <= m.day <= d.today for m in d.marks)
        assert f.rules_version == RULES.version
        # the finding is the symptom's last episode
        last = episodes(f.symptom, d.entries, d.marks, R, d.today)[-1]
        assert (last.start, last.last_entry, last.duration_days) == (
            f.episode_start,
            f.last_entry,
            f.duration_days,
        )


@RULES_SETTINGS
@given(diaries())
def test_every_ongoing_red_flag_symptom_is_reported_at_its_class(d):
    found = by_symptom(run(d))
    for code in {e.symptom for e in d.entries}:
        cls = R.symptom_class(code)
        if cls not in ("emergency", "same_day", "soon"):
            continue
        parts = episodes(code, d.entries, d.marks, R, d.today)
        if parts and parts[-1].is_ongoing(d.today, R):
            assert found[code].urgency == cls
            assert found[code].reasons[0] == ("report_promptly" if cls == "soon" else "red_flag")
        else:
            assert code not in found


@RULES_SETTINGS
@given(diaries(), st.randoms(use_true_random=False))
def test_input_order_and_repeats_do_not_matter(d, rng: random.Random):
    first = run(d)
    assert run(d) == first  # deterministic
    entries, marks = list(d.entries), list(d.marks)
    rng.shuffle(entries)
    rng.shuffle(marks)
    repeated = entries + entries[: len(entries) // 2]  # an entry logged twice is one entry day
    assert run(Diary(tuple(repeated), tuple(marks * 2), d.known, d.today)) == first


@RULES_SETTINGS
@given(diaries(), diaries())
def test_entries_and_marks_after_today_change_nothing(d, later):
    ahead = timedelta(days=(d.today - BASE).days + 1)
    future = Diary(
        tuple(
            replace(e, day=e.day + ahead, onset=e.onset + ahead if e.onset else None)
            for e in later.entries
        ),
        tuple(replace(m, day=m.day + ahead) for m in later.marks),
        frozenset(),
        d.today,
    )
    assert all(e.day > d.today for e in future.entries)
    combined = replace(d, entries=d.entries + future.entries, marks=d.marks + future.marks)
    assert run(combined) == run(d)


@RULES_SETTINGS
@given(diaries())
def test_every_latest_episode_is_exactly_one_of_ended_lapsed_or_ongoing(d):
    found = by_symptom(run(d))
    lapsed = {e.symptom: e for e in lapsed_episodes(d.entries, d.marks, d.today, R)}
    assert not set(found) & set(lapsed)
    for code in {e.symptom for e in d.entries if e.day <= d.today}:
        parts = episodes(code, d.entries, d.marks, R, d.today)
        # the episodes partition the entry days, in order
        days = [x.day for p in parts for x in p.days]
        assert days == sorted({e.day for e in d.entries if e.symptom == code and e.day <= d.today})
        assert all(p.start <= p.first_entry <= p.last_entry for p in parts)
        latest = parts[-1]
        states = [latest.ended, code in lapsed, latest.is_ongoing(d.today, R)]
        assert states.count(True) == 1
        if code in lapsed:
            assert lapsed[code] == latest
        if code in found:
            assert states[2]


@RULES_SETTINGS
@given(diaries())
def test_walking_back_to_the_last_episode_agrees_with_splitting_them_all(d):
    # assess_symptom finds the last episode by walking back from the last entry day; the
    # episodes of a symptom come from one split of every day. Both must end at the same place.
    marks = group_marks(d.marks)
    for code, days in group_entries(d.entries).items():
        mark_days = marks.get(code, [])
        last = episodes_of_days(code, days, mark_days, R)[-1]
        first, ended = _last_segment(days, mark_days, R.max_gap_days)
        assert (tuple(days[first:]), ended) == (last.days, last.ended)


def _as_json(d: Diary) -> str:
    items: list[dict] = []
    for e in d.entries:
        item = {"date": e.day.isoformat(), "symptom": e.symptom, "severity": e.severity}
        if e.onset:
            item["onset"] = e.onset.isoformat()
        if e.worrying:
            item["worrying"] = True
        items.append(item)
    items += [{"date": m.day.isoformat(), "symptom": m.symptom, "resolved": True} for m in d.marks]
    return json.dumps(
        {"today": d.today.isoformat(), "known_conditions": sorted(d.known), "entries": items}
    )


@RULES_SETTINGS
@given(diaries())
def test_a_diary_written_as_section_5_json_reads_back_the_same(d):
    timeline = parse_timeline(_as_json(d), RULES)
    assert timeline.today == d.today
    assert timeline.entries == d.entries
    assert timeline.marks == d.marks
    assert timeline.known_conditions == d.known


def test_a_mark_can_reveal_worsening():
    # The example behind the weaker form of property (a): a known condition, high then low
    # severities; marked "gone away" on day 3, it comes back and rises. As one episode the last
    # three days are not 2 above the first three; as its own episode the return rises by 4.
    days = [BASE + timedelta(days=n) for n in (0, 1, 2, 3, 10, 11, 12, 13, 17)]
    sev = [9, 9, 9, 9, 1, 1, 1, 5, 5]
    d = Diary(
        tuple(Entry(day, "bone_pain", s) for day, s in zip(days, sev, strict=True)),
        (),
        frozenset({"bone_pain"}),
        days[-1],
    )
    assert run(d) == []
    marked = run(replace(d, marks=(ResolvedMark(days[3], "bone_pain"),)))
    assert [f.reasons for f in marked] == [("worsening",)]

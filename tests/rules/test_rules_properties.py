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

from tracker.rules.data import series_key
from tracker.rules.engine import (
    REASONS,
    Entry,
    Finding,
    KnownCondition,
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
# Names a patient might give "something else": two series, each written two ways (§2).
NAMES = ("jaw ache", " Jaw Ache", "itchy ear", "ITCHY EAR ")
RED_FLAGS = ("emergency", "same_day")

# Modest: the whole rules suite should stay well under 20 seconds.
RULES_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Diary:
    entries: tuple[Entry, ...]
    marks: tuple[ResolvedMark, ...]
    known: frozenset[str | KnownCondition]
    today: date


def _named(draw: st.DrawFn, code: str) -> str | None:
    """A name for an `other` item (§2); None for every other symptom."""
    return draw(st.sampled_from(NAMES)) if code == "other" else None


@st.composite
def _entries(draw: st.DrawFn, pool: list[str], span: int, onsets: bool) -> Entry:
    code = draw(st.sampled_from(pool))
    day = BASE + timedelta(days=draw(st.integers(0, span)))
    back = draw(st.one_of(st.none(), st.none(), st.integers(0, 30))) if onsets else None
    severity = st.integers(1, 10)
    if R.symptom_class(code) in RED_FLAGS:  # a red flag's severity may be left out
        severity = st.one_of(st.none(), severity)
    return Entry(
        day=day,
        symptom=code,
        severity=draw(severity),
        onset=None if back is None else day - timedelta(days=back),
        worrying=draw(st.integers(0, 6)) == 0,  # about one time in seven
        name=_named(draw, code),
    )


@st.composite
def _marks(draw: st.DrawFn, pool: list[str], days: st.SearchStrategy[date]) -> ResolvedMark:
    code = draw(st.sampled_from(pool))
    return ResolvedMark(draw(days), code, _named(draw, code))


@st.composite
def _known(draw: st.DrawFn, pool: list[str], today: date) -> str | KnownCondition:
    """A code (undated), or the team's condition, perhaps with an end date near today."""
    code = draw(st.sampled_from(pool))
    until = draw(st.one_of(st.none(), st.integers(-3, 3).map(lambda n: today + timedelta(n))))
    if code != "other" and until is None and draw(st.booleans()):
        return code
    return KnownCondition(code, _named(draw, code), until)


@st.composite
def diaries(draw: st.DrawFn, onsets: bool = True) -> Diary:
    """A believable diary: a few symptoms, entries over ~120 days, some after today."""
    pool = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True))
    span = draw(st.sampled_from([10, 20, 40, 125]))  # dense or sparse diaries
    entries = draw(st.lists(_entries(pool, span, onsets), max_size=40))
    # Marks often fall on an entry's day, where "a mark counts as coming after" matters.
    mark_day = st.dates(BASE, BASE + timedelta(days=span + 5))
    if entries:
        mark_day = st.one_of(mark_day, st.sampled_from(sorted({e.day for e in entries})))
    marks = draw(st.lists(_marks(pool, mark_day), max_size=4))
    # Usually near the diary's end (where findings are), sometimes anywhere in it.
    today_off = st.one_of(st.integers(span - 7, span + 3), st.integers(0, span + 10))
    today = BASE + timedelta(days=draw(today_off))
    known = draw(st.frozensets(_known(pool, today), max_size=3))
    return Diary(tuple(entries), tuple(marks), known, today)


def run(d: Diary, rules: Rules | None = None) -> list[Finding]:
    return assess(d.entries, d.marks, d.known, d.today, rules or R)


def by_symptom(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by series key (a code, or a named `other`'s key)."""
    return {f.series: f for f in findings}


def is_red_flag(key: str) -> bool:
    """Whether a series key's symptom is of class emergency or same_day."""
    return R.symptom_class(key.split(":")[0]) in RED_FLAGS


# ---- the oracle: §3 read literally ----------------------------------------------------------


def _series(symptom: str, name: str | None) -> tuple[str, str | None]:
    # §2: names are compared trimmed and without regard to case.
    return symptom, None if name is None else name.strip().lower()


def oracle(d: Diary, rules: Rules = R) -> list[Finding]:
    gap = rules.max_gap_days
    known = {
        k if isinstance(k, str) else series_key(k.symptom, k.name)
        for k in d.known
        if isinstance(k, str) or k.until is None or k.until >= d.today
    }
    out = []
    for symptom, name in sorted({_series(e.symptom, e.name) for e in d.entries}, key=str):
        merged: dict[date, list] = {}
        for e in d.entries:
            if _series(e.symptom, e.name) != (symptom, name) or e.day > d.today:
                continue
            cell = merged.setdefault(e.day, [None, [], False])
            if e.severity is not None:
                cell[0] = e.severity if cell[0] is None else max(cell[0], e.severity)
            cell[1] += [e.onset] if e.onset else []
            cell[2] = cell[2] or e.worrying
        if not merged:
            continue
        days = sorted(merged)
        marks = [
            m.day
            for m in d.marks
            if _series(m.symptom, m.name) == (symptom, name) and m.day <= d.today
        ]
        runs = [[days[0]]]
        for prev, cur in pairwise(days):
            if (cur - prev).days > gap or any(prev <= m < cur for m in marks):
                runs.append([cur])
            else:
                runs[-1].append(cur)
        last = runs[-1]
        since = (d.today - last[-1]).days
        ongoing = not any(m >= last[-1] for m in marks) and since <= gap
        cls = rules.symptom_class(symptom)
        red = cls in RED_FLAGS
        if not ongoing and not (red and since <= rules.red_flag_days):
            continue
        start = min([last[0], *(o for day in last for o in merged[day][1])])
        duration = (last[-1] - start).days
        sev = [merged[day][0] for day in last]
        scored = [x for x in sev if x is not None]
        is_known = series_key(symptom, name) in known
        counts = ongoing and cls != "record"  # new, persistent, worsening
        fired = {
            "red_flag": red,
            "report_promptly": cls == "soon" and ongoing,
            "worrying": any(merged[day][2] for day in last),
            "severe": sev[-1] is not None and sev[-1] >= rules.severe_at,
            "new": counts
            and not is_known
            and duration >= rules.new_days_for(symptom)
            and not any(start - timedelta(days=rules.baseline_days) <= day < start for day in days),
            "persistent": counts
            and not is_known
            and duration >= rules.persistent_days_for(symptom),
            "worsening": False,
        }
        if counts and len(scored) >= 2 and duration >= rules.worsening_days:
            k = min(3, len(scored) // 2)
            rise = Fraction(sum(scored[-k:]), k) - Fraction(sum(scored[:k]), k)
            fired["worsening"] = rise >= rules.worsening_by
        reasons = tuple(r for r in REASONS if fired[r])
        if not reasons:
            continue
        urgencies = {"soon"}
        if red:
            urgencies.add(cls if since <= rules.red_flag_recent_days else "same_day")
        if fired["severe"]:
            urgencies.add(rules.severe_urgency_for(symptom))
        urgency = next(u for u in ("emergency", "same_day", "soon") if u in urgencies)
        out.append(
            Finding(symptom, urgency, reasons, start, last[-1], duration, rules.version, name=name)
        )
    order = {"emergency": 0, "same_day": 1, "soon": 2}
    return sorted(out, key=lambda f: (order[f.urgency], f.symptom, f.name or ""))


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
    name = data.draw(st.sampled_from(NAMES)) if symptom == "other" else None
    extra = ResolvedMark(d.today - timedelta(days=data.draw(st.integers(0, 40))), symptom, name)
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
    symptom = data.draw(st.sampled_from(CODES))
    name = data.draw(st.sampled_from(NAMES)) if symptom == "other" else None
    extra = ResolvedMark(d.today - timedelta(days=data.draw(st.integers(0, 40))), symptom, name)
    before = by_symptom(run(d, rules))
    after = by_symptom(run(replace(d, marks=(*d.marks, extra)), rules))
    assert set(after) <= set(before)


@RULES_SETTINGS
@given(diaries(), st.data())
def test_a_mark_on_or_after_the_last_entry_removes_only_that_finding_unless_a_red_flag(d, data):
    before = run(d)
    if not before:
        return
    target = data.draw(st.sampled_from(before))
    day = target.last_entry + timedelta(days=data.draw(st.integers(0, 7)))
    day = min(day, d.today)
    after = run(replace(d, marks=(*d.marks, ResolvedMark(day, target.symptom, target.name))))
    expected = [f for f in before if f.series != target.series]
    if is_red_flag(target.series):
        # §3: an ended red flag is still reported for red_flag_days, with only the reasons
        # that need no ongoing episode; its urgency comes from the red flag, so it stays.
        kept = tuple(r for r in target.reasons if r in ("red_flag", "worrying", "severe"))
        expected = sorted(
            [*expected, replace(target, reasons=kept)],
            key=lambda f: (-rank(f.urgency), f.symptom, f.name or ""),
        )
    assert after == expected


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
        frozenset(
            k if isinstance(k, str) or k.until is None else replace(k, until=k.until + delta)
            for k in d.known
        ),
        d.today + delta,
    )
    expected = [
        replace(f, episode_start=f.episode_start + delta, last_entry=f.last_entry + delta)
        for f in run(d)
    ]
    assert run(moved) == expected


def _not_about(known: frozenset, key: str) -> frozenset:
    """Known conditions without any for the series `key`."""
    return frozenset(
        k for k in known if (k if isinstance(k, str) else series_key(k.symptom, k.name)) != key
    )


@RULES_SETTINGS
@given(diaries(), st.sampled_from(CODES), st.sampled_from(NAMES), st.integers(0, 5))
def test_a_known_condition_counting_today_removes_only_new_and_persistent(d, code, name, ahead):
    name = name if code == "other" else None
    key = series_key(code, name)
    condition = KnownCondition(code, name, d.today + timedelta(days=ahead) if ahead else None)
    without = replace(d, known=_not_about(d.known, key))
    with_known = replace(d, known=without.known | {condition})
    before = by_symptom(run(without))
    after = by_symptom(run(with_known))
    for symptom in set(before) | set(after):
        old = before[symptom].reasons if symptom in before else ()
        new = after[symptom].reasons if symptom in after else ()
        if symptom == key:
            assert new == tuple(r for r in old if r not in ("new", "persistent"))
        else:
            assert new == old


@RULES_SETTINGS
@given(diaries(), st.sampled_from(CODES), st.sampled_from(NAMES), st.integers(1, 400))
def test_a_known_condition_that_ended_before_today_changes_nothing(d, code, name, ago):
    name = name if code == "other" else None
    without = replace(d, known=_not_about(d.known, series_key(code, name)))
    ended = KnownCondition(code, name, d.today - timedelta(days=ago))
    assert run(replace(without, known=without.known | {ended})) == run(without)


@RULES_SETTINGS
@given(diaries())
def test_each_finding_is_well_formed(d):
    found = run(d)
    # one finding per series, most urgent first, then by code, then by name
    assert len({f.series for f in found}) == len(found)
    assert found == sorted(found, key=lambda f: (-rank(f.urgency), f.symptom, f.name or ""))
    for f in found:
        since = (d.today - f.last_entry).days
        # (d) urgency is the most urgent of its reasons' urgencies
        cls = R.symptom_class(f.symptom)
        red_flag = cls if since <= R.red_flag_recent_days else "same_day"
        said = {"red_flag": red_flag, "severe": R.severe_urgency_for(f.symptom)}
        urgencies = [said.get(r, "soon") for r in f.reasons]
        assert f.urgency == max(urgencies, key=rank)
        # (f) duration
        assert f.duration_days == (f.last_entry - f.episode_start).days >= 0
        # reasons: at least one, no repeats, in table order
        assert f.reasons and list(f.reasons) == [r for r in REASONS if r in f.reasons]
        # a name for a named `other` only, as the rules compare it
        assert f.name is None or f.symptom == "other"
        assert f.name is None or f.name == f.name.strip().lower()
        # only ongoing episodes (recent, not after today, no mark since the last entry), or a
        # red flag within red_flag_days
        marked = any(m.series == f.series and f.last_entry <= m.day <= d.today for m in d.marks)
        if since > R.max_gap_days or marked:
            assert cls in RED_FLAGS and since <= R.red_flag_days
            assert set(f.reasons) <= {"red_flag", "worrying", "severe"}
        assert since >= 0
        assert cls != "record" or set(f.reasons) <= {"worrying", "severe"}
        assert f.rules_version == RULES.version
        # the finding is the series' last episode
        last = episodes(f.series, d.entries, d.marks, R, d.today)[-1]
        assert (last.start, last.last_entry, last.duration_days) == (
            f.episode_start,
            f.last_entry,
            f.duration_days,
        )


@RULES_SETTINGS
@given(diaries())
def test_every_red_flag_within_red_flag_days_and_every_ongoing_soon_symptom_is_reported(d):
    found = by_symptom(run(d))
    for code in {e.symptom for e in d.entries}:
        cls = R.symptom_class(code)
        if cls not in ("emergency", "same_day", "soon"):
            continue
        parts = episodes(code, d.entries, d.marks, R, d.today)
        since = (d.today - parts[-1].last_entry).days if parts else None
        if cls == "soon" and parts and parts[-1].is_ongoing(d.today, R):
            assert (found[code].urgency, found[code].reasons[0]) == ("soon", "report_promptly")
        elif cls != "soon" and since is not None and since <= R.red_flag_days:
            # §3: the class while the last entry is at most red_flag_recent_days old, then
            # same_day, ongoing or not.
            expected = cls if since <= R.red_flag_recent_days else "same_day"
            assert (found[code].urgency, found[code].reasons[0]) == (expected, "red_flag")
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
    lapsed = {e.series: e for e in lapsed_episodes(d.entries, d.marks, d.today, R)}
    # Only a red flag can be both lapsed and reported (within red_flag_days, §3).
    assert all(is_red_flag(key) for key in set(found) & set(lapsed))
    for code in {e.series for e in d.entries if e.day <= d.today}:
        parts = episodes(code, d.entries, d.marks, R, d.today)
        # the episodes partition the entry days, in order
        days = [x.day for p in parts for x in p.days]
        assert days == sorted({e.day for e in d.entries if e.series == code and e.day <= d.today})
        assert all(p.start <= p.first_entry <= p.last_entry for p in parts)
        latest = parts[-1]
        states = [latest.ended, code in lapsed, latest.is_ongoing(d.today, R)]
        assert states.count(True) == 1
        if code in lapsed:
            assert lapsed[code] == latest
        if code in found and not is_red_flag(code):
            assert states[2]


@RULES_SETTINGS
@given(diaries())
def test_walking_back_to_the_last_episode_agrees_with_splitting_them_all(d):
    # assess_symptom finds the last episode by walking back from the last entry day; the
    # episodes of a symptom come from one split of every day. Both must end at the same place.
    marks = group_marks(d.marks)
    for code, days in group_entries(d.entries).items():  # by series key
        mark_days = marks.get(code, [])
        last = episodes_of_days(code, days, mark_days, R)[-1]
        first, ended = _last_segment(days, mark_days, R.max_gap_days)
        assert (tuple(days[first:]), ended) == (last.days, last.ended)


def _named_json(item: dict, name: str | None) -> dict:
    return item if name is None else {**item, "name": name}


def _known_json(k: str | KnownCondition) -> str | dict:
    if isinstance(k, str):
        return k
    item = _named_json({"symptom": k.symptom}, k.name)
    return item if k.until is None else {**item, "until": k.until.isoformat()}


def _as_json(d: Diary) -> str:
    items: list[dict] = []
    for e in d.entries:
        item: dict = {"date": e.day.isoformat(), "symptom": e.symptom}
        if e.severity is not None:  # left out: a red flag's severity is optional
            item["severity"] = e.severity
        if e.onset:
            item["onset"] = e.onset.isoformat()
        if e.worrying:
            item["worrying"] = True
        items.append(_named_json(item, e.name))
    items += [
        _named_json({"date": m.day.isoformat(), "symptom": m.symptom, "resolved": True}, m.name)
        for m in d.marks
    ]
    known = [_known_json(k) for k in d.known]
    return json.dumps({"today": d.today.isoformat(), "known_conditions": known, "entries": items})


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

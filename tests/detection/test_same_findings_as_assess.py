"""One engine: the batched pass over stored diaries finds exactly what `assess` finds.

Random diaries (deleted rows, check-ins, resolved marks, onsets, known conditions with and
without end dates, codes the rules no longer list, entries after today) are stored, read back
by the pass in small batches,
and compared with `findings_for_patient` (the whole history) and with `assess` on the same
diary held in memory. Random thresholds shrink the window, so reading further back than the
window (long chains, far onsets) happens in many examples, not just a few.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.detection.stored import (
    Row,
    add_patients,
    check_in,
    engine_input,
    resolved,
    store,
    symptom,
    wipe,
)
from tracker.detection.patient import findings_for_patient
from tracker.detection.run import assess_batches
from tracker.detection.window import window_start
from tracker.rules.catalogue import load_rules
from tracker.rules.engine import KnownCondition, Rules, assess, compile_rules

TODAY = date(2026, 11, 20)
RULES = compile_rules(load_rules())
# watch, watch (with its own new_days and persistent_days), record, soon, same_day, emergency,
# and a code this rules file does not list.
CODES = (
    "bone_pain",
    "cough",
    "hot_flushes",
    "lump",
    "fracture",
    "spinal_cord_signs",
    "retired_code",
)
# Named `other` series: two names, one of them typed two ways (the same series, rules §2).
OTHER_NAMES = ("Tingling", " tingling ", "Rash")
# Red flags, whose entries may have no severity (rules §2).
NO_SEVERITY_ALLOWED = ("fracture", "spinal_cord_signs")

DB_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def runs_of_entries(draw) -> list[Row]:
    """A symptom logged every `step` days up to `last`, as people keep diaries.

    Most runs end near today, where findings are; the rest end anywhere in the past year, as
    earlier episodes and baseline entries.
    """
    code = draw(st.sampled_from((*CODES, "other")))
    name = draw(st.sampled_from(OTHER_NAMES)) if code == "other" else None
    last = draw(st.one_of(st.integers(-12, 2), st.integers(-420, 2)))
    step = draw(st.integers(0, 12))
    count = draw(st.integers(1, 14))
    rows = []
    for i in range(count):
        back = (count - 1 - i) * step + draw(st.sampled_from((0, 0, 0, 1, -1)))
        day = TODAY + timedelta(days=last - back)
        onset_back = draw(st.one_of(st.none(), st.none(), st.integers(0, 250)))
        rows.append(
            symptom(
                day,
                code,
                draw(_severity(code)),
                onset=None if onset_back is None else day - timedelta(days=onset_back),
                worrying=draw(st.sampled_from((False,) * 9 + (True,))),
                deleted=draw(st.sampled_from((False,) * 7 + (True,))),
                name=name,
            )
        )
    return rows


def _severity(code: str):
    if code in NO_SEVERITY_ALLOWED:
        return st.one_of(st.none(), st.integers(1, 10))
    return st.integers(1, 10)


@st.composite
def diaries(draw) -> tuple[list[Row], frozenset[str | KnownCondition]]:
    """One patient's rows and known conditions, some with end dates."""
    rows: list[Row] = []
    for run in draw(st.lists(runs_of_entries(), max_size=4)):
        rows.extend(run)
    for _ in range(draw(st.integers(0, 3))):
        day = TODAY + timedelta(days=draw(st.integers(-420, 3)))
        code = draw(st.sampled_from((*CODES, "other")))
        name = draw(st.sampled_from(OTHER_NAMES)) if code == "other" else None
        rows.append(resolved(day, code, deleted=draw(st.booleans()), name=name))
    for _ in range(draw(st.integers(0, 2))):
        rows.append(check_in(TODAY + timedelta(days=draw(st.integers(-60, 0)))))
    return rows, draw(known_conditions())


# An end date near today (yesterday ended, today still counts: rules §2) or anywhere nearby.
until_days = st.one_of(st.integers(-2, 2), st.integers(-60, 60))


@st.composite
def known_conditions(draw) -> frozenset[str | KnownCondition]:
    """At most one known condition per code (as stored): undated, or the team's with an end
    date."""
    known: set[str | KnownCondition] = set()
    for code in draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True)):
        if draw(st.booleans()):
            known.add(code)
        else:
            known.add(KnownCondition(code, until=TODAY + timedelta(days=draw(until_days))))
    return frozenset(known)


thresholds = st.builds(
    lambda gap, baseline, new, persistent, w_days, w_by, severe, red, recent, cough: (
        dataclasses.replace(
            RULES,
            max_gap_days=gap,
            baseline_days=baseline,
            new_days=new,
            persistent_days=persistent,
            worsening_days=w_days,
            worsening_by=w_by,
            severe_at=severe,
            red_flag_days=red,
            red_flag_recent_days=recent,
            own_new_days={"cough": cough[0]},
            own_persistent_days={"cough": cough[1]},
        )
    ),
    st.integers(0, 10),
    st.integers(0, 40),
    st.integers(0, 20),
    st.integers(0, 12),
    st.integers(0, 15),
    st.integers(0, 4),
    st.integers(1, 11),
    st.integers(0, 40),  # red_flag_days: shorter or longer than max_gap_days
    st.integers(0, 5),
    st.tuples(st.integers(0, 30), st.integers(0, 30)),  # the cough's own new and persistent
)


def pass_findings(sessions, rules: Rules, batch_size: int) -> dict[int, list]:
    """What the batched pass finds, per patient id."""
    found: dict[int, list] = {}
    for _patients, failed, assessed, _seen in assess_batches(sessions, TODAY, rules, batch_size):
        assert not failed
        found.update(assessed)
    return found


def with_first_entry(findings) -> list[tuple]:
    # first_entry is left out of Finding's equality, yet alerts rely on it: compare it too.
    return [(f, f.first_entry) for f in findings]


def check_same_findings(session, sessions, patients, rules: Rules, batch_size: int) -> None:
    ids = add_patients(session, len(patients))
    try:
        for pid, (rows, known) in zip(ids, patients, strict=True):
            store(session, pid, rows, known)
        found = pass_findings(sessions, rules, batch_size)
        for pid, (rows, known) in zip(ids, patients, strict=True):
            entries, marks = engine_input(rows)
            expected = assess(entries, marks, known, TODAY, rules)
            whole_history = findings_for_patient(session, pid, TODAY, rules)
            assert with_first_entry(whole_history) == with_first_entry(expected)
            assert with_first_entry(found.get(pid, [])) == with_first_entry(expected)
    finally:
        session.rollback()
        wipe(session)


@DB_SETTINGS
@given(patients=st.lists(diaries(), min_size=1, max_size=4), batch_size=st.integers(1, 3))
def test_the_pass_finds_what_assess_finds(session, sessions, patients, batch_size):
    check_same_findings(session, sessions, patients, RULES, batch_size)


@DB_SETTINGS
@given(
    patients=st.lists(diaries(), min_size=1, max_size=3),
    rules=thresholds,
    batch_size=st.integers(1, 3),
)
def test_the_pass_finds_what_assess_finds_with_any_thresholds(
    session, sessions, patients, rules, batch_size
):
    check_same_findings(session, sessions, patients, rules, batch_size)


# ---- reading past the window ------------------------------------------------------------------


def weekly(code: str, first: date, last: date, severity: int = 3) -> list[Row]:
    """A symptom logged every 7 days (half the longest gap that keeps one episode going)."""
    rows, day = [], first
    while day <= last:
        rows.append(symptom(day, code, severity))
        day += timedelta(days=7)
    return rows


def only_finding(sessions, rules=RULES):
    found = pass_findings(sessions, rules, batch_size=10)
    [(findings)] = found.values()
    [finding] = findings
    return finding


def test_an_ongoing_chain_longer_than_the_window_is_read_to_its_start(session, sessions):
    [pid] = add_patients(session, 1)
    # Two years of weekly entries, after a resolved mark that ended an earlier episode 72 days
    # before (so not `new`: it was logged in the 90 days before this episode began).
    rows = [symptom(TODAY - timedelta(days=800)), resolved(TODAY - timedelta(days=799))]
    rows += weekly("bone_pain", TODAY - timedelta(days=728), TODAY, severity=2)
    rows[-3:] = [symptom(r.day, "bone_pain", 7) for r in rows[-3:]]  # and worse lately
    store(session, pid, rows)

    finding = only_finding(sessions)

    assert finding.episode_start == TODAY - timedelta(days=728) < window_start(TODAY, RULES)
    assert finding.reasons == ("persistent", "worsening")
    assert finding == findings_for_patient(session, pid, TODAY, RULES)[0]
    assert finding.first_entry == TODAY - timedelta(days=728)


def test_an_onset_far_back_reads_the_baseline_before_it(session, sessions):
    [pid] = add_patients(session, 1)
    onset = TODAY - timedelta(days=400)
    store(
        session,
        pid,
        [
            symptom(onset - timedelta(days=30), "cough", 2),  # in the 90 days before the onset
            symptom(TODAY - timedelta(days=2), "cough", 4, onset=onset),
        ],
    )

    finding = only_finding(sessions)

    # Not `new`: it was logged 30 days before the onset, far outside the window.
    assert finding.reasons == ("persistent",)
    assert finding.episode_start == onset
    assert finding == findings_for_patient(session, pid, TODAY, RULES)[0]


def test_a_resolved_mark_before_the_window_still_splits_a_chain(session, sessions):
    [pid] = add_patients(session, 1)
    edge = window_start(TODAY, RULES)
    rows = weekly("cough", edge - timedelta(days=70), edge - timedelta(days=3))
    rows.append(resolved(edge - timedelta(days=3), "cough"))  # same day as the last entry
    rows += weekly("cough", edge + timedelta(days=2), TODAY)
    store(session, pid, rows)

    finding = only_finding(sessions)

    assert finding.first_entry == edge + timedelta(days=2)
    assert finding == findings_for_patient(session, pid, TODAY, RULES)[0]


def test_a_lapsed_red_flag_whose_chain_began_before_the_window_is_read_to_its_start(
    session, sessions
):
    [pid] = add_patients(session, 1)
    # §3: a fracture last logged 20 days ago is still reported, and its episode is the whole
    # weekly chain, which began long before the window.
    last = TODAY - timedelta(days=20)
    rows = weekly("fracture", last - timedelta(days=7 * 40), last, severity=9)
    store(session, pid, rows)

    finding = only_finding(sessions)

    assert (finding.urgency, finding.reasons) == ("same_day", ("red_flag", "severe"))
    assert finding.first_entry == rows[0].day < window_start(TODAY, RULES)
    assert finding.last_entry == last
    assert finding == findings_for_patient(session, pid, TODAY, RULES)[0]


# ---- known conditions with end dates (rules §2) ------------------------------------------------


def test_a_known_condition_counts_to_its_end_date_inclusive_in_the_pass_as_in_assess(
    session, sessions
):
    """Worked example 14's diary, stored: joint pain every 4 days over 16 days is `new` and
    `persistent` unless a known condition counts today; one ending today still counts."""
    first = TODAY - timedelta(days=16)
    rows = [symptom(first + timedelta(days=4 * i), "joint_pain", 3) for i in range(5)]
    ends = {"yesterday": TODAY - timedelta(days=1), "today": TODAY, "undated": None}
    ids = add_patients(session, len(ends))
    try:
        for pid, until in zip(ids, ends.values(), strict=True):
            known = "joint_pain" if until is None else KnownCondition("joint_pain", until=until)
            store(session, pid, rows, [known])
        found = pass_findings(sessions, RULES, batch_size=2)
        by_end = dict(zip(ends, ids, strict=True))
        [ended] = found[by_end["yesterday"]]
        assert ended.reasons == ("new", "persistent")
        assert by_end["today"] not in found and by_end["undated"] not in found
        for pid in ids:
            assert findings_for_patient(session, pid, TODAY, RULES) == found.get(pid, [])
    finally:
        session.rollback()
        wipe(session)


def test_a_known_condition_never_hides_a_red_flag_or_a_worsening_in_the_pass_or_assess(
    session, sessions
):
    """Rules §3: known conditions suppress only `new` and `persistent`. A known condition on a
    red-flag code (the forms refuse one; an older record may hold one) still gives `red_flag`,
    and a known condition getting worse is still reported."""
    until = KnownCondition("fracture", until=TODAY + timedelta(days=30))
    worse = [symptom(TODAY - timedelta(days=16 - 4 * i), "joint_pain", s) for i, s in
             enumerate((3, 3, 4, 6, 6))]  # fmt: skip
    ids = add_patients(session, 2)
    try:
        store(session, ids[0], [symptom(TODAY - timedelta(days=1), "fracture", 4)], [until])
        store(session, ids[1], worse, ["joint_pain"])
        found = pass_findings(sessions, RULES, batch_size=1)
        [flag] = found[ids[0]]
        assert (flag.symptom, flag.reasons, flag.urgency) == ("fracture", ("red_flag",), "same_day")
        [worsening] = found[ids[1]]
        assert worsening.reasons == ("worsening",)
        for pid in ids:
            assert findings_for_patient(session, pid, TODAY, RULES) == found[pid]
    finally:
        session.rollback()
        wipe(session)

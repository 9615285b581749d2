"""Reading a batch: its window's rows grouped as the engine groups entries, and when to read past
the window."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.detection.diaries import group_rows, read_batch
from tracker.detection.window import older_bound, recent_from, window_days, window_start
from tracker.diary.models import RESOLVED, SYMPTOM
from tracker.rules.catalogue import load_rules
from tracker.rules.engine import Entry, EntryDay, ResolvedMark, compile_rules, group_entries

from .stored import add_patients, check_in, resolved, store, symptom, wipe

TODAY = date(2026, 11, 20)
RULES = compile_rules(load_rules())
GAP = RULES.max_gap_days
EDGE = window_start(TODAY, RULES)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


rows_strategy = st.lists(
    st.tuples(
        st.integers(1, 3),  # patient
        st.sampled_from(("cough", "lump")),
        st.sampled_from((SYMPTOM, SYMPTOM, RESOLVED)),
        st.integers(0, 6).map(days_ago),
        st.integers(1, 10),
        st.one_of(st.none(), st.integers(0, 9)),  # onset, days before the entry
        st.booleans(),
    ),
    max_size=40,
)


@given(rows_strategy)
def test_rows_are_grouped_into_entry_days_exactly_as_the_engine_groups_entries(raw):
    rows = sorted(
        (
            (pid, code, kind, day, sev if kind == SYMPTOM else None, _onset(day, back), worry)
            for pid, code, kind, day, sev, back, worry in raw
        ),
        key=lambda r: (r[0], r[1], r[3]),
    )
    days: dict = {}
    marks: dict = {}
    # Every symptom of patient 2 has older rows, as the query would say on each of its rows.
    with_older = group_rows([(*r, r[0] == 2) for r in rows], days, marks)
    assert with_older == {(2, r[1]) for r in rows if r[0] == 2}
    for pid in {r[0] for r in rows}:
        mine = [r for r in rows if r[0] == pid]
        entries = [Entry(r[3], r[1], r[4], r[5], r[6]) for r in mine if r[2] == SYMPTOM]
        assert days.get(pid, {}) == group_entries(entries)
        expected_marks: dict = {}
        for r in mine:
            if r[2] == RESOLVED:
                expected_marks.setdefault(r[1], []).append(r[3])
        assert marks.get(pid, {}) == {k: sorted(v) for k, v in expected_marks.items()}


def store_diaries(session) -> tuple[int, int]:
    """Two patients' diaries with every kind of row the window's read must take or leave,
    and a third patient's, outside the range read. Returns the first two patients' ids."""
    first, second, outside = add_patients(session, 3)
    # Stored newest first, so the rows' ids run against their dates.
    store(
        session,
        first,
        [
            symptom(days_ago(0), "cough", 6, worrying=True),
            symptom(days_ago(0), "cough", 8, onset=days_ago(30)),  # same day: merged
            resolved(days_ago(2), "cough"),
            symptom(days_ago(2), "cough", 4),  # an entry and a mark on one day
            symptom(days_ago(5), "cough", 3, deleted=True),
            check_in(days_ago(1)),
            symptom(days_ago(60), "cough", 2, onset=days_ago(61)),
            symptom((EDGE - timedelta(days=3)), "cough", 2),  # before the window
            symptom(days_ago(1), "fatigue", 5),
            symptom(days_ago(40), "fatigue", 5),
            symptom(days_ago(20), "bone_pain", 5),  # not logged lately: not read
            symptom(TODAY + timedelta(days=1), "cough", 9),  # after today: not read
        ],
    )
    store(session, second, [symptom(days_ago(3), "lump", 2), resolved(days_ago(3), "lump")])
    store(session, outside, [symptom(days_ago(0), "cough", 7)])
    return first, second


def test_a_batch_reads_exactly_its_windows_rows_grouped_into_entry_days_and_marks(
    session, sessions
):
    first, second = store_diaries(session)
    try:
        failed: set[int] = set()
        diaries = list(read_batch(sessions, [first, second], TODAY, RULES, failed))

        assert failed == set()
        # The first patient's cough has rows before the window: that diary waits for the end.
        assert [d[0] for d in diaries] == [second, first]
        days = {pid: days for pid, days, _marks, _known in diaries}
        marks = {pid: marks for pid, _days, marks, _known in diaries}
        assert days == {
            first: {
                "cough": [
                    EntryDay(days_ago(60), 2, days_ago(61), False),
                    EntryDay(days_ago(2), 4, None, False),
                    EntryDay(days_ago(0), 8, days_ago(30), True),  # two entries merged
                ],
                "fatigue": [EntryDay(days_ago(40), 5), EntryDay(days_ago(1), 5)],
            },
            second: {"lump": [EntryDay(days_ago(3), 2)]},
        }
        assert marks == {first: {"cough": [days_ago(2)]}, second: {"lump": [days_ago(3)]}}
        entry_days = [d for pairs in days.values() for ds in pairs.values() for d in ds]
        assert {type(d) for d in entry_days} == {EntryDay}
        assert {(type(d.day), type(d.severity), type(d.worrying)) for d in entry_days} == {
            (date, int, bool)
        }
    finally:
        session.rollback()
        wipe(session)


def test_a_patient_with_rows_before_the_window_is_read_further_back_exactly(session, sessions):
    [pid] = add_patients(session, 1)
    # A weekly chain that began before the window and goes on to today, and known to the team.
    start = EDGE - timedelta(days=30)
    rows = [symptom(start + timedelta(days=7 * n), "cough", 3) for n in range(30)]
    store(session, pid, [r for r in rows if r.day <= TODAY], known=["fatigue"])
    try:
        failed: set[int] = set()
        [(read_pid, days, marks, known)] = read_batch(sessions, [pid], TODAY, RULES, failed)

        assert (read_pid, failed, marks, known) == (pid, set(), {}, frozenset({"fatigue"}))
        assert days["cough"][0] == EntryDay(start, 3)  # the whole chain, read back to its start
        assert days["cough"] == [EntryDay(r.day, 3) for r in rows if r.day <= TODAY]
    finally:
        session.rollback()
        wipe(session)


def _onset(day: date, back: int | None) -> date | None:
    return None if back is None else day - timedelta(days=back)


def bound(days, marks=(), known=False, loaded_from=EDGE):
    return older_bound("cough", days, list(marks), loaded_from, known, TODAY, RULES)


def entry_day(day: date, onset: date | None = None) -> EntryDay:
    return EntryDay(day, 3, onset)


def weekly_to_today(first: date) -> list[EntryDay]:
    """Entry days every 7 days from `first`, and today: one episode, ongoing."""
    days, day = [], first
    while day < TODAY:
        days.append(entry_day(day))
        day += timedelta(days=7)
    return [*days, entry_day(TODAY)]


def test_the_window_covers_a_recent_episode_and_its_baseline():
    # Rules version 2: max_gap_days 14, and the longest persistent_days is the cough's 21.
    assert window_days(RULES) == 90 + 14 + 2 * 21


def test_the_window_reaches_back_to_every_symptom_that_can_give_a_finding():
    # Thresholds a rules file could set: a red flag reported for a day after its last entry,
    # with no gap, baseline or persistence. A fracture logged yesterday gives a finding, so the
    # window must hold yesterday's rows (hypothesis found the pass reading from today only).
    # No symptom with persistent_days of its own, either (the longest then is the default's).
    short = dataclasses.replace(
        RULES,
        max_gap_days=0,
        baseline_days=0,
        persistent_days=0,
        own_persistent_days={},
        red_flag_days=1,
    )
    assert window_start(TODAY, short) <= recent_from(TODAY, short) == TODAY - timedelta(days=1)


def red_flag_bound(days, marks=(), loaded_from=EDGE):
    return older_bound("fracture", days, list(marks), loaded_from, False, TODAY, RULES)


def test_a_lapsed_red_flag_within_red_flag_days_is_read_back_to_its_chains_start():
    # §3: a red flag's last episode gives a finding for red_flag_days after its last entry,
    # and its start and duration need the whole chain, as an ongoing episode's do.
    first = EDGE + timedelta(days=GAP - 1)  # a chain that may go on before the window
    last = days_ago(RULES.red_flag_days)
    chain = [entry_day(first + timedelta(days=n)) for n in range(0, (last - first).days + 1, 7)]
    chain.append(entry_day(last))
    older = red_flag_bound(chain)
    assert older is not None and older < EDGE
    assert red_flag_bound(chain, marks=[days_ago(RULES.red_flag_days)]) == older  # ended too


def test_nothing_more_is_read_for_a_red_flag_last_logged_over_red_flag_days_ago():
    first = EDGE + timedelta(days=GAP - 1)
    assert red_flag_bound([entry_day(first), entry_day(days_ago(RULES.red_flag_days + 1))]) is None


def test_nothing_more_is_read_for_a_symptom_that_is_not_ongoing():
    assert bound([entry_day(EDGE), entry_day(days_ago(GAP + 1))]) is None


def test_nothing_more_is_read_for_an_episode_ended_by_a_resolved_mark():
    assert bound([entry_day(EDGE), entry_day(days_ago(1))], marks=[days_ago(1)]) is None


def test_a_chain_that_may_go_on_before_the_window_is_read_further_back():
    # An entry on the day before the window would be exactly max_gap_days before this one.
    first = EDGE + timedelta(days=GAP - 1)
    older = bound(weekly_to_today(first), known=True)  # known: no baseline needed
    assert older is not None and older < EDGE


def test_a_chain_that_cannot_reach_before_the_window_is_complete():
    first = EDGE + timedelta(days=GAP)  # anything before the window is more than GAP days off
    chain = weekly_to_today(first)
    # Its start is far enough back that `new` needs the baseline before the window too.
    assert bound(chain) == first - timedelta(days=RULES.baseline_days)
    assert bound(chain, known=True) is None


def test_a_resolved_mark_inside_the_window_before_the_chain_ends_it_there():
    first = EDGE + timedelta(days=2)
    chain = weekly_to_today(first)
    assert bound(chain, marks=[EDGE], known=True) is None
    assert bound(chain, known=True) is not None


def test_an_onset_far_back_reads_its_baseline():
    onset = days_ago(400)
    assert bound([entry_day(days_ago(1), onset)]) == onset - timedelta(days=90)


def test_a_short_new_episode_needs_nothing_before_the_window():
    assert bound([entry_day(days_ago(3)), entry_day(days_ago(1))]) is None


def test_chains_are_read_back_in_doubling_spans():
    span = (TODAY - EDGE).days
    assert bound(weekly_to_today(EDGE), known=True) == EDGE - timedelta(days=span)
    # Read back that far, the chain still starts on the first day read: twice as far again.
    further = EDGE - timedelta(days=span)
    chain = weekly_to_today(further)
    assert bound(chain, known=True, loaded_from=further) == further - timedelta(days=2 * span)


def test_marks_dated_on_an_entry_day_count_as_after_it():
    # Engine semantics: a mark on the last entry's day ends the episode.
    assert bound([entry_day(days_ago(2))], marks=[days_ago(2)]) is None
    assert ResolvedMark(days_ago(2), "cough").day == days_ago(2)

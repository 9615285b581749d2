"""Each threshold of clinical-rules.md §3 at its boundary, one day (or one point) either side."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tracker.rules.engine import (
    EntryDay,
    Episode,
    assess_symptom,
    compile_rules,
    episodes,
    group_entries,
    lapsed_episodes,
)

from .diaries import (
    RULES,
    days_after,
    days_before,
    dec,
    entry,
    known_until,
    mark,
    nov,
    other,
    reasons,
    run,
    series,
    urgency,
)

T = RULES.thresholds
TODAY = nov(30)


def test_the_packaged_thresholds_are_the_spec_version_2_defaults():
    # The boundary tests below are written around these numbers; if the rules file changes,
    # they must be re-read, not silently pass or fail.
    assert {k: T[k] for k in T if k not in ("reprompt_days", "max_reprompts")} == {
        "max_gap_days": 14,
        "severe_at": 8,
        "baseline_days": 90,
        "new_days": 7,
        "persistent_days": 14,
        "worsening_days": 7,
        "worsening_by": 2,
        "red_flag_days": 30,
        "red_flag_recent_days": 2,
        "quiet_days": 35,
    }
    r = compile_rules(RULES)
    assert {code: (r.new_days_for(code), r.persistent_days_for(code)) for code in r.classes} == {
        code: (21, 21) if code in ("cough", "chest_infections") else (7, 14) for code in r.classes
    }
    assert {code for code in r.classes if r.severe_urgency_for(code) != "soon"} == {
        "chest_pain",
        "breathless",
    }
    assert {r.severe_urgency_for(c) for c in ("chest_pain", "breathless")} == {"same_day"}
    assert sorted(c for c, cls in r.classes.items() if cls == "record") == [
        "hot_flushes",
        "sleep_problems",
    ]


# ---- episodes: max_gap_days -----------------------------------------------------------------


@pytest.mark.parametrize(("gap", "count"), [(13, 1), (14, 1), (15, 2), (16, 2)])
def test_a_gap_longer_than_max_gap_days_starts_a_new_episode(gap, count):
    diary = [entry(nov(1)), entry(date.fromordinal(nov(1).toordinal() + gap))]
    assert len(episodes("bone_pain", diary, [], RULES)) == count


@pytest.mark.parametrize(("since", "ongoing"), [(0, True), (13, True), (14, True), (15, False)])
def test_ongoing_needs_the_last_entry_at_most_max_gap_days_before_today(since, ongoing):
    diary = [entry(days_before(TODAY, since), worrying=True)]
    assert bool(run(diary, TODAY)) is ongoing
    [episode] = episodes("bone_pain", diary, [], RULES)
    assert episode.is_ongoing(TODAY, RULES) is ongoing
    assert bool(lapsed_episodes(diary, [], TODAY, RULES)) is not ongoing


# ---- red flags: red_flag_days and red_flag_recent_days --------------------------------------


@pytest.mark.parametrize(
    ("since", "found"), [(14, True), (15, True), (29, True), (30, True), (31, False)]
)
def test_a_red_flag_gives_a_finding_for_red_flag_days_after_its_last_entry(since, found):
    diary = [entry(days_before(TODAY, since), "seizure", None)]
    assert reasons(run(diary, TODAY), "seizure") == (("red_flag",) if found else ())


@pytest.mark.parametrize(("since", "found"), [(0, True), (30, True), (31, False)])
def test_a_red_flag_marked_gone_away_still_gives_a_finding_for_red_flag_days(since, found):
    last = days_before(TODAY, since)
    diary = [entry(last, "fracture", 4)]
    found_now = run(diary, TODAY, marks=[mark(last, "fracture")])
    assert reasons(found_now, "fracture") == (("red_flag",) if found else ())


@pytest.mark.parametrize(
    ("since", "expected"),
    [(0, "emergency"), (1, "emergency"), (2, "emergency"), (3, "same_day"), (30, "same_day")],
)
def test_an_emergency_is_an_emergency_for_red_flag_recent_days_then_same_day(since, expected):
    diary = [entry(days_before(TODAY, since), "stroke_signs", None)]
    assert urgency(run(diary, TODAY), "stroke_signs") == expected


def test_an_ongoing_emergency_last_logged_3_days_ago_is_same_day():
    # §3: the red flag's urgency reads its last entry, ongoing or not.
    diary = [
        entry(days_before(TODAY, 8), "seizure", 5),
        entry(days_before(TODAY, 3), "seizure", 5),
    ]
    [finding] = run(diary, TODAY)
    assert (finding.urgency, finding.reasons, finding.duration_days) == (
        "same_day",
        ("red_flag",),
        5,
    )


def test_a_lapsed_red_flag_keeps_worrying_and_severe_but_not_new_persistent_or_worsening():
    days = [days_before(TODAY, d) for d in (45, 38, 31, 24, 17)]
    diary = series("jaundice", days, [1, 1, 5, 9, 9])
    diary[-1] = entry(days[-1], "jaundice", 9, worrying=True)
    [finding] = run(diary, TODAY)
    assert finding.reasons == ("red_flag", "worrying", "severe")
    assert (finding.episode_start, finding.last_entry, finding.duration_days) == (
        days[0],
        days[-1],
        28,
    )
    # The same episode while it is ongoing meets every reason it can.
    ongoing = run(diary, days_after(days[-1], 14))
    assert ongoing[0].reasons == (
        "red_flag",
        "worrying",
        "severe",
        "new",
        "persistent",
        "worsening",
    )


def test_an_earlier_red_flag_episode_gives_no_finding_once_a_later_one_exists():
    # Only the last episode of a symptom can give a finding (§3).
    diary = [entry(days_before(TODAY, 25), "seizure", 9), entry(days_before(TODAY, 5), "seizure")]
    [finding] = run(diary, TODAY)
    assert (finding.last_entry, finding.reasons) == (days_before(TODAY, 5), ("red_flag",))


@pytest.mark.parametrize(("since", "found"), [(14, True), (15, False)])
def test_a_lapsed_soon_symptom_gives_no_finding(since, found):
    # report_promptly is for ongoing episodes only: the red flag exception is for red flags.
    diary = [entry(days_before(TODAY, since), "lump", 8)]
    assert bool(run(diary, TODAY)) is found


def test_several_entries_on_one_day_are_one_entry_day():
    diary = [
        entry(nov(10), severity=2, onset=nov(5)),
        entry(nov(10), severity=9, worrying=False),
        entry(nov(10), severity=5, onset=nov(3), worrying=True),
        entry(nov(10), severity=1, onset=nov(4)),
    ]
    assert group_entries(diary) == {"bone_pain": [EntryDay(nov(10), 9, nov(3), True)]}
    [finding] = run(diary, nov(10))
    assert finding.reasons == ("worrying", "severe", "new")
    assert (finding.episode_start, finding.duration_days) == (nov(3), 7)


# ---- resolved marks -------------------------------------------------------------------------


def test_a_mark_on_the_same_day_as_the_last_entry_ends_the_episode():
    diary = [entry(nov(20), "lump", 2)]
    assert run(diary, TODAY, marks=[mark(nov(20), "lump")]) == []
    [episode] = episodes("lump", diary, [mark(nov(20), "lump")], RULES)
    assert episode.ended
    assert lapsed_episodes(diary, [mark(nov(20), "lump")], dec(30), RULES) == []


def test_a_mark_the_day_before_the_last_entry_does_not_end_it():
    diary = [entry(nov(20), "coughing_blood", 2)]
    assert run(diary, nov(22), marks=[mark(nov(19), "coughing_blood")]) != []


def test_a_mark_between_entries_splits_the_episode():
    diary = [entry(nov(d)) for d in (1, 3, 5, 7, 9)]
    parts = episodes("bone_pain", diary, [mark(nov(5))], RULES)
    assert [[d.day for d in p.days] for p in parts] == [[nov(1), nov(3), nov(5)], [nov(7), nov(9)]]
    assert [p.ended for p in parts] == [True, False]


def test_a_mark_on_the_same_day_as_an_entry_comes_after_it_even_mid_diary():
    diary = [entry(nov(1)), entry(nov(2))]
    parts = episodes("bone_pain", diary, [mark(nov(1))], RULES)
    assert [p.first_entry for p in parts] == [nov(1), nov(2)]


def test_a_mark_before_any_entry_or_for_another_symptom_does_nothing():
    diary = [entry(nov(d)) for d in (10, 17, 24)]
    before = run(diary, TODAY)
    assert before and before == run(diary, TODAY, marks=[mark(nov(9)), mark(nov(24), "cough")])


def test_a_mark_after_today_is_ignored():
    diary = [entry(nov(20), "coughing_blood", 2)]
    assert run(diary, nov(25), marks=[mark(nov(26), "coughing_blood")]) != []


# ---- severe_at ------------------------------------------------------------------------------


@pytest.mark.parametrize(("latest", "severe"), [(7, False), (8, True), (10, True)])
def test_severe_reads_the_latest_entry_day(latest, severe):
    diary = [entry(TODAY, severity=latest)]
    assert ("severe" in reasons(run(diary, TODAY))) is severe


def test_an_earlier_severe_day_is_not_severe_now():
    diary = [entry(nov(27), severity=10), entry(TODAY, severity=3)]
    assert "severe" not in reasons(run(diary, TODAY))


# ---- new_days and persistent_days -----------------------------------------------------------


def _lasting(days: int, symptom: str = "bone_pain") -> list:
    """One entry day today whose onset makes the episode last `days`."""
    return [entry(TODAY, symptom, 3, onset=days_before(TODAY, days))]


@pytest.mark.parametrize(("duration", "expected"), [(6, ()), (7, ("new",)), (8, ("new",))])
def test_new_needs_duration_of_new_days(duration, expected):
    assert reasons(run(_lasting(duration), TODAY)) == expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [(13, ("new",)), (14, ("new", "persistent")), (15, ("new", "persistent"))],
)
def test_persistent_needs_duration_of_persistent_days(duration, expected):
    assert reasons(run(_lasting(duration), TODAY)) == expected


def test_duration_counts_from_the_first_entry_when_there_is_no_onset():
    diary = [entry(days_before(TODAY, 7)), entry(TODAY)]
    [finding] = run(diary, TODAY)
    assert (finding.episode_start, finding.duration_days) == (days_before(TODAY, 7), 7)


def test_an_onset_in_a_later_entry_moves_the_start_earlier():
    diary = [entry(nov(20)), entry(nov(24), onset=nov(10))]
    [finding] = run(diary, nov(24))
    assert (finding.episode_start, finding.duration_days) == (nov(10), 14)


# ---- baseline_days --------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "is_new"), [(1, False), (89, False), (90, False), (91, True)])
def test_an_entry_within_baseline_days_before_the_start_stops_new(before, is_new):
    start = days_before(TODAY, 10)
    earlier = days_before(start, before)
    diary = [entry(earlier), entry(start), entry(days_before(TODAY, 5)), entry(TODAY)]
    # A mark after the earlier entry keeps it a separate episode even when it is 1 day before.
    marks = [mark(earlier)]
    assert episodes("bone_pain", diary, marks, RULES)[-1].start == start
    assert reasons(run(diary, TODAY, marks=marks)) == (("new",) if is_new else ())


def test_the_baseline_window_counts_from_the_onset_not_the_first_entry():
    # The earlier entry is 95 days before the first entry, but 85 before the onset: not new.
    first = days_before(TODAY, 7)
    diary = [
        entry(days_before(first, 95)),
        entry(first, onset=days_before(first, 10)),
        entry(TODAY),
    ]
    assert "new" not in reasons(run(diary, TODAY))
    without_onset = [entry(days_before(first, 95)), entry(first), entry(TODAY)]
    assert reasons(run(without_onset, TODAY)) == ("new",)


def test_only_entries_of_the_same_symptom_count_for_new():
    diary = [entry(days_before(TODAY, 30), "cough"), *_lasting(8)]
    assert reasons(run(diary, TODAY)) == ("new",)


def test_an_onset_that_reaches_back_past_an_earlier_episode_does_not_count_it_as_before():
    # Interpretation (see engine._has_baseline_entry): entries on or after the start are not
    # "before" it, even when they belong to an earlier, resolved episode.
    diary = [entry(nov(10)), entry(nov(20), onset=nov(5)), entry(nov(25))]
    found = run(diary, nov(25), marks=[mark(nov(12))])
    assert found[0].episode_start == nov(5)
    assert "new" in found[0].reasons


# ---- worsening ------------------------------------------------------------------------------


def _over(days: list[int], severities: list[int]) -> list:
    return series("bone_pain", [days_before(TODAY, d) for d in days], severities)


@pytest.mark.parametrize(("duration", "fires"), [(6, False), (7, True)])
def test_worsening_needs_duration_of_worsening_days(duration, fires):
    found = run(_over([duration, 0], [1, 3]), TODAY, known={"bone_pain"})
    assert ("worsening" in reasons(found)) is fires


def test_worsening_needs_two_entry_days():
    # One entry day whose onset makes it long: k would be 0, so the test cannot run.
    diary = [entry(TODAY, severity=9, onset=days_before(TODAY, 20))]
    assert "worsening" not in reasons(run(diary, TODAY))


@pytest.mark.parametrize(
    ("severities", "fires"),
    [
        # n = 6, k = 3: means 7/3 -> 13/3 is a rise of exactly 2 (floats would say 1.999...).
        ([2, 2, 3, 4, 4, 5], True),
        ([2, 2, 3, 4, 4, 4], False),  # 7/3 -> 12/3: a rise of 5/3
        ([2, 3, 3, 4, 4, 5], False),  # 8/3 -> 13/3
        # n = 2, k = 1
        ([3, 5], True),
        ([3, 4], False),
        # n = 3, k = 1: the middle day is not compared
        ([3, 10, 5], True),
        ([3, 1, 4], False),
        # n = 5, k = 2: the middle day is not compared
        ([1, 2, 9, 3, 4], True),  # (3+4) - (1+2) = 4 >= 2*2
        ([1, 2, 9, 2, 4], False),  # 6 - 3 = 3 < 4
        # n = 10, k = 3 (k is capped at 3)
        ([1, 1, 1, 9, 9, 9, 9, 3, 3, 3], True),
        ([1, 1, 1, 9, 9, 9, 9, 3, 3, 2], False),
        # falling is never worsening
        ([6, 6, 6, 1, 1, 1], False),
    ],
)
def test_worsening_compares_means_of_first_and_last_k_exactly(severities, fires):
    # Spread the entry days over at least worsening_days, with no gap over max_gap_days.
    n = len(severities)
    step = -(-7 // (n - 1))
    days = [step * (n - 1 - i) for i in range(n)]
    found = run(_over(days, severities), TODAY, known={"bone_pain"})
    assert ("worsening" in reasons(found)) is fires


def test_worsening_reads_entry_days_not_entries():
    # Two entries on the first day (1 and 7) count as one day of severity 7: no rise.
    diary = [entry(nov(1), severity=1), entry(nov(1), severity=7), entry(nov(8), severity=8)]
    assert "worsening" not in reasons(run(diary, nov(8), known={"bone_pain"}))


def test_the_worsening_sum_test_uses_worsening_by_from_the_rules():
    rules = replace(compile_rules(RULES), worsening_by=3)
    found = run(
        _over([12, 10, 8, 6, 4, 2], [2, 2, 3, 4, 4, 5]), TODAY, known={"bone_pain"}, rules=rules
    )
    assert found == []


# ---- known conditions -----------------------------------------------------------------------


def test_known_conditions_suppress_only_new_and_persistent():
    long_rise = _over([20, 15, 10, 5, 0], [2, 3, 6, 8, 9])
    long_rise[-1] = entry(TODAY, severity=9, worrying=True)
    unknown = run(long_rise, TODAY)
    known = run(long_rise, TODAY, known={"bone_pain"})
    assert reasons(unknown) == ("worrying", "severe", "new", "persistent", "worsening")
    assert reasons(known) == ("worrying", "severe", "worsening")


@pytest.mark.parametrize(
    ("symptom", "urgency"),
    [("seizure", "emergency"), ("jaundice", "same_day"), ("lump", "soon")],
)
def test_a_known_condition_never_silences_a_red_flag_or_report_promptly(symptom, urgency):
    diary = [entry(days_before(TODAY, 20), symptom), entry(TODAY, symptom)]
    [finding] = run(diary, TODAY, known={symptom})
    assert finding.urgency == urgency
    assert finding.reasons == (("report_promptly",) if urgency == "soon" else ("red_flag",))


def test_a_known_condition_only_affects_its_own_symptom():
    diary = [*_lasting(20, "cough"), *_lasting(20, "bone_pain")]
    found = run(diary, TODAY, known={"cough"})
    assert [f.symptom for f in found] == ["bone_pain"]


# ---- per-symptom new_days and persistent_days (version 2) -----------------------------------


@pytest.mark.parametrize(
    ("duration", "expected"),
    [(20, ()), (21, ("new", "persistent")), (22, ("new", "persistent"))],
)
@pytest.mark.parametrize("symptom", ["cough", "chest_infections"])
def test_cough_and_chest_infections_need_21_days_for_new_and_persistent(
    symptom, duration, expected
):
    assert reasons(run(_lasting(duration, symptom), TODAY), symptom) == expected


def test_a_symptom_without_its_own_new_days_uses_the_default():
    assert reasons(run(_lasting(7, "voice_change"), TODAY), "voice_change") == ("new",)


# ---- severe_urgency (version 2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("symptom", "severity", "expected"),
    [
        ("chest_pain", 7, None),
        ("chest_pain", 8, "same_day"),
        ("breathless", 7, None),
        ("breathless", 8, "same_day"),
        ("breathless", 10, "same_day"),
        ("bone_pain", 8, "soon"),
        ("headache", 10, "soon"),
    ],
)
def test_severe_takes_the_symptoms_severe_urgency(symptom, severity, expected):
    assert urgency(run([entry(TODAY, symptom, severity)], TODAY), symptom) == expected


# ---- the record class (version 2) ----------------------------------------------------------


def test_a_record_symptom_is_only_ever_worrying_or_severe():
    days = [days_before(TODAY, d) for d in (40, 30, 20, 10, 0)]
    diary = series("sleep_problems", days, [1, 2, 5, 7, 7])
    assert run(diary, TODAY) == []
    diary[-1] = entry(TODAY, "sleep_problems", 8, worrying=True)
    [finding] = run(diary, TODAY)
    assert (finding.urgency, finding.reasons) == ("soon", ("worrying", "severe"))


@pytest.mark.parametrize(("latest", "severe"), [(7, False), (8, True)])
def test_a_record_symptom_is_severe_at_severe_at(latest, severe):
    found = run([entry(TODAY, "hot_flushes", latest)], TODAY)
    assert reasons(found, "hot_flushes") == (("severe",) if severe else ())


# ---- a missing severity (version 2) ---------------------------------------------------------


def test_a_day_without_a_severity_takes_the_severity_of_another_entry_that_day():
    diary = [entry(TODAY, "fracture", None), entry(TODAY, "fracture", 9), entry(TODAY, "fracture")]
    assert group_entries(diary) == {"fracture": [EntryDay(TODAY, 9)]}
    assert group_entries(diary[:1]) == {"fracture": [EntryDay(TODAY, None)]}
    assert reasons(run(diary, TODAY), "fracture") == ("red_flag", "severe")


def test_a_red_flag_without_a_severity_is_never_severe_or_worsening_but_is_new_and_persistent():
    days = [days_before(TODAY, d) for d in (20, 14, 7, 0)]
    diary = series("confusion", days, [None] * 4)
    assert reasons(run(diary, TODAY), "confusion") == ("red_flag", "new", "persistent")


@pytest.mark.parametrize(
    ("severities", "fires"),
    [
        ([2, None, None, 4], True),  # n = 2 scored days, k = 1: 4 - 2 >= 2
        ([2, None, None, 3], False),
        ([None, 2, 4, None], True),
        ([2, None, None, None], False),  # one scored day: nothing to compare
        ([3, None, 5, 9], True),  # n = 3, k = 1: 9 - 3
    ],
)
def test_worsening_compares_only_entry_days_with_a_severity(severities, fires):
    days = [days_before(TODAY, d) for d in (21, 14, 7, 0)]
    diary = series("spinal_cord_signs", days, severities)
    assert ("worsening" in reasons(run(diary, TODAY), "spinal_cord_signs")) is fires


def test_a_latest_day_without_a_severity_is_not_severe_after_a_severe_one():
    diary = [entry(days_before(TODAY, 1), "jaundice", 9), entry(TODAY, "jaundice", None)]
    assert reasons(run(diary, TODAY), "jaundice") == ("red_flag",)


# ---- known conditions with an end date (version 2) ------------------------------------------


@pytest.mark.parametrize(
    ("until", "counts"),
    [(None, True), (days_after(TODAY, 1), True), (TODAY, True), (days_before(TODAY, 1), False)],
)
def test_a_known_condition_counts_up_to_and_including_its_end_date(until, counts):
    found = run(_lasting(20), TODAY, known=[known_until("bone_pain", until)])
    assert reasons(found) == (() if counts else ("new", "persistent"))


def test_a_known_condition_for_an_other_name_counts_for_that_name_only():
    diary = [other(days_before(TODAY, 10), "Jaw ache"), other(TODAY, "jaw ache")]
    diary += [other(days_before(TODAY, 10), "itchy ear"), other(TODAY, "itchy ear")]
    found = run(diary, TODAY, known=[known_until("other", None, name=" JAW ACHE")])
    assert [(f.symptom, f.name, f.reasons) for f in found] == [("other", "itchy ear", ("new",))]


# ---- other: one series per name (version 2) -------------------------------------------------


def test_a_resolved_mark_for_an_other_name_ends_only_that_series():
    diary = [other(TODAY, "jaw ache", 9), other(TODAY, "itchy ear", 9)]
    found = run(diary, TODAY, marks=[mark(TODAY, "other", "Jaw Ache")])
    assert [f.name for f in found] == ["itchy ear"]


def test_findings_of_other_are_ordered_by_name_after_urgency_and_code():
    diary = [
        other(TODAY, "zz", 9),
        other(TODAY, "aa", 9),
        entry(TODAY, "lump"),
        entry(TODAY, "cough", 9),
    ]
    found = run(diary, TODAY)
    assert [(f.symptom, f.name) for f in found] == [
        ("cough", None),
        ("lump", None),
        ("other", "aa"),
        ("other", "zz"),
    ]


def test_only_a_finding_for_a_named_other_carries_a_name_in_its_json():
    found = run([other(TODAY, " Jaw Ache ", 9), entry(TODAY, "cough", 9)], TODAY)
    assert [list(f.to_json()) for f in found] == [
        ["symptom", "urgency", "reasons", "episode_start", "last_entry", "duration_days"],
        ["symptom", "name", "urgency", "reasons", "episode_start", "last_entry", "duration_days"],
    ]
    assert found[1].to_json()["name"] == "jaw ache"


# ---- today ----------------------------------------------------------------------------------


def test_entries_after_today_are_ignored():
    diary = [entry(nov(10), "cough"), entry(nov(21), "coughing_blood"), entry(nov(21), severity=9)]
    assert run(diary, nov(20)) == []
    # ... and a future entry does not keep an old episode ongoing, nor extend it.
    old = [entry(nov(1), "headache"), entry(nov(25), "headache")]
    assert run(old, nov(20)) == []
    assert [e.last_entry for e in lapsed_episodes(old, [], nov(20), RULES)] == [nov(1)]


def test_assess_symptom_ignores_pre_grouped_days_after_today():
    days = [EntryDay(nov(10), 3), EntryDay(nov(21), 9)]
    assert assess_symptom("coughing_blood", days, [], False, nov(15), RULES).last_entry == nov(10)
    assert assess_symptom("coughing_blood", days[1:], [], False, nov(15), RULES) is None


# ---- order ----------------------------------------------------------------------------------


def test_findings_are_most_urgent_first_then_by_symptom_code():
    diary = [
        entry(TODAY, "lump"),
        entry(TODAY, "cough", 9),
        entry(TODAY, "stroke_signs"),
        entry(TODAY, "jaundice"),
        entry(TODAY, "seizure"),
        entry(TODAY, "confusion"),
        entry(TODAY, "appetite_loss", worrying=True),
    ]
    found = run(reversed(diary), TODAY)
    assert [(f.urgency, f.symptom) for f in found] == [
        ("emergency", "seizure"),
        ("emergency", "stroke_signs"),
        ("same_day", "confusion"),
        ("same_day", "jaundice"),
        ("soon", "appetite_loss"),
        ("soon", "cough"),
        ("soon", "lump"),
    ]


def test_reasons_follow_the_order_of_the_table():
    diary = [
        entry(days_before(TODAY, 20), "spinal_cord_signs", 1),
        entry(days_before(TODAY, 14), "spinal_cord_signs", 2),
        entry(days_before(TODAY, 7), "spinal_cord_signs", 2),
        entry(TODAY, "spinal_cord_signs", 9, worrying=True),
        entry(days_before(TODAY, 7), "scar_change", 1, onset=days_before(TODAY, 20), worrying=True),
        entry(TODAY, "scar_change", 8),
    ]
    found = run(diary, TODAY)
    assert [(f.symptom, f.urgency, f.reasons) for f in found] == [
        (
            "spinal_cord_signs",
            "emergency",
            ("red_flag", "worrying", "severe", "new", "persistent", "worsening"),
        ),
        (
            "scar_change",
            "soon",
            ("report_promptly", "worrying", "severe", "new", "persistent", "worsening"),
        ),
    ]


# ---- odd input the engine still handles -----------------------------------------------------


def test_a_symptom_missing_from_the_rules_file_is_watched_not_dropped():
    [finding] = run([entry(TODAY, "retired_code", 9)], TODAY)
    assert (finding.symptom, finding.urgency, finding.reasons) == (
        "retired_code",
        "soon",
        ("severe",),
    )


def test_lapsed_episodes_only_ask_about_the_latest_episode_of_each_symptom():
    diary = [entry(nov(1), "cough"), entry(nov(16), "cough"), entry(nov(2), "headache")]
    lapsed = lapsed_episodes(diary, [mark(nov(2), "headache")], dec(5), RULES)
    assert [(e.symptom, e.first_entry) for e in lapsed] == [("cough", nov(16))]
    assert lapsed_episodes(diary, [], nov(19), RULES) == [
        Episode("headache", nov(2), (EntryDay(nov(2), 3),), False)
    ]

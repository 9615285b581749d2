"""Every worked example of clinical-rules.md §6 (1 to 18), and the §5 example, exactly."""

from __future__ import annotations

from datetime import date

from tracker.rules.data import series_key
from tracker.rules.engine import Finding, episodes, lapsed_episodes, report
from tracker.rules.timeline import parse_timeline

from .diaries import RULES, dec, entry, known_until, mark, nov, other, run, series

EXAMPLE_DAYS = [nov(1), nov(4), nov(8), nov(12), nov(16)]


def finding(**fields) -> Finding:
    """A Finding with the packaged rules' version."""
    return Finding(rules_version=RULES.version, **fields)


def test_example_1_bone_pain_new_and_persistent_not_worsening():
    found = run(series("bone_pain", EXAMPLE_DAYS, [3, 3, 4, 3, 3]), today=nov(18))
    assert found == [
        finding(
            symptom="bone_pain",
            urgency="soon",
            reasons=("new", "persistent"),
            episode_start=nov(1),
            last_entry=nov(16),
            duration_days=15,
        )
    ]
    [episode] = episodes("bone_pain", series("bone_pain", EXAMPLE_DAYS, [3] * 5), [], RULES)
    assert (episode.start, episode.last_entry, episode.duration_days) == (nov(1), nov(16), 15)


def test_example_2_known_condition_gives_no_finding():
    diary = series("bone_pain", EXAMPLE_DAYS, [3, 3, 4, 3, 3])
    assert run(diary, today=nov(18), known={"bone_pain"}) == []


def test_example_3_known_condition_that_worsens_is_reported():
    diary = series("bone_pain", EXAMPLE_DAYS, [3, 3, 4, 6, 6])
    assert run(diary, today=nov(18), known={"bone_pain"}) == [
        finding(
            symptom="bone_pain",
            urgency="soon",
            reasons=("worsening",),
            episode_start=nov(1),
            last_entry=nov(16),
            duration_days=15,
        )
    ]


def test_example_4_a_gap_of_19_days_makes_two_episodes_and_the_second_is_too_short():
    diary = series("headache", [nov(1), nov(20)], [3, 3])
    parts = episodes("headache", diary, [], RULES)
    assert [(p.start, p.last_entry) for p in parts] == [(nov(1), nov(1)), (nov(20), nov(20))]
    assert not parts[0].is_ongoing(nov(22), RULES)
    assert parts[1].is_ongoing(nov(22), RULES)
    assert parts[1].duration_days == 0
    assert run(diary, today=nov(22)) == []


def test_example_4_a_gap_of_11_days_keeps_one_episode_that_is_new():
    diary = series("headache", [nov(1), nov(12)], [3, 3])
    [episode] = episodes("headache", diary, [], RULES)
    assert episode.duration_days == 11
    assert run(diary, today=nov(14)) == [
        finding(
            symptom="headache",
            urgency="soon",
            reasons=("new",),
            episode_start=nov(1),
            last_entry=nov(12),
            duration_days=11,
        )
    ]


def test_example_5_coughing_blood_today_is_a_same_day_red_flag():
    found = run([entry(nov(14), "coughing_blood", 2)], today=nov(14))
    assert found == [
        finding(
            symptom="coughing_blood",
            urgency="same_day",
            reasons=("red_flag",),
            episode_start=nov(14),
            last_entry=nov(14),
            duration_days=0,
        )
    ]


def test_example_6_headache_19_days_ago_is_not_ongoing_and_asks_for_a_check_in():
    diary = [entry(nov(1), "headache", 5)]
    assert run(diary, today=nov(20)) == []
    [lapsed] = lapsed_episodes(diary, [], nov(20), RULES)
    assert (lapsed.symptom, lapsed.last_entry, lapsed.ended) == ("headache", nov(1), False)


def _red_flag(symptom: str, urgency: str, day) -> Finding:
    return finding(
        symptom=symptom,
        urgency=urgency,
        reasons=("red_flag",),
        episode_start=day,
        last_entry=day,
        duration_days=0,
    )


def test_example_7_a_seizure_logged_19_days_back_without_a_severity_is_a_same_day_red_flag():
    diary = [entry(nov(12), "seizure", None)]
    assert run(diary, today=dec(1)) == [_red_flag("seizure", "same_day", nov(12))]


def test_example_8_a_red_flag_marked_gone_away_is_still_reported_same_day_within_30_days():
    diary = [entry(nov(28), "coughing_blood", 2)]
    marks = [mark(nov(29), "coughing_blood")]
    [episode] = episodes("coughing_blood", diary, marks, RULES)
    assert episode.ended
    assert run(diary, today=nov(30), marks=marks) == [
        _red_flag("coughing_blood", "same_day", nov(28))
    ]


def test_example_9_a_seizure_32_days_ago_gives_no_finding():
    assert run([entry(date(2026, 10, 30), "seizure", None)], today=dec(1)) == []


def test_example_10_a_seizure_logged_yesterday_is_an_emergency():
    assert run([entry(nov(30), "seizure", None)], today=dec(1)) == [
        _red_flag("seizure", "emergency", nov(30))
    ]


def test_example_11_severe_chest_pain_is_same_day_and_worrying_chest_pain_is_soon():
    severe = run([entry(nov(14), "chest_pain", 9)], today=nov(14))
    assert [(f.urgency, f.reasons) for f in severe] == [("same_day", ("severe",))]
    worried = run([entry(nov(14), "chest_pain", 7, worrying=True)], today=nov(14))
    assert [(f.urgency, f.reasons) for f in worried] == [("soon", ("worrying",))]


HOT_FLUSH_DAYS = [nov(1), nov(5), nov(9), nov(13), nov(17)]


def test_example_12_hot_flushes_are_never_new_persistent_or_worsening():
    diary = series("hot_flushes", HOT_FLUSH_DAYS, [2, 3, 5, 6, 7])
    assert run(diary, today=nov(18)) == []


def test_example_12_hot_flushes_rated_8_last_are_severe_only_and_soon():
    diary = series("hot_flushes", HOT_FLUSH_DAYS, [2, 3, 5, 6, 8])
    assert run(diary, today=nov(18)) == [
        finding(
            symptom="hot_flushes",
            urgency="soon",
            reasons=("severe",),
            episode_start=nov(1),
            last_entry=nov(17),
            duration_days=16,
        )
    ]


EXAMPLE_13 = [other(nov(1), "jaw ache"), other(nov(6), "itchy ear"), other(nov(10), "itchy ear")]


def test_example_13_each_other_name_is_its_own_series_and_neither_gives_a_finding():
    assert run(EXAMPLE_13, today=nov(11)) == []
    [jaw] = episodes(series_key("other", "jaw ache"), EXAMPLE_13, [], RULES)
    [ear] = episodes(series_key("other", "itchy ear"), EXAMPLE_13, [], RULES)
    assert (jaw.duration_days, jaw.name) == (0, "jaw ache")
    assert (ear.duration_days, ear.name) == (4, "itchy ear")


def test_example_13_unnamed_other_entries_are_still_one_series_as_under_version_1():
    # What a database without names yet gives the engine: one 9-day episode, and `new`.
    unnamed = [entry(e.day, "other") for e in EXAMPLE_13]
    assert [(f.symptom, f.name, f.reasons) for f in run(unnamed, today=nov(11))] == [
        ("other", None, ("new",))
    ]


def test_example_13_a_name_with_other_case_and_spaces_joins_its_series():
    diary = [*EXAMPLE_13, other(nov(8), "Jaw ache ")]
    [jaw] = episodes(series_key("other", "jaw ache"), diary, [], RULES)
    assert [d.day for d in jaw.days] == [nov(1), nov(8)]
    # Joined, the jaw ache has lasted 7 days: `new`, under its name in lower case.
    assert run(diary, today=nov(11)) == [
        finding(
            symptom="other",
            urgency="soon",
            reasons=("new",),
            episode_start=nov(1),
            last_entry=nov(8),
            duration_days=7,
            name="jaw ache",
        )
    ]


JOINT_PAIN = series("joint_pain", HOT_FLUSH_DAYS, [3, 3, 3, 3, 3])


def test_example_14_a_known_condition_that_ended_before_today_no_longer_counts():
    found = run(JOINT_PAIN, today=nov(18), known=[known_until("joint_pain", nov(10))])
    assert found == [
        finding(
            symptom="joint_pain",
            urgency="soon",
            reasons=("new", "persistent"),
            episode_start=nov(1),
            last_entry=nov(17),
            duration_days=16,
        )
    ]


def test_example_14_a_known_condition_until_the_end_of_the_month_still_counts():
    assert run(JOINT_PAIN, today=nov(18), known=[known_until("joint_pain", nov(30))]) == []


def test_example_15_chemotherapy_numbness_is_watched_never_same_day():
    diary = series("numbness", EXAMPLE_DAYS, [3, 4, 3, 4, 3])
    assert run(diary, today=nov(17)) == [
        finding(
            symptom="numbness",
            urgency="soon",
            reasons=("new", "persistent"),
            episode_start=nov(1),
            last_entry=nov(16),
            duration_days=15,
        )
    ]


def test_example_16_limb_weakness_today_without_a_severity_is_a_same_day_red_flag():
    assert run([entry(nov(14), "limb_weakness", None)], today=nov(14)) == [
        _red_flag("limb_weakness", "same_day", nov(14))
    ]


def test_example_17_a_cold_of_12_days_gives_no_finding():
    diary = series("cough", [nov(1), nov(5), nov(9), nov(13)], [4, 5, 4, 3])
    assert run(diary, today=nov(14)) == []


def test_example_17_a_cough_of_22_days_is_new_and_persistent():
    days = [nov(1), nov(5), nov(9), nov(13), nov(17), nov(21), nov(23)]
    diary = series("cough", days, [4, 5, 4, 3, 4, 4, 4])
    assert run(diary, today=nov(24)) == [
        finding(
            symptom="cough",
            urgency="soon",
            reasons=("new", "persistent"),
            episode_start=nov(1),
            last_entry=nov(23),
            duration_days=22,
        )
    ]


def test_example_18_a_weekly_logger_a_few_days_late_keeps_one_episode_that_worsens():
    diary = series("headache", [nov(1), nov(10), nov(19), nov(28)], [3, 4, 5, 6])
    assert len(episodes("headache", diary, [], RULES)) == 1
    assert run(diary, today=nov(29)) == [
        finding(
            symptom="headache",
            urgency="soon",
            reasons=("new", "persistent", "worsening"),
            episode_start=nov(1),
            last_entry=nov(28),
            duration_days=27,
        )
    ]


SECTION_5_INPUT = """
{
  "today": "2026-11-12",
  "known_conditions": ["bone_pain"],
  "entries": [
    {"date": "2026-11-01", "symptom": "breathless", "severity": 3},
    {"date": "2026-11-08", "symptom": "breathless", "severity": 4, "onset": "2026-10-30",
     "worrying": false, "note": "worse at night"},
    {"date": "2026-11-10", "symptom": "rash", "resolved": true}
  ]
}
"""

SECTION_5_OUTPUT = {
    "rules_version": RULES.version,
    "findings": [
        {
            "symptom": "breathless",
            "urgency": "soon",
            "reasons": ["new"],
            "episode_start": "2026-10-30",
            "last_entry": "2026-11-08",
            "duration_days": 9,
        }
    ],
}


def test_section_5_example_input_gives_the_section_5_output():
    timeline = parse_timeline(SECTION_5_INPUT, RULES)
    found = run(timeline.entries, timeline.today, timeline.marks, timeline.known_conditions)
    assert report(found, RULES) == SECTION_5_OUTPUT
    assert list(report(found, RULES)) == ["rules_version", "findings"]
    assert list(found[0].to_json()) == [
        "symptom",
        "urgency",
        "reasons",
        "episode_start",
        "last_entry",
        "duration_days",
    ]

"""Every worked example of clinical-rules.md §6, and the §5 example, exactly."""

from __future__ import annotations

from tracker.rules.engine import Finding, episodes, lapsed_episodes, report
from tracker.rules.timeline import parse_timeline

from .diaries import RULES, entry, nov, run, series

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


def test_example_4_gap_of_11_days_makes_two_episodes_and_the_second_is_too_short():
    diary = series("cough", [nov(1), nov(12)], [3, 3])
    parts = episodes("cough", diary, [], RULES)
    assert [(p.start, p.last_entry) for p in parts] == [(nov(1), nov(1)), (nov(12), nov(12))]
    assert not parts[0].is_ongoing(nov(14), RULES)
    assert parts[1].is_ongoing(nov(14), RULES)
    assert parts[1].duration_days == 0
    assert run(diary, today=nov(14)) == []


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


SECTION_5_INPUT = """
{
  "today": "2026-11-12",
  "known_conditions": ["bone_pain"],
  "entries": [
    {"date": "2026-11-01", "symptom": "cough", "severity": 3},
    {"date": "2026-11-08", "symptom": "cough", "severity": 4, "onset": "2026-10-30",
     "worrying": false, "note": "worse at night"},
    {"date": "2026-11-10", "symptom": "rash", "resolved": true}
  ]
}
"""

SECTION_5_OUTPUT = {
    "rules_version": RULES.version,
    "findings": [
        {
            "symptom": "cough",
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

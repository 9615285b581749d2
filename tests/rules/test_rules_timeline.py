"""Reading the §5 JSON input: what is accepted, and one clear line for everything that is not."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.rules.engine import Entry, KnownCondition, ResolvedMark
from tracker.rules.timeline import TimelineError, parse_timeline, timeline_from_data

from .diaries import RULES, nov


def doc(*entries: dict, **top) -> str:
    """A §5 timeline as JSON text: today 2026-11-12 unless told."""
    return json.dumps({"today": "2026-11-12", "entries": list(entries), **top})


def cough(**fields) -> dict:
    """One valid cough entry, with fields replaced or added."""
    return {"date": "2026-11-08", "symptom": "cough", "severity": 4, **fields}


def without(item: dict, key: str) -> dict:
    """A copy of `item` without `key`."""
    return {k: v for k, v in item.items() if k != key}


def something(name: str | None = "jaw ache", **fields) -> dict:
    """One valid "something else" entry named `name` (left out when None)."""
    item = {"date": "2026-11-08", "symptom": "other", "severity": 3, **fields}
    return item if name is None else {**item, "name": name}


MARK = {"date": "2026-11-08", "symptom": "cough", "resolved": True}
OTHER_MARK = {"date": "2026-11-08", "symptom": "other", "resolved": True}
TWICE = '[{"date": "2026-11-08", "symptom": "cough", "severity": 4, "severity": 9}]'

# (case id, input text, a fragment the one-line message must contain)
BAD = [
    ("not-json", "{today: 2026-11-12}", "not valid JSON"),
    ("empty-file", "", "not valid JSON"),
    ("trailing-garbage", doc() + " x", "not valid JSON"),
    ("nan", doc(cough(severity=None)).replace("null", "NaN"), "NaN is not a JSON value"),
    ("nested-too-deeply", "[" * 100_000, "nested too deeply"),
    (
        "number-too-long",
        doc(cough(severity=0)).replace('"severity": 0', '"severity": ' + "9" * 5000),
        "not usable JSON",
    ),
    ("top-level-list", "[]", "must be a JSON object"),
    ("top-level-string", '"2026-11-12"', "must be a JSON object"),
    ("unknown-top-level-key", doc(know_conditions=[]), "unknown key 'know_conditions'"),
    ("today-missing", json.dumps({"entries": []}), "today is missing"),
    ("today-not-padded", doc(today="2026-1-5"), "today must be a date written YYYY-MM-DD"),
    ("today-not-a-day", doc(today="2026-02-30"), "today is not a real calendar date"),
    ("today-a-number", doc(today=20261112), "today must be a date written YYYY-MM-DD"),
    ("entries-missing", json.dumps({"today": "2026-11-12"}), "entries is missing"),
    ("entries-not-a-list", doc(entries={"0": cough()}), "entries must be a list"),
    ("entry-not-an-object", doc(cough(), [cough()]), "entry 2 must be an object"),
    ("date-missing", doc(without(cough(), "date")), "entry 1: date is missing"),
    ("symptom-missing", doc(without(cough(), "symptom")), "entry 1: symptom is missing"),
    (
        "unknown-symptom",
        doc(cough(), cough(symptom="cogh")),
        'entry 2: unknown symptom code "cogh"',
    ),
    ("symptom-not-text", doc(cough(symptom=3)), "entry 1: symptom must be a symptom code"),
    ("severity-missing", doc(without(cough(), "severity")), "entry 1: severity is missing"),
    ("severity-0", doc(cough(severity=0)), "entry 1: severity must be a whole number from 1 to 10"),
    ("severity-11", doc(cough(), cough(), cough(severity=11)), "entry 3: severity must be a whole"),
    ("severity-negative", doc(cough(severity=-1)), "severity must be a whole number from 1 to 10"),
    ("severity-float", doc(cough(severity=4.0)), "severity must be a whole number from 1 to 10"),
    ("severity-fraction", doc(cough(severity=4.5)), "severity must be a whole number from 1 to 10"),
    ("severity-text", doc(cough(severity="4")), "severity must be a whole number from 1 to 10"),
    ("severity-true", doc(cough(severity=True)), "severity must be a whole number from 1 to 10"),
    ("severity-null", doc(cough(severity=None)), "severity must be a whole number from 1 to 10"),
    ("date-not-padded", doc(cough(date="2026-1-5")), "entry 1: date must be a date written"),
    ("date-slashes", doc(cough(date="2026/11/08")), "entry 1: date must be a date written"),
    ("date-compact", doc(cough(date="20261108")), "entry 1: date must be a date written"),
    ("date-week", doc(cough(date="2026-W45-7")), "entry 1: date must be a date written"),
    ("date-with-time", doc(cough(date="2026-11-08T09:00")), "entry 1: date must be a date"),
    ("date-spaces", doc(cough(date=" 2026-11-08")), "entry 1: date must be a date written"),
    ("date-wide-digits", doc(cough(date="２０２６-11-08")), "entry 1: date must be a date written"),
    ("date-not-a-day", doc(cough(date="2026-11-31")), "entry 1: date is not a real calendar"),
    ("onset-after-date", doc(cough(onset="2026-11-09")), "entry 1: onset 2026-11-09 is after"),
    ("onset-bad", doc(cough(onset="30/10/2026")), "entry 1: onset must be a date written"),
    ("worrying-text", doc(cough(worrying="yes")), "entry 1: worrying must be true or false"),
    ("worrying-number", doc(cough(worrying=1)), "entry 1: worrying must be true or false"),
    ("note-number", doc(cough(note=5)), "entry 1: note must be text"),
    ("resolved-text", doc(cough(resolved="yes")), "entry 1: resolved must be true or false"),
    (
        "mark-with-severity",
        doc(cough(resolved=True)),
        "entry 1: a resolved mark (resolved: true) has no severity",
    ),
    (
        "mark-with-onset",
        doc(MARK | {"onset": "2026-11-01"}),
        "entry 1: a resolved mark (resolved: true) has no onset",
    ),
    ("unknown-entry-key", doc(cough(sevrity=4)), "entry 1: unknown key 'sevrity'"),
    ("duplicate-key", doc().replace("[]", TWICE), "entry 1: 'severity' is given more than once"),
    ("known-not-a-list", doc(known_conditions="bone_pain"), "known_conditions must be a list"),
    (
        "known-unknown-code",
        doc(known_conditions=["bone_pain", "bone"]),
        'known_conditions item 2: unknown symptom code "bone"',
    ),
    # ---- version 2: names, optional severities, dated known conditions
    ("other-without-name", doc(something(None)), "entry 1: an 'other' item needs a name"),
    (
        "other-name-null",
        doc(something(None) | {"name": None}),
        "entry 1: an 'other' item needs a name",
    ),
    ("other-name-41", doc(something("x" * 41)), "entry 1: name must be 1 to 40 characters"),
    ("other-name-blank", doc(something("   ")), "name must be 1 to 40 characters once trimmed"),
    ("other-name-empty", doc(something("")), "name must be 1 to 40 characters once trimmed, not 0"),
    ("other-name-number", doc(something(7)), "entry 1: name must be text"),
    ("name-on-cough", doc(cough(name="tickle")), "entry 1: only an 'other' item has a name"),
    ("other-mark-without-name", doc(OTHER_MARK), "entry 1: an 'other' item needs a name"),
    ("cough-mark-with-name", doc(MARK | {"name": "x"}), "only an 'other' item has a name"),
    (
        "watch-severity-missing",
        doc(without(cough(symptom="headache"), "severity")),
        "entry 1: severity is missing",
    ),
    (
        "record-severity-missing",
        doc(without(cough(symptom="hot_flushes"), "severity")),
        "entry 1: severity is missing",
    ),
    (
        "red-flag-severity-0",
        doc(cough(symptom="seizure", severity=0)),
        "entry 1: severity must be a whole number from 1 to 10",
    ),
    (
        "known-other-without-name",
        doc(known_conditions=["other"]),
        "known_conditions item 1: a known condition for 'other' needs a name",
    ),
    (
        "known-other-object-without-name",
        doc(known_conditions=[{"symptom": "other"}]),
        "known_conditions item 1: an 'other' item needs a name",
    ),
    (
        "known-name-on-a-code",
        doc(known_conditions=[{"symptom": "joint_pain", "name": "aches"}]),
        "known_conditions item 1: only an 'other' item has a name",
    ),
    (
        "known-until-not-a-date",
        doc(known_conditions=[{"symptom": "joint_pain", "until": "31/01/2027"}]),
        "known_conditions item 1: until must be a date written YYYY-MM-DD",
    ),
    (
        "known-until-not-a-day",
        doc(known_conditions=[{"symptom": "joint_pain", "until": "2027-02-30"}]),
        "known_conditions item 1: until is not a real calendar date",
    ),
    (
        "known-unknown-key",
        doc(known_conditions=[{"symptom": "joint_pain", "untill": "2027-01-31"}]),
        "known_conditions item 1: unknown key 'untill'",
    ),
    (
        "known-without-symptom",
        doc(known_conditions=[{"until": "2027-01-31"}]),
        "known_conditions item 1: symptom is missing",
    ),
    (
        "known-a-number",
        doc(known_conditions=[3]),
        "known_conditions item 1 must be a symptom code or an object",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_one_clear_line(text, fragment):
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, RULES)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message and message.strip() == message
    assert isinstance(caught.value, ValueError)


def test_the_message_names_the_entry_counted_from_one_and_the_field():
    with pytest.raises(TimelineError) as caught:
        parse_timeline(doc(cough(), cough(), cough(severity=11)), RULES)
    assert str(caught.value) == "entry 3: severity must be a whole number from 1 to 10, not 11"


def test_a_full_entry_and_a_resolved_mark_are_read():
    text = doc(
        cough(onset="2026-10-30", worrying=True, note="worse at night", resolved=False),
        {"date": "2026-11-10", "symptom": "rash", "resolved": True, "note": "gone"},
        {"date": "2026-11-09", "symptom": "lump", "severity": 1, "onset": None, "note": None},
        known_conditions=["bone_pain", "bone_pain"],
    )
    timeline = parse_timeline(text, RULES)
    assert timeline.today == nov(12)
    assert timeline.entries == (
        Entry(nov(8), "cough", 4, date(2026, 10, 30), True),
        Entry(nov(9), "lump", 1, None, False),
    )
    assert timeline.marks == (ResolvedMark(nov(10), "rash"),)
    assert timeline.known_conditions == frozenset({"bone_pain"})


def test_optional_fields_may_be_left_out():
    timeline = parse_timeline(doc(), RULES)
    assert (timeline.entries, timeline.marks, timeline.known_conditions) == ((), (), frozenset())


def test_severity_bounds_and_onset_on_the_entry_day_are_accepted():
    text = doc(cough(severity=1), cough(severity=10, onset="2026-11-08"))
    assert [e.severity for e in parse_timeline(text, RULES).entries] == [1, 10]


def test_entries_after_today_are_read_not_refused():
    # §2: they are ignored by the rules, never dropped or refused on input.
    timeline = parse_timeline(doc(cough(date="2026-12-01")), RULES)
    assert timeline.entries[0].day.isoformat() == "2026-12-01"


def test_utf8_bytes_with_or_without_a_byte_order_mark_are_read():
    text = doc(cough(note="très mal"))
    assert parse_timeline(text.encode(), RULES) == parse_timeline(
        b"\xef\xbb\xbf" + text.encode(), RULES
    )


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(TimelineError, match="not UTF-8"):
        parse_timeline(b'{"today": "\xff"}', RULES)


def test_already_decoded_data_is_validated_the_same_way():
    with pytest.raises(TimelineError, match="entry 1: severity must be a whole number"):
        timeline_from_data({"today": "2026-11-12", "entries": [cough(severity=12)]}, RULES)


def test_a_red_flag_may_leave_its_severity_out_or_null():
    text = doc(
        {"date": "2026-11-08", "symptom": "seizure"},
        {"date": "2026-11-09", "symptom": "fracture", "severity": None},
        {"date": "2026-11-10", "symptom": "limb_weakness", "severity": 4},
    )
    assert [e.severity for e in parse_timeline(text, RULES).entries] == [None, None, 4]


def test_an_other_name_of_40_characters_once_trimmed_is_read_as_given():
    name = "  " + "x" * 40 + " "
    text = doc(something(name), OTHER_MARK | {"name": "Jaw Ache"})
    timeline = parse_timeline(text, RULES)
    assert timeline.entries == (Entry(nov(8), "other", 3, None, False, name),)
    assert timeline.marks == (ResolvedMark(nov(8), "other", "Jaw Ache"),)


def test_known_conditions_may_be_codes_or_objects_with_an_end_date_or_a_name():
    text = doc(
        known_conditions=[
            "bone_pain",
            {"symptom": "joint_pain", "until": "2027-01-31"},
            {"symptom": "fatigue"},
            {"symptom": "other", "name": "jaw ache", "until": None},
        ]
    )
    assert parse_timeline(text, RULES).known_conditions == frozenset(
        {
            "bone_pain",
            KnownCondition("joint_pain", None, date(2027, 1, 31)),
            KnownCondition("fatigue"),
            KnownCondition("other", "jaw ache"),
        }
    )


def test_a_known_condition_that_ended_in_the_past_is_read_not_refused():
    # An end date before today only means it no longer counts (§2, worked example 14).
    text = doc(known_conditions=[{"symptom": "joint_pain", "until": "2026-11-10"}])
    assert parse_timeline(text, RULES).known_conditions == frozenset(
        {KnownCondition("joint_pain", None, nov(10))}
    )

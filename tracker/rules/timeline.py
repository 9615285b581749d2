"""Read one patient's diary in the JSON form of clinical-rules.md §5 into engine data.

Strict on purpose: this input explains clinical decisions, so anything that could be read two
ways is refused with one line that names the entry (counted from 1) and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.rules.catalogue import Catalogue
from tracker.rules.data import Entry, KnownCondition, ResolvedMark
from tracker.rules.urgency import RAISED_AT_ONCE

TOP_LEVEL_KEYS = frozenset({"today", "known_conditions", "entries"})
ENTRY_KEYS = frozenset(
    {"date", "symptom", "name", "severity", "onset", "worrying", "note", "resolved"}
)
# A resolved mark says only "this has gone away" on a day (for `other`, for one name); a note is
# harmless, the rest would be silently meaningless, so it is refused.
MARK_KEYS = frozenset({"date", "symptom", "name", "resolved", "note"})
KNOWN_KEYS = frozenset({"symptom", "name", "until"})

# The symptom whose entries the patient names (§2), and how long a name may be, trimmed.
NAMED = "other"
NAME_MAX = 40
# Classes whose entries may leave the severity out (§2): the advice must not wait for a score.
SEVERITY_OPTIONAL = frozenset(RAISED_AT_ONCE)

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class TimelineError(ValueError):
    """The timeline file is not a diary the rules can read; the message is one line."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """One patient's diary, validated: what the engine needs and nothing else."""

    today: date
    entries: tuple[Entry, ...]
    marks: tuple[ResolvedMark, ...]
    known_conditions: frozenset[str | KnownCondition]  # a code alone: undated


class _Object(dict):
    """A JSON object that remembers keys it was given more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = []
        for key, _ in pairs:
            if key in seen:
                twice.append(key)
            seen.add(key)
        obj.duplicates = tuple(twice)
    return obj


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _day(value: Any, where: str) -> date:
    # Only YYYY-MM-DD: date.fromisoformat alone would also take "20261105" or "2026-W45-4".
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise TimelineError(f"{where} must be a date written YYYY-MM-DD, not {_describe(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TimelineError(f"{where} is not a real calendar date: {_describe(value)}") from None


def _check_keys(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    duplicates = getattr(obj, "duplicates", ())
    if duplicates:
        raise TimelineError(f"{where}: {duplicates[0]!r} is given more than once")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise TimelineError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _symptom(value: Any, where: str, field: str, rules: Catalogue) -> str:
    if not isinstance(value, str):
        raise TimelineError(
            f"{where}: {field} must be a symptom code (text), not {_describe(value)}"
        )
    if not rules.is_known(value):
        raise TimelineError(f"{where}: unknown symptom code {_describe(value)}")
    return value


def _name(raw: dict[str, Any], symptom: str, where: str) -> str | None:
    """The `name` of an `other` item, checked (§2, §5); None for any other symptom."""
    if symptom != NAMED:
        if "name" in raw:
            raise TimelineError(f"{where}: only an {NAMED!r} item has a name, not {symptom!r}")
        return None
    name = raw.get("name")
    if name is None:
        raise TimelineError(f"{where}: an {NAMED!r} item needs a name (1 to {NAME_MAX} characters)")
    if not isinstance(name, str):
        raise TimelineError(f"{where}: name must be text, not {_describe(name)}")
    length = len(name.strip())
    if not 1 <= length <= NAME_MAX:
        raise TimelineError(
            f"{where}: name must be 1 to {NAME_MAX} characters once trimmed, not {length}"
        )
    return name


def _entry(n: int, raw: Any, rules: Catalogue) -> Entry | ResolvedMark:
    where = f"entry {n}"
    if not isinstance(raw, dict):
        raise TimelineError(f"{where} must be an object, not {_describe(raw)}")
    resolved = raw.get("resolved", False)
    if not isinstance(resolved, bool):
        raise TimelineError(f"{where}: resolved must be true or false")
    if resolved:
        for field in ("severity", "onset", "worrying"):
            if field in raw:
                raise TimelineError(f"{where}: a resolved mark (resolved: true) has no {field}")
    _check_keys(raw, MARK_KEYS if resolved else ENTRY_KEYS, where)
    for required in ("date", "symptom"):
        if required not in raw:
            raise TimelineError(f"{where}: {required} is missing")
    day = _day(raw["date"], f"{where}: date")
    symptom = _symptom(raw["symptom"], where, "symptom", rules)
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise TimelineError(f"{where}: note must be text")
    name = _name(raw, symptom, where)
    if resolved:
        return ResolvedMark(day=day, symptom=symptom, name=name)

    optional = rules.symptom(symptom).symptom_class in SEVERITY_OPTIONAL
    severity = raw.get("severity")
    if severity is None and optional:
        pass  # a red flag's severity may be left out, or given as null
    elif "severity" not in raw:
        raise TimelineError(
            f"{where}: severity is missing (only a resolved mark, or a symptom of class "
            f"emergency or same_day, may leave it out)"
        )
    # bool is an int in Python, and 3.0 is a float in JSON: neither is a severity.
    elif not isinstance(severity, int) or isinstance(severity, bool) or not 1 <= severity <= 10:
        raise TimelineError(
            f"{where}: severity must be a whole number from 1 to 10, not {_describe(severity)}"
        )
    onset = None
    if raw.get("onset") is not None:
        onset = _day(raw["onset"], f"{where}: onset")
        if onset > day:
            raise TimelineError(
                f"{where}: onset {onset.isoformat()} is after the entry's date {day.isoformat()}"
            )
    worrying = raw.get("worrying", False)
    if not isinstance(worrying, bool):
        raise TimelineError(f"{where}: worrying must be true or false, not {_describe(worrying)}")
    return Entry(
        day=day, symptom=symptom, severity=severity, onset=onset, worrying=worrying, name=name
    )


def _known(n: int, raw: Any, rules: Catalogue) -> str | KnownCondition:
    """One known condition: a code, or an object with a symptom, for `other` a name, and
    optionally an end date (§5)."""
    where = f"known_conditions item {n}"
    if isinstance(raw, str):
        code = _symptom(raw, where, "a known condition", rules)
        if code == NAMED:
            raise TimelineError(
                f'{where}: a known condition for {NAMED!r} needs a name: {{"symptom": '
                f'"{NAMED}", "name": "..."}}'
            )
        return code
    if not isinstance(raw, dict):
        raise TimelineError(
            f"{where} must be a symptom code or an object with a symptom, not {_describe(raw)}"
        )
    _check_keys(raw, KNOWN_KEYS, where)
    if "symptom" not in raw:
        raise TimelineError(f"{where}: symptom is missing")
    code = _symptom(raw["symptom"], where, "symptom", rules)
    name = _name(raw, code, where)
    until = raw.get("until")
    if until is not None:
        until = _day(until, f"{where}: until")
    return KnownCondition(symptom=code, name=name, until=until)


def timeline_from_data(data: Any, rules: Catalogue) -> Timeline:
    """Validate an already-decoded JSON value as a §5 timeline."""
    if not isinstance(data, dict):
        raise TimelineError("the timeline must be a JSON object with today and entries")
    obj: dict[str, Any] = data
    _check_keys(obj, TOP_LEVEL_KEYS, "top level")
    if "today" not in obj:
        raise TimelineError("today is missing: the date the diary is assessed on, YYYY-MM-DD")
    today = _day(obj["today"], "today")
    if "entries" not in obj:
        raise TimelineError("entries is missing (use [] for an empty diary)")
    raw_entries = obj["entries"]
    if not isinstance(raw_entries, list):
        raise TimelineError(f"entries must be a list, not {_describe(raw_entries)}")
    known_raw = obj.get("known_conditions", [])
    if not isinstance(known_raw, list):
        raise TimelineError("known_conditions must be a list of symptom codes or objects")
    known = frozenset(_known(i, item, rules) for i, item in enumerate(known_raw, start=1))

    entries: list[Entry] = []
    marks: list[ResolvedMark] = []
    for n, raw in enumerate(raw_entries, start=1):
        item = _entry(n, raw, rules)
        if isinstance(item, ResolvedMark):
            marks.append(item)
        else:
            entries.append(item)
    return Timeline(today=today, entries=tuple(entries), marks=tuple(marks), known_conditions=known)


def parse_timeline(text: str | bytes, rules: Catalogue) -> Timeline:
    """Parse and validate §5 JSON text; raises TimelineError with one readable line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TimelineError("the timeline is not UTF-8 text") from None
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant)
    except TimelineError:
        raise
    except json.JSONDecodeError as exc:
        raise TimelineError(
            f"the timeline is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise TimelineError("the timeline is not a diary: its JSON is nested too deeply") from None
    except ValueError as exc:  # for example a number with thousands of digits
        raise TimelineError(f"the timeline is not usable JSON: {exc}") from None
    return timeline_from_data(data, rules)


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser would accept them.
    raise TimelineError(f"the timeline is not valid JSON: {name} is not a JSON value")

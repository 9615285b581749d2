"""Load and validate the versioned rules file: the symptom catalogue and the thresholds."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tracker.rules.urgency import RAISED_AT_ONCE, Urgency

# A symptom's class: the urgency it is reported with, `watch` (reported only when a rule fires)
# or `record` (a common complaint: reported only when worrying or severe).
WATCH = "watch"
RECORD = "record"
CLASSES = (*Urgency, WATCH, RECORD)
# What `severe_urgency` may name, as its error message lists it: most urgent first.
_URGENCIES_TEXT = ", ".join(reversed(Urgency))
# A code is a series key's first part (engine.series_key): no separator, nothing to trim.
_CODE = re.compile(r"[a-z][a-z0-9_]*")
THRESHOLD_NAMES = (
    "max_gap_days",
    "severe_at",
    "baseline_days",
    "new_days",
    "persistent_days",
    "worsening_days",
    "worsening_by",
    "reprompt_days",
    "max_reprompts",
    "red_flag_days",
    "red_flag_recent_days",
    "quiet_days",
)
# Thresholds a symptom may set for itself; without one it uses [thresholds].
SYMPTOM_THRESHOLDS = ("new_days", "persistent_days")
# A misspelt optional key would otherwise be silently ignored: refuse any key not listed here.
_SYMPTOM_KEYS = frozenset(
    {"code", "area", "class", "label", "name", "hint", "severe_urgency", "snomed"}
)
_TEXT_SETTINGS = frozenset({"quiet_start", "quiet_end", "default_timezone", "severe_urgency"})


class RulesFileError(ValueError):
    """The rules file is missing something or contradicts itself."""


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Symptom:
    code: str
    area: str
    symptom_class: str
    label: str  # what the patient chooses it by
    name: str  # what it is called in a sentence, a history or a chart
    hint: str = ""
    # The symptom's own values, or None for the default in [thresholds].
    new_days: int | None = None
    persistent_days: int | None = None
    severe_urgency: Urgency | None = None
    # The SNOMED CT concept id of the nearest clinical finding, for the FHIR record; "" if none.
    snomed: str = ""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The validated content of one rules file."""

    version: str
    areas: tuple[Area, ...]
    symptoms: MappingProxyType  # code -> Symptom, in file order
    thresholds: MappingProxyType  # name -> int
    quiet_start: str
    quiet_end: str
    default_timezone: str
    severe_urgency: Urgency = Urgency.SOON  # the default urgency of `severe`

    def symptom(self, code: str) -> Symptom:
        return self.symptoms[code]

    def is_known(self, code: str) -> bool:
        return code in self.symptoms

    def may_skip_severity(self, code: str) -> bool:
        """A red flag may be saved without a severity (§2): the advice must come first."""
        return code in self.symptoms and self.symptoms[code].symptom_class in RAISED_AT_ONCE

    def threshold_for(self, name: str, code: str) -> int:
        """A threshold a symptom may set for itself (`new_days`, `persistent_days`)."""
        own = getattr(self.symptoms[code], name) if code in self.symptoms else None
        return self.thresholds[name] if own is None else own

    def by_area(self) -> list[tuple[Area, list[Symptom]]]:
        """Symptoms grouped by body area, both in the order of the rules file."""
        return [
            (area, [s for s in self.symptoms.values() if s.area == area.code])
            for area in self.areas
        ]


DEFAULT_RULES = "rules.toml"


@cache
def load_rules(path: str | None = None) -> Catalogue:
    """Read and validate a rules file (the packaged one by default). Cached: it never changes."""
    if path is None:
        text = resources.files("tracker.rules").joinpath(DEFAULT_RULES).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(f"the rules file is not valid TOML: {exc}") from exc
    return parse_rules(raw)


def parse_rules(raw: dict[str, Any]) -> Catalogue:
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise RulesFileError("the rules file needs a non-empty string `version`")

    areas = tuple(Area(code=a["code"], label=a["label"]) for a in raw.get("areas", []))
    area_codes = {a.code for a in areas}
    if len(area_codes) != len(areas):
        raise RulesFileError("an area code is listed twice")

    symptoms: dict[str, Symptom] = {}
    for item in raw.get("symptoms", []):
        symptom = _symptom(item, area_codes)
        if symptom.code in symptoms:
            raise RulesFileError(f"symptom {symptom.code!r} is listed twice")
        symptoms[symptom.code] = symptom
    if not symptoms:
        raise RulesFileError("the rules file lists no symptoms")

    raw_thresholds = raw.get("thresholds", {})
    unknown = sorted(set(raw_thresholds) - set(THRESHOLD_NAMES) - _TEXT_SETTINGS)
    if unknown:
        raise RulesFileError(f"[thresholds] has unknown key {unknown[0]!r}")
    thresholds: dict[str, int] = {}
    for name in THRESHOLD_NAMES:
        value = raw_thresholds.get(name)
        if not _whole(value):
            raise RulesFileError(f"threshold {name!r} must be a whole number, 0 or more")
        thresholds[name] = value

    severe_urgency = _urgency(raw_thresholds.get("severe_urgency", Urgency.SOON))
    if severe_urgency is None:
        raise RulesFileError(f"threshold 'severe_urgency' must be one of {_URGENCIES_TEXT}")

    return Catalogue(
        version=version,
        areas=areas,
        symptoms=MappingProxyType(symptoms),
        thresholds=MappingProxyType(thresholds),
        quiet_start=raw_thresholds.get("quiet_start", "21:00"),
        quiet_end=raw_thresholds.get("quiet_end", "08:00"),
        default_timezone=raw_thresholds.get("default_timezone", "Europe/London"),
        severe_urgency=severe_urgency,
    )


def _urgency(value: Any) -> Urgency | None:
    """The urgency a rules file's text names, or None if it names none."""
    try:
        return Urgency(value)
    except ValueError:  # also what Enum raises for a number or a list
        return None


def _whole(value: Any) -> bool:
    # bool is an int in Python: `true` is not a number of days.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _symptom(item: dict[str, Any], area_codes: set[str]) -> Symptom:
    """One [[symptoms]] table, validated."""
    code = item.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise RulesFileError(
            f"symptom code {code!r} must be lower-case letters, digits and _, from a letter"
        )
    unknown = sorted(set(item) - _SYMPTOM_KEYS - set(SYMPTOM_THRESHOLDS))
    if unknown:
        raise RulesFileError(f"symptom {code!r} has unknown key {unknown[0]!r}")
    for key in ("area", "class", "label", "name"):
        if not isinstance(item.get(key), str):
            raise RulesFileError(f"symptom {code!r} needs a text {key!r}")
    if item["area"] not in area_codes:
        raise RulesFileError(f"symptom {code!r} names unknown area {item['area']!r}")
    if item["class"] not in CLASSES:
        raise RulesFileError(f"symptom {code!r} has unknown class {item['class']!r}")
    for name in SYMPTOM_THRESHOLDS:
        if name in item and not _whole(item[name]):
            raise RulesFileError(f"symptom {code!r}: {name!r} must be a whole number, 0 or more")
    severe_urgency = None
    if "severe_urgency" in item:
        severe_urgency = _urgency(item["severe_urgency"])
        if severe_urgency is None:
            raise RulesFileError(
                f"symptom {code!r}: severe_urgency must be one of {_URGENCIES_TEXT}"
            )
    snomed = item.get("snomed", "")
    if not isinstance(snomed, str) or (snomed and not is_sctid(snomed)):
        raise RulesFileError(f"symptom {code!r}: snomed {snomed!r} is not a SNOMED CT concept id")
    return Symptom(
        code=code,
        area=item["area"],
        symptom_class=item["class"],
        label=item["label"],
        name=item["name"],
        hint=item.get("hint", ""),
        new_days=item.get("new_days"),
        persistent_days=item.get("persistent_days"),
        severe_urgency=severe_urgency,
        snomed=snomed,
    )


# Verhoeff's check: every SNOMED CT id ends in a Verhoeff check digit, which catches any one
# digit mistyped and any two neighbours swapped.
_VERHOEFF_D = (
    "0123456789",
    "1234067895",
    "2340178956",
    "3401289567",
    "4012395678",
    "5987604321",
    "6598710432",
    "7659821043",
    "8765932104",
    "9876543210",
)
_VERHOEFF_P = (
    "0123456789",
    "1576283094",
    "5803796142",
    "8916043527",
    "9453126870",
    "4286573901",
    "2793806415",
    "7046913258",
)
# A concept's id: 6 to 18 digits, its partition (the second and third digits from the right)
# "00" or "10": a concept, in the international release or in an extension's namespace.
_SCTID = re.compile(r"[1-9][0-9]{2,14}[01]0[0-9]")


def is_sctid(text: str) -> bool:
    """True if `text` is a well-formed SNOMED CT concept id with a correct check digit."""
    if not _SCTID.fullmatch(text):
        return False
    check = 0
    for i, digit in enumerate(reversed(text)):
        check = int(_VERHOEFF_D[check][int(_VERHOEFF_P[i % 8][int(digit)])])
    return check == 0

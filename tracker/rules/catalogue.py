"""Load and validate the versioned rules file: the symptom catalogue and the thresholds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tracker.rules.urgency import Urgency

# A symptom's class: the urgency it is reported with, or `watch` (reported only when a rule fires).
WATCH = "watch"
CLASSES = (*Urgency, WATCH)
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
)


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
    label: str
    hint: str = ""


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

    def symptom(self, code: str) -> Symptom:
        return self.symptoms[code]

    def is_known(self, code: str) -> bool:
        return code in self.symptoms

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
        symptom = Symptom(
            code=item["code"],
            area=item["area"],
            symptom_class=item["class"],
            label=item["label"],
            hint=item.get("hint", ""),
        )
        if symptom.code in symptoms:
            raise RulesFileError(f"symptom {symptom.code!r} is listed twice")
        if symptom.area not in area_codes:
            raise RulesFileError(f"symptom {symptom.code!r} names unknown area {symptom.area!r}")
        if symptom.symptom_class not in CLASSES:
            raise RulesFileError(
                f"symptom {symptom.code!r} has unknown class {symptom.symptom_class!r}"
            )
        symptoms[symptom.code] = symptom
    if not symptoms:
        raise RulesFileError("the rules file lists no symptoms")

    raw_thresholds = raw.get("thresholds", {})
    thresholds: dict[str, int] = {}
    for name in THRESHOLD_NAMES:
        value = raw_thresholds.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RulesFileError(f"threshold {name!r} must be a whole number, 0 or more")
        thresholds[name] = value

    return Catalogue(
        version=version,
        areas=areas,
        symptoms=MappingProxyType(symptoms),
        thresholds=MappingProxyType(thresholds),
        quiet_start=raw_thresholds.get("quiet_start", "21:00"),
        quiet_end=raw_thresholds.get("quiet_end", "08:00"),
        default_timezone=raw_thresholds.get("default_timezone", "Europe/London"),
    )

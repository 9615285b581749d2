"""The part of a rules file the engine reads, unpacked once so that each call costs nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tracker.rules.catalogue import WATCH, Catalogue, Symptom
from tracker.rules.urgency import RAISED_AT_ONCE, Urgency


@dataclass(frozen=True, slots=True)
class Rules:
    """The engine's thresholds, symptom classes and per-symptom values of one rules file."""

    version: str
    classes: Mapping[str, str]  # symptom code -> class
    max_gap_days: int
    severe_at: int
    baseline_days: int
    new_days: int  # the default; a symptom may have its own (own_new_days)
    persistent_days: int  # the default; a symptom may have its own (own_persistent_days)
    worsening_days: int
    worsening_by: int
    red_flag_days: int
    red_flag_recent_days: int
    severe_urgency: Urgency  # the default urgency of `severe`
    # Per symptom: code -> the symptom's own value, for the symptoms that set one.
    own_new_days: Mapping[str, int]
    own_persistent_days: Mapping[str, int]
    own_severe_urgency: Mapping[str, Urgency]

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> Rules:
        """Unpack the engine's thresholds and symptom classes from a loaded rules file."""
        t = catalogue.thresholds
        symptoms = catalogue.symptoms.values()
        return cls(
            version=catalogue.version,
            classes=MappingProxyType({s.code: s.symptom_class for s in symptoms}),
            max_gap_days=t["max_gap_days"],
            severe_at=t["severe_at"],
            baseline_days=t["baseline_days"],
            new_days=t["new_days"],
            persistent_days=t["persistent_days"],
            worsening_days=t["worsening_days"],
            worsening_by=t["worsening_by"],
            red_flag_days=t["red_flag_days"],
            red_flag_recent_days=t["red_flag_recent_days"],
            severe_urgency=catalogue.severe_urgency,
            own_new_days=_own(symptoms, "new_days"),
            own_persistent_days=_own(symptoms, "persistent_days"),
            own_severe_urgency=_own(symptoms, "severe_urgency"),
        )

    def symptom_class(self, code: str) -> str:
        """The class of a symptom code."""
        # A code missing from this rules file (say, dropped by a later version while diaries
        # still hold it) is watched, not rejected: the generic rules still protect the patient,
        # and one old entry must not stop a whole scheduled run.
        return self.classes.get(code, WATCH)

    def is_red_flag(self, code: str) -> bool:
        """Whether the symptom's class is one raised at once (`emergency` or `same_day`): reported
        for `red_flag_days` after its last entry whatever its episode's state (§3)."""
        return self.symptom_class(code) in RAISED_AT_ONCE

    def new_days_for(self, code: str) -> int:
        """The symptom's `new_days`, or the default."""
        return self.own_new_days.get(code, self.new_days)

    def persistent_days_for(self, code: str) -> int:
        """The symptom's `persistent_days`, or the default."""
        return self.own_persistent_days.get(code, self.persistent_days)

    def severe_urgency_for(self, code: str) -> Urgency:
        """The urgency `severe` gives this symptom."""
        return self.own_severe_urgency.get(code, self.severe_urgency)

    def horizon(self, code: str) -> int:
        """The most days after a symptom's last entry that it can still give a finding."""
        if self.is_red_flag(code):
            return max(self.max_gap_days, self.red_flag_days)
        return self.max_gap_days

    @property
    def longest_horizon(self) -> int:
        """The most days after its last entry that any symptom can still give a finding."""
        return max(self.max_gap_days, self.red_flag_days)

    @property
    def longest_persistent_days(self) -> int:
        """The largest `persistent_days` of any symptom."""
        return max([self.persistent_days, *self.own_persistent_days.values()])  # none may set one


def _own(symptoms: Iterable[Symptom], name: str) -> Mapping[str, Any]:
    """The symptoms that set their own value of `name`: code -> value."""
    values = ((s.code, getattr(s, name)) for s in symptoms)
    return MappingProxyType({code: value for code, value in values if value is not None})


# Catalogue holds mappings, so it is not hashable; key the cache by identity and keep the
# catalogue alive beside its compiled rules so that an id is never reused while cached.
_compiled: dict[int, tuple[Catalogue, Rules]] = {}


def compile_rules(rules: Rules | Catalogue) -> Rules:
    """The engine's view of a rules file, unpacked once per loaded Catalogue."""
    if isinstance(rules, Rules):
        return rules
    hit = _compiled.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    compiled = Rules.from_catalogue(rules)
    if len(_compiled) > 64:  # only tests load many rules files; keep the cache small anyway
        _compiled.clear()
    _compiled[id(rules)] = (rules, compiled)
    return compiled

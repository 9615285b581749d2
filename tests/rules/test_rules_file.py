"""The rules file: reviewed changes only, and a malformed file is refused with a clear reason."""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import resources

import pytest

from tracker.rules.catalogue import DEFAULT_RULES, RulesFileError, load_rules, parse_rules

# Each reviewed version of rules.toml and the fingerprint of its content (everything but the
# version line). Changing the rules without a new version fails here: a finding must always name
# the rules that produced it. When the clinical safety officer has approved a change, bump
# `version` in rules.toml and add its fingerprint below (the failure message prints it).
REVIEWED = {
    "2026.11.1": "3bc66b378f4df0e8ecbc51fe704a43bd5725726686e7efd2e8b72cf1ea218513",
}


def packaged_text() -> str:
    return resources.files("tracker.rules").joinpath(DEFAULT_RULES).read_text("utf-8")


def fingerprint(text: str) -> str:
    return hashlib.sha256(re.sub(r"(?m)^version = .*$", "", text).encode()).hexdigest()


def test_the_rules_file_has_not_changed_without_a_new_version():
    text = packaged_text()
    version = load_rules().version
    assert version in REVIEWED, (
        f"rules version {version} has no recorded review: add "
        f'"{version}": "{fingerprint(text)}" to REVIEWED once it is approved'
    )
    assert fingerprint(text) == REVIEWED[version], (
        f"rules.toml changed but its version is still {version}: bump the version "
        f"(new fingerprint {fingerprint(text)})"
    )


def test_the_catalogue_has_every_code_of_the_specification():
    codes = set(load_rules().symptoms)
    assert len(codes) == 34
    for code in ("bone_pain", "spinal_cord_signs", "coughing_blood", "seizure", "lump", "other"):
        assert code in codes


def good() -> dict:
    return tomllib.loads(packaged_text())


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda r: r.pop("version"), "version"),
        (lambda r: r["thresholds"].pop("severe_at"), "severe_at"),
        (lambda r: r["thresholds"].update(max_gap_days=-1), "max_gap_days"),
        (lambda r: r["thresholds"].update(new_days="seven"), "new_days"),
        (lambda r: r["symptoms"][0].update({"class": "urgent-ish"}), "unknown class"),
        (lambda r: r["symptoms"][0].update(area="elbows"), "unknown area"),
        (lambda r: r["symptoms"].append(dict(r["symptoms"][0])), "listed twice"),
        (lambda r: r.update(symptoms=[]), "no symptoms"),
    ],
)
def test_a_malformed_rules_file_is_refused_with_the_reason(break_it, message):
    raw = good()
    break_it(raw)
    with pytest.raises(RulesFileError, match=message):
        parse_rules(raw)


def test_a_rules_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("version = \n[[symptoms")
    with pytest.raises(RulesFileError, match="not valid TOML"):
        load_rules(str(path))

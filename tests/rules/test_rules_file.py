"""The rules file: reviewed changes only, and a malformed file is refused with a clear reason."""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import resources

import pytest

from tracker.rules.catalogue import (
    DEFAULT_RULES,
    RulesFileError,
    is_sctid,
    load_rules,
    parse_rules,
)

# Each reviewed version of rules.toml and the fingerprint of its content (everything but the
# version line). Changing the rules without a new version fails here: a finding must always name
# the rules that produced it. When the clinical safety officer has approved a change, bump
# `version` in rules.toml and add its fingerprint below (the failure message prints it).
REVIEWED = {
    "2026.11.1": "3bc66b378f4df0e8ecbc51fe704a43bd5725726686e7efd2e8b72cf1ea218513",
    # clinical-rules.md version 2 (December 2026)
    "2026.12.1": "da6d35caaecb3c4b372abbc3b57f661f78087b06aa4927c9fa1ed3a965477d4e",
    # each symptom's short name (issue 19, item 5); no rule or threshold changed
    "2026.12.2": "dea2116654e0194782a41551b254f12b7d925fb4bbbeb932603e353aad55eec7",
    # each symptom's SNOMED CT code for the FHIR record (issue 23, item 3); no rule changed
    "2026.12.3": "fe21129f20c582c9561b2d1971047df0a826c8cc0ba7550620b409d481e112e0",
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


# clinical-rules.md §1, version 2: every code and its class.
SPEC_CLASSES = {
    "bone_pain": "watch",
    "joint_pain": "watch",
    "bone_pain_night": "watch",
    "fracture": "same_day",
    "spinal_cord_signs": "emergency",
    "breathless": "watch",
    "cough": "watch",
    "chest_pain": "watch",
    "coughing_blood": "same_day",
    "voice_change": "watch",
    "chest_infections": "watch",
    "tummy_swelling": "watch",
    "jaundice": "same_day",
    "itchy_skin": "watch",
    "nausea": "watch",
    "vomiting": "watch",
    "appetite_loss": "watch",
    "weight_loss": "watch",
    "fatigue": "watch",
    "unwell": "watch",
    "headache": "watch",
    "limb_weakness": "same_day",
    "numbness": "watch",
    "dizziness": "watch",
    "mood_change": "watch",
    "confusion": "same_day",
    "seizure": "emergency",
    "stroke_signs": "emergency",
    "lump": "soon",
    "scar_change": "soon",
    "skin_nodules": "soon",
    "rash": "watch",
    "lymphoedema": "watch",
    "skin_infection": "watch",
    "skin_pain": "watch",
    "hot_flushes": "record",
    "sleep_problems": "record",
    "other": "watch",
}


def test_the_catalogue_has_every_code_of_the_specification_in_its_class():
    rules = load_rules()
    assert {code: s.symptom_class for code, s in rules.symptoms.items()} == SPEC_CLASSES


def test_numbness_and_joint_aches_have_their_own_codes_in_their_areas():
    # Version 2: numbness was logged as limb_weakness, joint aches as bone_pain.
    symptoms = load_rules().symptoms
    assert (symptoms["numbness"].area, symptoms["joint_pain"].area) == ("brain", "bones")
    assert "numb" not in symptoms["limb_weakness"].label.lower()


def test_every_symptom_has_a_short_name_of_its_own_for_sentences_histories_and_charts():
    # Issue 19, item 5: "A cough that does not go away: gone away" read badly.
    symptoms = load_rules().symptoms.values()
    names = [s.name for s in symptoms]
    assert len(set(names)) == len(names)
    for s in symptoms:
        assert s.name == s.name.strip() and not s.name.endswith("."), s.code
        assert len(s.name) <= 45 and len(s.name) <= len(s.label), s.code
    assert load_rules().symptom("cough").name == "Cough"


def test_every_symptom_has_a_snomed_ct_code_with_a_correct_check_digit():
    # The FHIR record codes each entry by its symptom's concept (tracker/export/fhir.py).
    symptoms = load_rules().symptoms.values()
    assert all(is_sctid(s.snomed) for s in symptoms), [s.code for s in symptoms if not s.snomed]
    assert load_rules().symptom("cough").snomed == "49727002"  # Cough (finding)
    assert is_sctid("49727002") and not is_sctid("49727020")


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
        (lambda r: r["thresholds"].pop("red_flag_days"), "red_flag_days"),
        (lambda r: r["thresholds"].update(red_flag_recent_days=True), "red_flag_recent_days"),
        (lambda r: r["thresholds"].pop("quiet_days"), "quiet_days"),
        (lambda r: r["thresholds"].update(severe_urgency="later"), "severe_urgency"),
        (lambda r: r["thresholds"].update(max_gap=14), "unknown key 'max_gap'"),
        (lambda r: r["symptoms"][0].update(new_days=-1), "'new_days' must be a whole number"),
        (lambda r: r["symptoms"][0].update(persistent_days="21"), "'persistent_days' must be"),
        (lambda r: r["symptoms"][0].update(severe_urgency="watch"), "severe_urgency must be"),
        (lambda r: r["symptoms"][0].update(persistant_days=21), "unknown key 'persistant_days'"),
        (lambda r: r["symptoms"][0].update(code="Bone pain"), "must be lower-case letters"),
        (lambda r: r["symptoms"][0].update(code="other:jaw"), "must be lower-case letters"),
        (lambda r: r["symptoms"][0].pop("label"), "needs a text 'label'"),
        (lambda r: r["symptoms"][0].pop("name"), "needs a text 'name'"),
        # One digit mistyped, two swapped, a description's id (partition 01), not text.
        (lambda r: r["symptoms"][0].update(snomed="12584004"), "not a SNOMED CT concept id"),
        (lambda r: r["symptoms"][0].update(snomed="12548003"), "not a SNOMED CT concept id"),
        (lambda r: r["symptoms"][0].update(snomed="2154018"), "not a SNOMED CT concept id"),
        (lambda r: r["symptoms"][0].update(snomed=12584003), "not a SNOMED CT concept id"),
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


def test_a_symptom_without_its_own_thresholds_uses_the_defaults():
    rules = load_rules()
    assert rules.threshold_for("new_days", "cough") == 21
    assert rules.threshold_for("persistent_days", "chest_infections") == 21
    assert rules.threshold_for("new_days", "headache") == rules.thresholds["new_days"] == 7
    assert rules.threshold_for("persistent_days", "retired_code") == 14

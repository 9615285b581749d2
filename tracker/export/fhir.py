"""A patient's record as a FHIR R4 Bundle for the hospital's own systems, following UK Core.

Pure: `bundle` is given the record as plain data (`Record`, read by tracker.export.fhir_record)
and the rules, and returns the Bundle as JSON-ready dicts. What goes in:

- Patient (UKCore-Patient): the NHS number, date of birth and name.
- Observation (UKCore-Observation), one per diary entry: the symptom's SNOMED CT code from the
  rules file, the patient's score as the value, onset to entry day as the effective period, the
  note; "gone away" marks and "no new symptoms" days too; a deleted entry is entered-in-error.
- Flag (UKCore-Flag), one per alert still waiting for the team.
- Communication (UKCore-Communication), one per prompt sent: when and how, never what it said
  beyond what the prompt asked the patient to do.
- Provenance (UKCore-Provenance), one per later version of an entry: changed or deleted, by whom.

Each resource's id is a UUID made from the service's own row id, so exporting twice gives the
same ids and a receiving system can tell a resource it already holds.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
UCUM = "http://unitsofmeasure.org"
# The namespace of the resources' UUIDs: fixed, so that ids stay the same from one export to
# the next (and from one deployment's database to itself restored).
ID_NAMESPACE = uuid.UUID("6f1e2c1a-54d4-4c1e-9f0a-2b7d4f2f9d31")

# What a diary entry records (tracker.diary.models): kept here as plain words.
SYMPTOM, RESOLVED, CHECK_IN = "symptom", "resolved", "check_in"
# Versions of an entry after the first, and the FHIR operation each is.
OPERATIONS = {"edited": "UPDATE", "renamed": "UPDATE", "deleted": "DELETE"}
CHANNEL_WORDS = {"sms": "Text message", "email": "Email"}
# A FHIR string holds no whitespace but space, tab, CR and LF, and no control character (the
# R4 JSON schema's pattern, read with JavaScript's idea of whitespace): the patient's words may
# hold a non-breaking space or a line separator, each written here as a space.
_NOT_FHIR_SPACE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u2000-\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff]"
)


@dataclass(frozen=True)
class PatientFacts:
    id: int
    name: str
    nhs_number: str | None
    birth_date: date | None


@dataclass(frozen=True)
class EntryFacts:
    id: int
    kind: str
    entry_date: date
    series: str | None  # None for a "no new symptoms" day
    symptom_code: str | None
    severity: int | None
    onset_date: date | None
    worrying: bool
    note: str | None
    created_at: datetime
    deleted: bool
    changed: bool  # edited or renamed since it was first written


@dataclass(frozen=True)
class RevisionFacts:
    id: int
    entry_id: int
    revision: int
    action: str  # edited, renamed, deleted (a first version is the Observation itself)
    by_patient: bool  # False: someone or something else (the service)
    at: datetime


@dataclass(frozen=True)
class AlertFacts:
    id: int
    series: str
    symptom_code: str
    urgency: str  # in words, as the team reads it
    reasons: list[str]  # in words
    opened_at: datetime


@dataclass(frozen=True)
class PromptFacts:
    id: int
    alert_id: int
    asked: str  # what the prompt asked the patient to do, in words without health detail
    sent_at: datetime
    channels: list[str]  # sms, email: where it reached the patient


@dataclass(frozen=True)
class Record:
    patient: PatientFacts
    made_at: datetime
    entries: list[EntryFacts] = field(default_factory=list)
    revisions: list[RevisionFacts] = field(default_factory=list)
    alerts: list[AlertFacts] = field(default_factory=list)  # those waiting for the team
    prompts: list[PromptFacts] = field(default_factory=list)  # those sent


def resource_id(kind: str, row_id: int) -> str:
    """The UUID of one of the service's rows as a FHIR resource."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{row_id}"))


def _ref(kind: str, row_id: int) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id(kind, row_id)}"}


def instant(at: datetime) -> str:
    """A FHIR instant: UTC, to the second."""
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def fhir_text(text: str) -> str:
    """`text` as a FHIR string may hold it."""
    return _NOT_FHIR_SPACE.sub(" ", text)


def _resource(kind: str, row_id: int, **body: Any) -> dict[str, Any]:
    """A resource of `kind`, claiming UK Core's profile of it (each kind here has one)."""
    return {
        "resourceType": kind,
        "id": resource_id(kind, row_id),
        "meta": {"profile": [UK_CORE + kind]},
        **{k: v for k, v in body.items() if v is not None},
    }


def _coded(symptom_code: str | None, text: str, rules: Catalogue) -> dict[str, Any]:
    known = symptom_code is not None and rules.is_known(symptom_code)
    snomed = rules.symptom(symptom_code).snomed if known else ""
    concept: dict[str, Any] = {"text": fhir_text(text)}
    if snomed:
        concept["coding"] = [{"system": SNOMED, "code": snomed}]
    return concept


def patient_resource(p: PatientFacts) -> dict[str, Any]:
    identifier = [{"system": NHS_NUMBER, "value": p.nhs_number}] if p.nhs_number else None
    return _resource(
        "Patient",
        p.id,
        identifier=identifier,
        name=[{"use": "usual", "text": fhir_text(p.name)}],
        birthDate=p.birth_date.isoformat() if p.birth_date else None,
    )


def observation(e: EntryFacts, patient_id: int, rules: Catalogue) -> dict[str, Any]:
    """One diary entry: a symptom and its score, a "gone away" mark, or a day of nothing new."""
    subject = _ref("Patient", patient_id)
    if e.kind == CHECK_IN:
        code: dict[str, Any] = {"text": "No new symptoms today"}
    else:
        code = _coded(e.symptom_code, series_label(e.series or "", rules, for_team=True), rules)
    status = "entered-in-error" if e.deleted else "amended" if e.changed else "final"
    body: dict[str, Any] = {
        "status": status,
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": code,
        "subject": subject,
        "issued": instant(e.created_at),
        "performer": [subject],  # the patient noted it
    }
    if e.onset_date and e.onset_date < e.entry_date:
        body["effectivePeriod"] = {
            "start": e.onset_date.isoformat(),
            "end": e.entry_date.isoformat(),
        }
    else:
        body["effectiveDateTime"] = e.entry_date.isoformat()
    if e.kind == SYMPTOM and e.severity is not None:
        body["valueQuantity"] = {
            "value": e.severity,
            "unit": "score from 1 to 10",
            "system": UCUM,
            "code": "{score}",
        }
    elif e.kind == SYMPTOM:
        # A red flag may be saved without a score: the advice came first (rules §2).
        body["dataAbsentReason"] = {"coding": [{"system": DATA_ABSENT, "code": "asked-declined"}]}
    elif e.kind == RESOLVED:
        body["valueString"] = "The patient noted that this has gone away"
    notes = []
    if e.worrying:
        notes.append({"text": "The patient said this worries them."})
    if e.note and e.note.strip():
        notes.append({"text": fhir_text(e.note)})
    if notes:
        body["note"] = notes
    return _resource("Observation", e.id, **body)


def flag(a: AlertFacts, patient_id: int, rules: Catalogue) -> dict[str, Any]:
    """An alert still waiting for the team: what, how soon, and why."""
    symptom = series_label(a.series, rules, for_team=True)
    why = "; ".join(a.reasons)
    text = f"Symptom diary alert: {symptom}. {a.urgency}" + (f": {why}" if why else "")
    return _resource(
        "Flag",
        a.id,
        status="active",
        category=[
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        code=_coded(a.symptom_code, text, rules),
        subject=_ref("Patient", patient_id),
        period={"start": instant(a.opened_at)},
    )


def communication(p: PromptFacts, patient_id: int, flagged: set[int]) -> dict[str, Any]:
    """A prompt sent: when, by which channels, and what it asked (never the message itself)."""
    patient = _ref("Patient", patient_id)
    return _resource(
        "Communication",
        p.id,
        status="completed",
        category=[{"text": "Prompt from the symptom diary to contact the treating team"}],
        medium=[{"text": CHANNEL_WORDS.get(c, c)} for c in p.channels] or None,
        subject=patient,
        about=[_ref("Flag", p.alert_id)] if p.alert_id in flagged else None,
        sent=instant(p.sent_at),
        recipient=[patient],
        payload=[{"contentString": p.asked}],
    )


def provenance(r: RevisionFacts, patient_id: int) -> dict[str, Any]:
    """A later version of a diary entry: changed or deleted, when and by whom."""
    who = _ref("Patient", patient_id) if r.by_patient else {"display": "The symptom diary service"}
    return _resource(
        "Provenance",
        r.id,
        target=[_ref("Observation", r.entry_id)],
        occurredDateTime=instant(r.at),
        recorded=instant(r.at),
        activity={"coding": [{"system": DATA_OPERATION, "code": OPERATIONS[r.action]}]},
        agent=[
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "author"}]},
                "who": who,
            }
        ],
    )


def bundle(record: Record, rules: Catalogue) -> dict[str, Any]:
    """The whole record as a FHIR R4 Bundle of type collection."""
    pid = record.patient.id
    flagged = {a.id for a in record.alerts}
    resources = [
        patient_resource(record.patient),
        *(observation(e, pid, rules) for e in record.entries),
        *(flag(a, pid, rules) for a in record.alerts),
        *(communication(p, pid, flagged) for p in record.prompts),
        *(provenance(r, pid) for r in record.revisions if r.action in OPERATIONS),
    ]
    made = instant(record.made_at)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(ID_NAMESPACE, f"Bundle/{pid}/{made}")),
        "meta": {"lastUpdated": made},
        "type": "collection",
        "timestamp": made,
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }

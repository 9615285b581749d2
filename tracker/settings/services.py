"""The patient's own settings: saving their contact details and their known conditions."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.patients.models import KnownCondition, Patient


@dataclass(frozen=True)
class Details:
    """Checked contact details and time zone, ready to save."""

    name: str
    email: str
    mobile: str | None
    postcode_district: str | None
    timezone: str


def save_details(patient: Patient, details: Details) -> None:
    """Replace the patient's contact details and time zone (the caller commits)."""
    patient.name, patient.email = details.name, details.email
    patient.mobile, patient.timezone = details.mobile, details.timezone
    patient.postcode_district = details.postcode_district


def replace_known_conditions(patient: Patient, chosen: set[str]) -> None:
    """Keep the chosen known conditions, drop the others, add the new ones (the caller commits)."""
    existing = {k.symptom_code: k for k in patient.known_conditions}
    for code in existing.keys() - chosen:
        patient.known_conditions.remove(existing[code])
    for code in sorted(chosen - existing.keys()):
        patient.known_conditions.append(KnownCondition(symptom_code=code))

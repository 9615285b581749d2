"""The patient's own settings: their contact details (known conditions: patients.conditions)."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.patients.models import Patient


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

"""Reads one patient's record for the FHIR Bundle (tracker.export.fhir) and makes the Bundle.

The caller has checked that the reader may see the patient (the team's view) and records that
they did.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.alerts.lifecycle import waits_for_team
from tracker.alerts.models import Alert, Prompt
from tracker.diary.models import DiaryEntry, EntryRevision
from tracker.diary.services import actor_for
from tracker.export import fhir
from tracker.notify.models import REACHED, OutboxMessage
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.urgency import Urgency
from tracker.team import wording

MEDIA_TYPE = "application/fhir+json"
# What each prompt asked the patient to do: the prompt's purpose, never its words or symptom.
ASKED = {
    Urgency.EMERGENCY: "Asked to call 999 or go to A&E now",
    Urgency.SAME_DAY: "Asked to contact the treating team today, or NHS 111 out of hours",
    Urgency.SOON: "Asked to contact the treating team in the next few days",
}
LATER_VERSIONS = tuple(fhir.OPERATIONS)


def record_of(s: Session, patient: Patient, now: datetime, rules: Catalogue) -> fhir.Record:
    """Everything the Bundle holds about `patient`, as plain data."""
    entries = s.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.patient_id == patient.id)
        .order_by(DiaryEntry.entry_date, DiaryEntry.id)
    ).all()
    revisions = s.scalars(
        select(EntryRevision)
        .join(DiaryEntry, DiaryEntry.id == EntryRevision.entry_id)
        .where(DiaryEntry.patient_id == patient.id, EntryRevision.action.in_(LATER_VERSIONS))
        .order_by(EntryRevision.at, EntryRevision.id)
    ).all()
    changed = {r.entry_id for r in revisions if r.action != "deleted"}
    alerts = s.scalars(
        select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.opened_at, Alert.id)
    ).all()
    prompts = s.execute(
        select(Prompt.id, Prompt.alert_id, Prompt.urgency, Prompt.sent_at)
        .where(Prompt.patient_id == patient.id, Prompt.sent_at.is_not(None))
        .order_by(Prompt.sent_at, Prompt.id)
    ).all()
    channels: dict[int, list[str]] = {}
    for prompt_id, channel in s.execute(
        select(OutboxMessage.prompt_id, OutboxMessage.channel)
        .where(OutboxMessage.patient_id == patient.id, OutboxMessage.status.in_(REACHED))
        .where(OutboxMessage.prompt_id.is_not(None))
        .order_by(OutboxMessage.id)
    ):
        if channel not in channels.setdefault(prompt_id, []):
            channels[prompt_id].append(channel)
    patient_actor = actor_for(patient)
    return fhir.Record(
        patient=fhir.PatientFacts(
            patient.id, patient.name, patient.nhs_number, patient.date_of_birth
        ),
        made_at=now,
        entries=[
            fhir.EntryFacts(
                id=e.id,
                kind=e.kind,
                entry_date=e.entry_date,
                series=e.series,
                symptom_code=e.symptom_code,
                severity=e.severity,
                onset_date=e.onset_date,
                worrying=e.worrying,
                note=e.note,
                created_at=e.created_at,
                deleted=e.deleted_at is not None,
                changed=e.id in changed,
            )
            for e in entries
        ],
        revisions=[
            fhir.RevisionFacts(
                r.id, r.entry_id, r.revision, r.action, r.actor == patient_actor, r.at
            )
            for r in revisions
        ],
        alerts=[
            fhir.AlertFacts(
                id=a.id,
                series=a.series,
                symptom_code=a.symptom_code,
                urgency=wording.urgency_label(a.urgency),
                reasons=wording.reasons(a.reason_list, a.urgency, rules, symptom=a.symptom_code),
                opened_at=a.opened_at,
            )
            for a in alerts
            if waits_for_team(a.status, a.urgency)
        ],
        prompts=[
            fhir.PromptFacts(
                id=prompt_id,
                alert_id=alert_id,
                asked=ASKED.get(urgency, "Asked to contact the treating team"),
                sent_at=sent_at,
                channels=channels.get(prompt_id, []),
            )
            for prompt_id, alert_id, urgency, sent_at in prompts
        ],
    )


def bundle_json(s: Session, patient: Patient, now: datetime, rules: Catalogue) -> bytes:
    """The patient's record as a FHIR R4 Bundle, encoded as JSON."""
    made = fhir.bundle(record_of(s, patient, now, rules), rules)
    return json.dumps(made, ensure_ascii=False, separators=(",", ":")).encode()

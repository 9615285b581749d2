"""Screening claimed rows: who may still be sent what, and when.

Checked at send time, not only at queue time: monitoring paused, a prompt answered, an opt-out
or a withdrawn consent since the message was queued cancel it; quiet hours hold it. A look-up
is about the past, and is never screened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker.alerts.models import OPEN, Alert, Prompt
from tracker.notify.dispatch.claims import Job, T
from tracker.notify.dispatch.outcomes import CANCELLED_OK, HELD, UNREACHABLE, Outcome
from tracker.notify.models import (
    ACCOUNT_NOTICE,
    CONTACT_REQUEST,
    EMAIL,
    INVITATION,
    PROMPT,
    REMINDER,
    REPLY,
    SMS,
    TEAM_NOTICE,
)
from tracker.notify.outbox import body_hash, is_monitored, opted_out_numbers, reach_from
from tracker.notify.quiet import held_until, parse_hhmm, zone
from tracker.patients.models import DIED, ContactPreference, Patient
from tracker.rules import load_rules


@dataclass(frozen=True)
class Facts:
    """What the screen needs to know, read for a whole batch at once."""

    patients: dict[int, Patient]
    prefs: dict[int, ContactPreference]
    opted_out: set[str]
    open_prompts: set[int]


def _facts(s: Session, jobs: list[Job]) -> Facts:
    patient_ids = sorted({j.patient_id for j in jobs if j.patient_id is not None})
    prompt_ids = sorted({j.prompt_id for j in jobs if j.prompt_id is not None})
    patients = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}
    numbers = {j.to for j in jobs if j.channel == SMS}
    numbers |= {p.mobile for p in patients.values() if p.mobile}
    prefs = {
        p.patient_id: p
        for p in s.scalars(
            select(ContactPreference).where(ContactPreference.patient_id.in_(patient_ids))
        )
    }
    opted = opted_out_numbers(s, numbers)
    open_prompts = set(
        s.scalars(
            select(Prompt.id)
            .join(Alert, Alert.id == Prompt.alert_id)
            .where(Prompt.id.in_(prompt_ids), Alert.status == OPEN)
        )
    )
    return Facts(patients, prefs, opted, open_prompts)


@dataclass(frozen=True)
class Verdict:
    go: bool = False
    cancel: str | None = None  # a reason code
    fall_back: bool = False
    hold_until: datetime | None = None
    readdress: str | None = None  # the patient's address changed since the message was queued


def screen(job: Job, facts: Facts, now: datetime, quiet: tuple) -> Verdict:
    """Whether a claimed message may go now. Pure: checked at send time, not only at queue time."""
    if job.kind == TEAM_NOTICE or job.patient_id is None:
        return Verdict(go=True)
    patient = facts.patients.get(job.patient_id)
    if job.kind == ACCOUNT_NOTICE:
        return _account_notice(job, patient, facts)
    if patient is None or not is_monitored(patient):
        return Verdict(cancel="monitoring_paused")
    if job.kind == PROMPT and job.prompt_id is not None and job.prompt_id not in facts.open_prompts:
        return Verdict(cancel="answered")
    if job.kind in (REPLY, CONTACT_REQUEST):
        if job.to in facts.opted_out:
            return Verdict(cancel="opted_out")
    elif job.kind in (PROMPT, REMINDER):
        pref = facts.prefs.get(patient.id)
        reach = reach_from(patient, pref, patient.mobile in facts.opted_out)
        if (job.channel, job.to) not in reach.for_purpose(job.kind):
            address = reach.address(job.channel)
            if address is None:
                return Verdict(cancel=_why_not(job, patient, facts), fall_back=True)
            if not reach.takes(job.kind, job.channel):
                # Switched off for this kind since it was queued; a prompt still tries the
                # patient's other channel (fall_back checks that one takes prompts).
                reason = "reminders_off" if job.kind == REMINDER else "prompts_off"
                return Verdict(cancel=reason, fall_back=job.kind == PROMPT)
            return _quiet_or_go(job, patient, now, quiet, readdress=address)
    elif job.kind == INVITATION and job.channel == SMS and job.to in facts.opted_out:
        return Verdict(cancel="opted_out")
    return _quiet_or_go(job, patient, now, quiet)


def _account_notice(job: Job, patient: Patient | None, facts: Facts) -> Verdict:
    # About the account, which a paused or discharged patient still signs in to; asked for (or
    # caused) just now, so never held for quiet hours: a code that waited would have expired.
    if patient is None or patient.ended_reason == DIED:
        return Verdict(cancel="account_closed")
    if job.channel == SMS and job.to in facts.opted_out:
        return Verdict(cancel="opted_out")
    return Verdict(go=True)


def _why_not(job: Job, patient: Patient, facts: Facts) -> str:
    if job.channel == EMAIL or not patient.mobile:
        return "no_address"
    if patient.mobile in facts.opted_out:
        return "opted_out"
    return "number_refused"


def _quiet_or_go(
    job: Job, patient: Patient, now: datetime, quiet: tuple, readdress: str | None = None
) -> Verdict:
    until = held_until(now, zone(patient.timezone), quiet[0], quiet[1], job.urgency, job.kind)
    if until is not None:
        return Verdict(hold_until=until)
    return Verdict(go=True, readdress=readdress)


def screen_claimed(s: Session, jobs: list[Job], now: datetime) -> tuple[list[Job], list[Outcome]]:
    """Screen a claimed batch: what may go now (readdressed where the patient's address
    changed), and the outcomes of what may not (held or cancelled), for `record` to write."""
    sends = [j for j in jobs if not j.reconcile]
    go = [j for j in jobs if j.reconcile]  # a look-up is about the past: never held
    stopped: list[Outcome] = []
    if not sends:
        return go, stopped
    rules = load_rules()
    quiet = (parse_hhmm(rules.quiet_start), parse_hhmm(rules.quiet_end))
    facts = _facts(s, sends)
    for job in sends:
        verdict = screen(job, facts, now, quiet)
        if verdict.hold_until is not None:
            stopped.append(Outcome(HELD, job, now, hold_until=verdict.hold_until))
        elif verdict.cancel is not None:
            kind = UNREACHABLE if verdict.fall_back else CANCELLED_OK
            stopped.append(Outcome(kind, job, now, code=verdict.cancel))
        else:
            if verdict.readdress is not None:
                _readdress(s, job, verdict.readdress)
                job = replace(job, to=verdict.readdress)
            go.append(job)
    s.commit()
    return go, stopped


def _readdress(s: Session, job: Job, address: str) -> None:
    s.execute(
        update(T)
        .where(T.c.id == job.id)
        .values(to_address=address, body_hash=body_hash(job.channel, address, job.text))
    )

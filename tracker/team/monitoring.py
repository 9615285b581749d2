"""A patient's monitoring status: pause, resume, move to another team, end (issue 6).

Pausing or ending stops every message to the patient at once. Two things make that true:

1. `may_message` is the one test of whether anything may be sent to a patient. The dispatcher
   (the notifications issue) calls it at send time for every message, queued or new, so a
   message queued a second before the pause is still never sent.
2. `stop_messages` finds the prompts already queued, so that they can be marked cancelled and
   the team can see that they were. Marking needs a `cancelled_at` column on Prompt, which is
   the alerts module's to add: until it exists the prompts stay queued, and (1) stops them.

After a death is recorded nothing is ever sent again, the patient's sessions end, their
password is removed (so the account cannot be signed in to) and any unused invitation expires.
A team administrator can undo an ending recorded by mistake for `UNDO_WITHIN`: monitoring goes
back to what it was, and after a death the account's password and sessions come back too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.models import Prompt
from tracker.auth.models import Invitation, UserSession
from tracker.auth.sessions import end_sessions
from tracker.patients.models import (
    ACTIVE,
    DIED,
    DISCHARGED,
    ENDED,
    ENDED_REASONS,
    PAUSED,
    Patient,
)
from tracker.team import access, audit
from tracker.team import models as team_models
from tracker.team.models import Staff

# How long a discharge or a death can be undone by a team administrator.
UNDO_WITHIN = timedelta(days=7)
# Why the sessions of a patient whose death was recorded were ended.
DIED_SESSIONS = "died"


class NotAllowed(ValueError):
    """The change does not apply to the patient's current status (a message for the page)."""


def may_message(patient: Patient) -> bool:
    """Whether anything at all (reminder, prompt, check-in) may be sent to the patient now."""
    return patient.monitoring_status == ACTIVE


def can_pause(patient: Patient) -> bool:
    return patient.monitoring_status == ACTIVE


def can_resume(patient: Patient) -> bool:
    # A discharge can be undone (the patient comes back to follow-up); a death cannot.
    return patient.monitoring_status == PAUSED or (
        patient.monitoring_status == ENDED and patient.ended_reason == DISCHARGED
    )


def can_end(patient: Patient) -> bool:
    return patient.monitoring_status in (ACTIVE, PAUSED)


def can_move(patient: Patient) -> bool:
    return patient.ended_reason != DIED


def queued_prompt_ids(s: Session, patient_id: int) -> list[int]:
    """The patient's prompts that are queued and not yet sent."""
    return list(
        s.scalars(
            select(Prompt.id).where(Prompt.patient_id == patient_id, Prompt.sent_at.is_(None))
        )
    )


def stop_messages(s: Session, patient_id: int, now: datetime) -> int:
    """Stop what is queued for the patient; returns how many prompts were queued.

    See the module's docstring: with Prompt.cancelled_at this becomes
    `update(Prompt).where(Prompt.id.in_(ids)).values(cancelled_at=now)`.
    """
    return len(queued_prompt_ids(s, patient_id))


def _set_status(
    patient: Patient, status: str, reason: str | None, staff: Staff, now: datetime
) -> None:
    patient.monitoring_status = status
    patient.ended_reason = reason
    patient.status_changed_at = now
    patient.status_changed_by = staff.id


def pause(s: Session, staff: Staff, patient: Patient, now: datetime | None = None) -> None:
    """Pause monitoring (back in active treatment, in hospital). The caller commits."""
    now = now or clock.now()
    if not can_pause(patient):
        raise NotAllowed("Monitoring is not active, so it cannot be paused")
    _set_status(patient, PAUSED, None, staff, now)
    queued = stop_messages(s, patient.id, now)
    audit.record(
        s, staff.id, team_models.PAUSED, patient, detail=f"queued prompts {queued}", now=now
    )


def resume(s: Session, staff: Staff, patient: Patient, now: datetime | None = None) -> None:
    """Start monitoring again: reminders and prompts restart. The caller commits."""
    now = now or clock.now()
    if not can_resume(patient):
        raise NotAllowed("Monitoring cannot be restarted for this patient")
    _set_status(patient, ACTIVE, None, staff, now)
    audit.record(s, staff.id, team_models.RESUMED, patient, now=now)


def end(
    s: Session, staff: Staff, patient: Patient, reason: str, now: datetime | None = None
) -> None:
    """End monitoring: discharged, or died. The caller commits."""
    now = now or clock.now()
    if reason not in ENDED_REASONS:
        raise NotAllowed("Choose why monitoring is ending")
    if not can_end(patient):
        raise NotAllowed("Monitoring has already ended")
    before = patient.monitoring_status
    _set_status(patient, ENDED, reason, staff, now)
    patient.status_before_end = before
    queued = stop_messages(s, patient.id, now)
    if reason == DIED:
        _close_account(s, patient, now)
    audit.record(
        s,
        staff.id,
        team_models.ENDED,
        patient,
        detail=f"{reason}; queued prompts {queued}",
        now=now,
    )


def _close_account(s: Session, patient: Patient, now: datetime) -> None:
    # Nobody should be able to sign in as someone who has died, or set up their account from
    # an old link and start receiving messages.
    end_sessions(s, DIED_SESSIONS, patient_id=patient.id, now=now)
    patient.held_password_hash, patient.password_hash = patient.password_hash, None
    s.execute(
        update(Invitation)
        .where(Invitation.patient_id == patient.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def undo_until(patient: Patient) -> datetime | None:
    """Until when the patient's ending can be undone; None if it cannot (or is not ended)."""
    if patient.monitoring_status != ENDED or patient.status_before_end is None:
        return None
    if patient.status_changed_at is None:
        return None
    return patient.status_changed_at + UNDO_WITHIN


def can_undo(staff: Staff, patient: Patient, now: datetime) -> bool:
    """A team administrator, within `UNDO_WITHIN` of the ending."""
    until = undo_until(patient)
    return until is not None and now <= until and access.can_admin(staff, patient.team_id)


def undo_end(s: Session, staff: Staff, patient: Patient, now: datetime | None = None) -> None:
    """Undo a discharge or a death recorded by mistake: monitoring as it was before, and after
    a death the account's password and sessions as they were. The caller commits."""
    now = now or clock.now()
    if not can_undo(staff, patient, now):
        raise NotAllowed("Only a team administrator can undo this, within 7 days")
    ended_at, reason = patient.status_changed_at, patient.ended_reason
    _set_status(patient, patient.status_before_end, None, staff, now)
    patient.status_before_end = None
    if reason == DIED:
        patient.password_hash, patient.held_password_hash = patient.held_password_hash, None
        s.execute(
            update(UserSession)
            .where(
                and_(
                    UserSession.patient_id == patient.id,
                    UserSession.ended_reason == DIED_SESSIONS,
                    UserSession.ended_at == ended_at,
                )
            )
            .values(ended_at=None, ended_reason=None)
            .execution_options(synchronize_session=False)
        )
    audit.record(s, staff.id, team_models.END_UNDONE, patient, detail=reason, now=now)


def forget_held_passwords(s: Session, now: datetime | None = None) -> int:
    """Once an ending can no longer be undone, drop what was kept to undo it; returns how many."""
    cutoff = (now or clock.now()) - UNDO_WITHIN
    result = s.execute(
        update(Patient)
        .where(Patient.status_before_end.is_not(None), Patient.status_changed_at < cutoff)
        .values(status_before_end=None, held_password_hash=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def move(
    s: Session, staff: Staff, patient: Patient, team_id: int, now: datetime | None = None
) -> None:
    """Move the patient to another team the member may move them to. The caller commits.

    From then on the new team sees the patient and the old one does not; the audit rows keep
    the team each access was made through.
    """
    now = now or clock.now()
    if not can_move(patient):
        raise NotAllowed("This patient cannot be moved")
    allowed = {t.id for t in access.teams_to_move_to(s, staff, patient)}
    if team_id not in allowed:
        raise NotAllowed("Choose a team from the list")
    old = patient.team_id
    audit.record(
        s, staff.id, team_models.MOVED, patient, detail=f"team {old} to team {team_id}", now=now
    )
    patient.team_id = team_id


# ---- the status page's choices -------------------------------------------------------------

PAUSE, RESUME, MOVE, DISCHARGE, RECORD_DEATH = "pause", "resume", "move", "discharge", "died"


def actions_for(patient: Patient, has_teams_to_move_to: bool) -> list[str]:
    """What the status page offers for this patient, in page order."""
    offered = []
    if can_pause(patient):
        offered.append(PAUSE)
    if can_resume(patient):
        offered.append(RESUME)
    if can_move(patient) and has_teams_to_move_to:
        offered.append(MOVE)
    if can_end(patient):
        offered += [DISCHARGE, RECORD_DEATH]
    return offered


def apply_action(
    s: Session,
    staff: Staff,
    patient: Patient,
    action: str,
    team_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Carry out one of `actions_for`'s choices (the caller commits). NotAllowed if it can't."""
    if action == PAUSE:
        pause(s, staff, patient, now)
    elif action == RESUME:
        resume(s, staff, patient, now)
    elif action == MOVE:
        if team_id is None:
            raise NotAllowed("Choose a team from the list")
        move(s, staff, patient, team_id, now)
    elif action == DISCHARGE:
        end(s, staff, patient, DISCHARGED, now)
    elif action == RECORD_DEATH:
        end(s, staff, patient, DIED, now)
    else:
        raise NotAllowed("Choose what to do")

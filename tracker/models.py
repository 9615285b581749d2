"""Import every model module, so `Base.metadata` is complete for Alembic and the tests."""

from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.auth.models import Invitation, SignInFailure, UserSession
from tracker.contact_requests.models import ContactRequest
from tracker.db import Base
from tracker.detection.models import JobRun
from tracker.diary.assessed import DiaryAssessment
from tracker.diary.models import DiaryEntry, EntryRevision
from tracker.notify import models as notify_models  # noqa: F401 - the outbox's tables
from tracker.ops.models import JobSuccess
from tracker.patients.models import KnownCondition, KnownConditionChange, Patient
from tracker.support.models import SupportService, SupportServiceArea, SupportServiceChange
from tracker.team.models import Team

__all__ = [
    "Alert",
    "AlertEvent",
    "Base",
    "ContactRequest",
    "DiaryAssessment",
    "DiaryEntry",
    "EntryRevision",
    "Invitation",
    "JobRun",
    "JobSuccess",
    "KnownCondition",
    "KnownConditionChange",
    "Patient",
    "Prompt",
    "SignInFailure",
    "SupportService",
    "SupportServiceArea",
    "SupportServiceChange",
    "Team",
    "UserSession",
]

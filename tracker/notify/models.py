"""The outbox, and what the transport keeps of numbers and webhooks: opt-outs, receipts.

Every message is a row before it is sent (and stays one after): what it was for, where it went,
every attempt's outcome, and the provider's id. Rows are claimed by dispatchers with a lease
(`tracker.notify.dispatch`), so one row is sent once however many dispatchers run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db import Base, UTCDateTime

# What a message is for.
PROMPT = "prompt"  # an alert's prompt (rules §4)
REMINDER = "reminder"  # "please update your diary" (rules §4a), with a check-in if one is due
INVITATION = "invitation"  # the sign-up link after a clinician enrols a patient
TEAM_NOTICE = "team_notice"  # an email to a treating team (issue 6)
REPLY = "reply"  # an automatic answer to a text the patient sent us
ACCOUNT_NOTICE = "account_notice"  # "someone tried to sign up with your address" (issue 19)
CONTACT_REQUEST = "contact_request"  # "your team has your request", and what it recorded (21)
KINDS = (PROMPT, REMINDER, INVITATION, TEAM_NOTICE, REPLY, ACCOUNT_NOTICE, CONTACT_REQUEST)
# Kinds that fall back to the patient's other channel when one fails for good.
FALLBACK_KINDS = (PROMPT, REMINDER)

SMS = "sms"
EMAIL = "email"
CHANNELS = (SMS, EMAIL)

# How a message left (or would have left): chosen by the dispatcher from its configuration.
TWILIO = "twilio"
SMTP = "smtp"
CONSOLE = "console"
TRANSPORTS = (TWILIO, SMTP, CONSOLE)

QUEUED = "queued"  # waiting for next_attempt_at
SENDING = "sending"  # claimed by a dispatcher until lease_until
SENT = "sent"  # accepted by the provider
DELIVERED = "delivered"  # the provider says it reached the phone
FAILED = "failed"  # a permanent error, or too many transient ones
UNKNOWN = "unknown"  # a send that may or may not have happened: reconciled before any resend
CANCELLED = "cancelled"  # not sent on purpose: paused, opted out, answered, a duplicate
STATUSES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, UNKNOWN, CANCELLED)
# Statuses that still count as "on its way or arrived" for a prompt.
ALIVE = (QUEUED, SENDING, SENT, DELIVERED, UNKNOWN)
REACHED = (SENT, DELIVERED)


class OutboxMessage(Base):
    """One message to one address on one channel, and what happened to it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"transport IS NULL OR transport IN {TRANSPORTS!r}", name="transport"),
        # What a dispatcher looks for every minute: the due rows, and leases that ran out.
        Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            sqlite_where=text("status IN ('queued', 'unknown')"),
            postgresql_where=text("status IN ('queued', 'unknown')"),
        ),
        Index(
            "ix_outbox_messages_leased",
            "lease_until",
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
        # Status callbacks find their message by the provider's id.
        Index("ix_outbox_messages_provider_id", "provider_id", unique=True),
        Index("ix_outbox_messages_prompt_id", "prompt_id"),
        Index("ix_outbox_messages_patient_created", "patient_id", "created_at"),
        # "No identical message to one person more than once a day", and one reply an hour.
        Index("ix_outbox_messages_to_created", "to_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One message per purpose and channel, for example "prompt:12:sms" or
    # "reminder:7:2026-11-23:email": queueing twice, or two passes at once, queue it once.
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    # The purpose without the channel ("prompt:12"): a fallback queues the same group on the
    # other channel.
    group_key: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(16))
    # A variant of the kind's wording, such as "check_in" for a reminder that asks one.
    variant: Mapped[str | None] = mapped_column(String(24))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id", ondelete="SET NULL"))
    # Only `emergency` is sent in quiet hours (rules §4).
    urgency: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    transport: Mapped[str | None] = mapped_column(String(10))
    # E.164 for SMS, an email address for email. Never logged: log the message id.
    to_address: Mapped[str] = mapped_column(String(254))
    # Rendered when queued, so the row says exactly what the patient was sent.
    subject: Mapped[str | None] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # sha256 of channel, address and text: finds an identical message sent the same day.
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    # When the latest attempt began: a reconciliation looks for provider messages after it.
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Codes and our own words only (never a provider's message, which can quote the address).
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    provider_status: Mapped[str | None] = mapped_column(String(20))
    # The message whose permanent failure queued this one on the other channel.
    fallback_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # never the address or the text: reprs end up in logs
        return f"<OutboxMessage {self.id} {self.kind} {self.channel} {self.status}>"


# What became of a prompt (tracker.alerts.models.Prompt) as a whole.
PROMPT_QUEUED = "queued"
PROMPT_SENT = "sent"
PROMPT_UNDELIVERED = "undelivered"
PROMPT_CANCELLED = "cancelled"
PROMPT_STATES = (PROMPT_QUEUED, PROMPT_SENT, PROMPT_UNDELIVERED, PROMPT_CANCELLED)


class PromptDelivery(Base):
    """One row per prompt the dispatcher has taken up; inserting it is the claim to expand it.

    `undelivered_at` is the flag the diary's home page and the team's queue read: the prompt
    reached the patient by no channel (none agreed to, or every one failed).
    """

    __tablename__ = "prompt_deliveries"
    __table_args__ = (
        CheckConstraint(f"state IN {PROMPT_STATES!r}", name="state"),
        Index(
            "ix_prompt_deliveries_undelivered",
            "patient_id",
            sqlite_where=text("undelivered_at IS NOT NULL"),
            postgresql_where=text("undelivered_at IS NOT NULL"),
        ),
    )

    prompt_id: Mapped[int] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default=PROMPT_QUEUED)
    # Why it was cancelled or undelivered: no_channel, failed, paused, answered.
    reason: Mapped[str | None] = mapped_column(String(24))
    expanded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    undelivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class SmsOptOut(Base):
    """A number that texted STOP (or that Twilio says is unsubscribed): no texts until START."""

    __tablename__ = "sms_opt_outs"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16))  # keyword, start, twilio_21610
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class InboundSms(Base):
    """A text a patient sent us: which keyword it was, never what it said or who sent it."""

    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), index=True
    )
    keyword: Mapped[str] = mapped_column(String(12))  # stop, start, help, done, other, ignored
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class WebhookReceipt(Base):
    """A webhook already acted on: Twilio retries, and the same callback must change things once."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # status, inbound
    key: Mapped[str] = mapped_column(String(160))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class SendRate(Base):
    """The next free moment on one sending route ("sms:<sender>", "email"), in seconds of the
    database's own clock: every dispatcher books its sends here, so the cap is the service's
    (`tracker.notify.sendrate`)."""

    __tablename__ = "send_rates"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_free: Mapped[float] = mapped_column(Float, default=0.0)

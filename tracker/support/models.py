"""The support directory: services, the areas each serves, and every change made to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db import Base, UTCDateTime
from tracker.patients.contact import tel_href
from tracker.support.validation import KIND_CODES, KIND_LABELS, ServiceData


class SupportService(Base):
    """One service people can turn to. Never deleted: retired, so its history stays readable."""

    __tablename__ = "support_services"
    __table_args__ = (
        CheckConstraint(f"kind IN {KIND_CODES!r}", name="kind"),
        Index("ix_support_services_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))  # as read: "0808 800 6000"
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    # Nationwide services show for every area; the others list the areas they serve.
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower-case, separated by "; ": searched with the name and description.
    tags: Mapped[str] = mapped_column(String(600), default="")
    last_checked: Mapped[date | None] = mapped_column(Date)  # None: never checked with the service
    # Set for details that the service itself has not yet confirmed (the seed data, for one).
    needs_check: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the details came from, for the administrators.
    source: Mapped[str | None] = mapped_column(String(300))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    area_rows: Mapped[list[SupportServiceArea]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        order_by="SupportServiceArea.code",
        lazy="selectin",
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(sorted(a.code for a in self.area_rows))

    @property
    def tag_list(self) -> tuple[str, ...]:
        return tuple(t for t in self.tags.split("; ") if t) if self.tags else ()

    @property
    def phone_href(self) -> str | None:
        return tel_href(self.phone) if self.phone else None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def data(self) -> ServiceData:
        """The details as the checks would give them: for comparing and exporting."""
        return ServiceData(
            name=self.name,
            kind=self.kind,
            description=self.description,
            phone=self.phone,
            website=self.website,
            email=self.email,
            opening_hours=self.opening_hours,
            nationwide=self.nationwide,
            areas=self.areas,
            tags=self.tag_list,
            last_checked=self.last_checked,
            needs_check=self.needs_check,
            source=self.source,
        )

    def __repr__(self) -> str:
        return f"<SupportService {self.id} {self.kind}>"


class SupportServiceArea(Base):
    """One postcode area ("LS") or district ("LS6") a service serves, with its area for matching."""

    __tablename__ = "support_service_areas"
    __table_args__ = (Index("ix_support_service_areas_area", "area"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("support_services.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(4), primary_key=True)  # "LS" or "LS6"
    area: Mapped[str] = mapped_column(String(2))  # "LS" for both

    service: Mapped[SupportService] = relationship(back_populates="area_rows")


class SupportServiceChange(Base):
    """Who changed which service, how, and when. Rows are only ever added."""

    __tablename__ = "support_service_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("support_services.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor: Mapped[str] = mapped_column(String(40))  # "cli:import", "demo", later "staff:12"
    action: Mapped[str] = mapped_column(String(16))  # added, edited, checked, retired
    # added: every field's value; edited, checked, retired: {field: {"from": old, "to": new}}.
    changes: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<SupportServiceChange {self.id} {self.action} service {self.service_id}>"


@event.listens_for(SupportServiceChange, "before_update")
@event.listens_for(SupportServiceChange, "before_delete")
def _append_only(_mapper, _connection, target: SupportServiceChange) -> None:
    raise ValueError(f"{target!r}: the record of changes is append-only")

"""The directory's use cases. They add to the session; the caller commits (one transaction).

Every change to a service writes a SupportServiceChange row in the same transaction: who (an
actor such as "cli:import", "demo" or, once staff accounts exist, "staff:12"), what, and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from tracker import clock, db
from tracker.support.models import SupportService, SupportServiceArea, SupportServiceChange
from tracker.support.postcodes import Place, PostcodeError, area_of, parse_place
from tracker.support.validation import KINDS, ServiceData, format_tags

ADDED, EDITED, CHECKED, RETIRED = "added", "edited", "checked", "retired"

# A search is short: more words than this, or longer words, are dropped rather than refused.
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
RESULTS_MAX = 100


class SupportError(ValueError):
    """A use case refused: the message says why."""


# --- Changing the directory ------------------------------------------------------------------


def add_service(s: Session, data: ServiceData, actor: str) -> SupportService:
    service = SupportService()
    _apply(service, data)
    s.add(service)
    s.flush()
    _record(s, service, ADDED, actor, data.as_record())
    return service


def edit_service(s: Session, service: SupportService, data: ServiceData, actor: str) -> dict:
    """Change a service's details; returns {field: {"from": old, "to": new}} (empty: no change)."""
    if service.retired:
        raise SupportError("This service has been retired: it can no longer be changed")
    changes = _differences(service.data().as_record(), data.as_record())
    if changes:
        _apply(service, data)
        service.updated_at = clock.now()
        _record(s, service, EDITED, actor, changes)
    return changes


def mark_checked(s: Session, service: SupportService, actor: str, on: date) -> None:
    """The service confirmed its details on `on`."""
    if service.retired:
        raise SupportError("This service has been retired: it can no longer be changed")
    before = {"last_checked": service.last_checked, "needs_check": service.needs_check}
    service.last_checked, service.needs_check = on, False
    service.updated_at = clock.now()
    after = {"last_checked": on, "needs_check": False}
    _record(s, service, CHECKED, actor, _differences(_plain(before), _plain(after)))


def retire_service(s: Session, service: SupportService, actor: str) -> None:
    """Take a service out of the directory. Its details and history are kept."""
    if service.retired:
        raise SupportError("This service has already been retired")
    service.retired_at = clock.now()
    service.updated_at = service.retired_at
    _record(
        s,
        service,
        RETIRED,
        actor,
        {"retired_at": {"from": None, "to": service.retired_at.isoformat()}},
    )


def history(s: Session, service: SupportService) -> list[SupportServiceChange]:
    return list(
        s.scalars(
            select(SupportServiceChange)
            .where(SupportServiceChange.service_id == service.id)
            .order_by(SupportServiceChange.id)
        )
    )


def _apply(service: SupportService, data: ServiceData) -> None:
    service.name = data.name
    service.kind = data.kind
    service.description = data.description
    service.phone = data.phone
    service.website = data.website
    service.email = data.email
    service.opening_hours = data.opening_hours
    service.nationwide = data.nationwide
    service.tags = format_tags(data.tags)
    service.last_checked = data.last_checked
    service.needs_check = data.needs_check
    service.source = data.source
    wanted = set(data.areas)
    service.area_rows = [a for a in service.area_rows if a.code in wanted] + [
        SupportServiceArea(code=code, area=area_of(code))
        for code in sorted(wanted - {a.code for a in service.area_rows})
    ]


def _record(s: Session, service: SupportService, action: str, actor: str, changes: dict) -> None:
    s.add(SupportServiceChange(service_id=service.id, actor=actor, action=action, changes=changes))


def _differences(before: dict, after: dict) -> dict:
    return {
        field: {"from": before.get(field), "to": value}
        for field, value in after.items()
        if before.get(field) != value
    }


def _plain(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


# --- Finding services --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Search:
    """What someone asked for. Every part is optional: an empty search lists every service."""

    kind: str | None = None
    place: Place | None = None
    words: str = ""


def search_terms(words: str | None) -> list[str]:
    """The words to look for, lower-cased, without surrounding punctuation."""
    terms = []
    for raw in (words or "").lower().split():
        # "carers," is "carers"; but "%" on its own is looked for as it is, never as a wildcard.
        term = (re.sub(r"^\W+|\W+$", "", raw) or raw)[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def search(s: Session, query: Search, limit: int = RESULTS_MAX) -> list[SupportService]:
    """Services still listed that match every part of the query.

    A place matches services that serve its district or its whole area, and nationwide services
    always match. With a place, local services come first.
    """
    statement = select(SupportService).where(SupportService.retired_at.is_(None))
    if query.kind:
        statement = statement.where(SupportService.kind == query.kind)
    if query.place is not None:
        statement = statement.where(or_(SupportService.nationwide, _serves(query.place)))
    for term in search_terms(query.words):
        statement = statement.where(_mentions(term))
    order = [func.lower(SupportService.name), SupportService.id]
    if query.place is not None:
        order.insert(0, SupportService.nationwide)  # False (local) before True
    return list(s.scalars(statement.order_by(*order).limit(limit)))


def _serves(place: Place):
    if place.district:
        matches = SupportServiceArea.code.in_({place.area, place.district})
    else:
        matches = SupportServiceArea.area == place.area
    return exists().where(SupportServiceArea.service_id == SupportService.id, matches)


def _mentions(term: str):
    columns = (SupportService.name, SupportService.description, SupportService.tags)
    found = [func.lower(column).contains(term, autoescape=True) for column in columns]
    kinds = [code for code, label in KINDS if term in label.lower()]
    if kinds:
        found.append(SupportService.kind.in_(kinds))
    return or_(*found)


def get_listed(s: Session, service_id: int) -> SupportService | None:
    """A service that is still in the directory, or None."""
    service = s.get(SupportService, service_id)
    return None if service is None or service.retired else service


def one_year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def is_stale(service: SupportService, today: date) -> bool:
    return service.last_checked is None or service.last_checked <= one_year_before(today)


def stale(s: Session, today: date) -> list[SupportService]:
    """Listed services not checked with the service for 12 months (or never): for administrators."""
    cutoff = one_year_before(today)
    return list(
        s.scalars(
            select(SupportService)
            .where(
                SupportService.retired_at.is_(None),
                or_(SupportService.last_checked.is_(None), SupportService.last_checked <= cutoff),
            )
            .order_by(SupportService.last_checked.is_not(None), SupportService.last_checked)
            .order_by(func.lower(SupportService.name))
        )
    )


def for_prompt(
    area: str | None = None,
    limit: int = 3,
    *,
    session: Session | None = None,
    kinds: tuple[str, ...] | None = None,
) -> list[SupportService]:
    """A short list of support for an alert page or a prompt email.

    Nationwide helplines first, then services for `area` (a postcode, district or area; ignored
    if it is not one), then other nationwide services.
    """
    s = session or db.session()
    try:
        place = parse_place(area)
    except PostcodeError:
        place = None
    local = _serves(place) if place is not None else None
    reach = SupportService.nationwide if local is None else or_(SupportService.nationwide, local)
    rank = case(
        (and_(SupportService.nationwide, SupportService.kind == "helpline"), 0),
        (SupportService.nationwide.is_(False), 1),
        else_=2,
    )
    statement = (
        select(SupportService)
        .where(SupportService.retired_at.is_(None), reach)
        .where(SupportService.kind.in_(kinds) if kinds is not None else true())
        .order_by(rank, func.lower(SupportService.name), SupportService.id)
        .limit(max(0, limit))
    )
    return list(s.scalars(statement))


def for_urgency(
    urgency: str, area: str | None = None, *, session: Session | None = None
) -> list[SupportService]:
    """The support to list after urgent advice: none beside "Call 999 now" (nothing may compete
    with it), only helplines on a same-day page, the usual short list otherwise."""
    if urgency == "emergency":
        return []
    kinds = ("helpline",) if urgency == "same_day" else None
    return for_prompt(area, session=session, kinds=kinds)


def support_link(public_url: str) -> str:
    """The directory's address, for a text message (which carries a link and nothing else)."""
    return public_url.rstrip("/") + "/support/"


def short_list_text(services: list[SupportService], public_url: str) -> str:
    """The short list for a plain-text email, to follow the team's contact details."""
    lines = ["Other support", ""]
    for service in services:
        how = f"call {service.phone}" if service.phone else (service.website or service.email)
        hours = f" ({service.opening_hours})" if service.phone and service.opening_hours else ""
        lines.append(f"- {service.name}: {how}{hours}")
    if services:
        lines.append("")
    lines.append(f"Find more support: {support_link(public_url)}")
    return "\n".join(lines)

"""A page of a list read from the database: its rows, which page, how many pages and rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from tracker.team.queue_filter import PAGE_SIZE, pages_for

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `total` is how many the whole list holds."""

    rows: list[T]
    page: int = 1
    pages: int = 1
    total: int = 0

    @property
    def more(self) -> bool:
        """True when the list holds more than this page shows."""
        return self.total > len(self.rows)


def paged(query: Select) -> Select:
    """A sorted query as read_page reads it: a page at a time. A list every page shows is built
    once, as a module's constant (see tracker.db), with its other parameters bound too."""
    return query.offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer))


def read_page(
    s: Session, query: Select, page: int = 1, size: int = PAGE_SIZE, values: dict | None = None
) -> Page[Any]:
    """Page `page` of the rows of a `paged` query given `values`, `size` a page; a page past
    the end is the last page. A first page that is not full is the whole list, so it is not
    counted."""
    values = values or {}
    page = max(page, 1)
    rows = s.execute(query, values | {"offset": (page - 1) * size, "limit": size}).all()
    if page == 1 and len(rows) < size:
        return Page(list(rows), 1, 1, len(rows))
    whole = query.limit(None).offset(None).order_by(None).subquery()
    total = s.scalar(select(func.count()).select_from(whole), values) or 0
    pages = pages_for(total, size)
    if page > pages:  # past the end: the last page
        page = pages
        rows = s.execute(query, values | {"offset": (page - 1) * size, "limit": size}).all()
    return Page(list(rows), page, pages, total)

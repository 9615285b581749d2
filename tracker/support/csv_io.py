"""The directory as a CSV file: export, and an import that changes nothing unless every row is good.

The file has a header row with these columns, in any order:

    id, name, kind, description, phone, website, email, opening_hours, areas, tags,
    last_checked, needs_check, source

- id: blank to add a service; a listed service's id to change it (as an export gives).
- kind: a code or label, for example "helpline" or "Psychological support".
- areas: "nationwide", or postcode areas and districts separated by commas: "LS, LS6, BD1".
- tags: separated by semicolons. last_checked: 2026-11-21 (or 21/11/2026), or blank for never.
- needs_check: yes or no.

Spreadsheets run cells that start with = + - or @ as formulas, so the export puts an apostrophe
in front of such a cell and the import takes it off again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.forms import parse_id
from tracker.support.models import SupportService
from tracker.support.services import add_service, edit_service
from tracker.support.validation import FIELDS, ServiceData, clean_service, format_areas, format_tags

COLUMNS = ("id", *FIELDS)
ROWS_MAX = 5000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad row (or, on line 1, a bad header or file): where, and every reason."""

    line: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"Line {self.line}: " + "; ".join(self.reasons)


@dataclass
class ImportResult:
    problems: list[RowProblem] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"Nothing imported: {len(self.problems)} problem(s) in the file."
        verb = "Would add" if self.dry_run else "Added"
        return (
            f"{verb} {self.added}, {'would change' if self.dry_run else 'changed'} "
            f"{self.changed}, left {self.unchanged} unchanged."
        )


@dataclass(frozen=True, slots=True)
class _GoodRow:
    line: int
    service_id: int | None
    data: ServiceData


# --- Export ------------------------------------------------------------------------------------


def export_csv(s: Session, out: TextIO) -> int:
    """Write every listed service to `out` as CSV; returns how many."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    services = s.scalars(
        select(SupportService)
        .where(SupportService.retired_at.is_(None))
        .order_by(SupportService.id)
    ).all()
    for service in services:
        writer.writerow([_cell(v) for v in row_for(service)])
    return len(services)


def row_for(service: SupportService) -> list[str]:
    data = service.data()
    values = {
        "id": str(service.id),
        **{f: getattr(data, f) or "" for f in FIELDS if f not in ("areas", "tags")},
        "areas": format_areas(data.nationwide, data.areas),
        "tags": format_tags(data.tags),
        "last_checked": data.last_checked.isoformat() if data.last_checked else "",
        "needs_check": "yes" if data.needs_check else "no",
    }
    return [values[c] for c in COLUMNS]


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


# --- Import ------------------------------------------------------------------------------------


def import_csv(
    s: Session, content: bytes | str, actor: str, today: date, dry_run: bool = False
) -> ImportResult:
    """Check every row; if all are good (and not `dry_run`), add and change services.

    Nothing is added to the session unless every row is good, so the caller's one transaction
    imports the whole file or none of it.
    """
    result = ImportResult(dry_run=dry_run)
    rows = _read(content, result)
    if result.problems:
        return result
    good = _check_rows(s, rows, today, result)
    if result.problems:
        return result
    for row in good:
        if row.service_id is None:
            result.added += 1
            if not dry_run:
                add_service(s, row.data, actor)
            continue
        service = s.get(SupportService, row.service_id)
        if service.data() == row.data:
            result.unchanged += 1
        else:
            result.changed += 1
            if not dry_run:
                edit_service(s, service, row.data, actor)
    if not dry_run:
        s.flush()
    return result


def _read(content: bytes | str, result: ImportResult) -> list[tuple[int, dict[str, str]]]:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.problems.append(
                RowProblem(1, ("The file is not UTF-8 text: save it as “CSV UTF-8” and try again",))
            )
            return []
    content = content.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(content, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lower().replace(" ", "_") for c in cells]
                _check_header(header, line, result)
                if result.problems:
                    return []
                continue
            if len(cells) != len(header):
                result.problems.append(
                    RowProblem(
                        line, (f"This row has {len(cells)} cells; the header has {len(header)}",)
                    )
                )
                continue
            rows.append((line, {h: _uncell(c) for h, c in zip(header, cells, strict=True)}))
            if len(rows) > ROWS_MAX:
                result.problems.append(
                    RowProblem(line, (f"The file has more than {ROWS_MAX} rows: split it up",))
                )
                return []
    except csv.Error as exc:
        result.problems.append(RowProblem(reader.line_num, (f"The file is not valid CSV: {exc}",)))
        return []
    if header is None:
        result.problems.append(RowProblem(1, ("The file is empty: it needs a header row",)))
    return rows


def _check_header(header: list[str], line: int, result: ImportResult) -> None:
    reasons = []
    missing = [c for c in FIELDS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        reasons.append("The header is missing the column(s): " + ", ".join(missing))
    if unknown:
        reasons.append(
            "The header has unknown column(s): " + ", ".join(c or "(blank)" for c in unknown)
        )
    if repeated:
        reasons.append("The header repeats the column(s): " + ", ".join(repeated))
    if reasons:
        result.problems.append(RowProblem(line, tuple(reasons)))


def _check_rows(
    s: Session, rows: list[tuple[int, dict[str, str]]], today: date, result: ImportResult
) -> list[_GoodRow]:
    listed = {
        service_id: name.lower()
        for service_id, name in s.execute(
            select(SupportService.id, func.lower(SupportService.name)).where(
                SupportService.retired_at.is_(None)
            )
        )
    }
    retired = set(
        s.scalars(select(SupportService.id).where(SupportService.retired_at.is_not(None)))
    )
    good: list[_GoodRow] = []
    ids_seen: dict[int, int] = {}
    names_seen: dict[str, int] = {}
    for line, raw in rows:
        reasons: list[str] = []
        service_id = _row_id(raw.get("id", ""), listed, retired, reasons)
        if service_id is not None:
            if service_id in ids_seen:
                reasons.append(f"id {service_id} is also on line {ids_seen[service_id]}")
            ids_seen.setdefault(service_id, line)
        data, errors = clean_service(raw, today)
        reasons.extend(f"{column}: {message}" for column, message in errors.messages.items())
        if data is not None:
            name = data.name.lower()
            if name in names_seen:
                reasons.append(f"name: “{data.name}” is also on line {names_seen[name]}")
            names_seen.setdefault(name, line)
            same_name = [i for i, n in listed.items() if n == name and i != service_id]
            if same_name:
                reasons.append(
                    f"name: a service called “{data.name}” is already listed (id {same_name[0]}): "
                    "put its id in the id column to change it"
                )
        if reasons:
            result.problems.append(RowProblem(line, tuple(reasons)))
        elif data is not None:
            good.append(_GoodRow(line, service_id, data))
    return good


def _row_id(raw: str, listed: dict[int, str], retired: set[int], reasons: list[str]) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    service_id = parse_id(raw)
    if service_id is None:
        reasons.append("id: leave it blank to add a service, or give the number of a listed one")
        return None
    if service_id in retired:
        reasons.append(f"id: service {service_id} has been retired and cannot be changed")
    elif service_id not in listed:
        reasons.append(f"id: there is no service {service_id}: leave the id blank to add one")
    return service_id

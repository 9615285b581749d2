"""Everything the service holds about one patient, as JSON and CSV files in one zip, streamed.

Which tables: every table with a `patient_id` column, read from the models' metadata, so a
table added later is exported without anyone remembering to add it here; the tables that hold
a patient's rows through another of theirs (an entry's revisions, an alert's history) are named
in CHILDREN. What is left out: secrets (password hashes, session and invitation tokens) and the
team's own notes, which the team writes on the understanding that the patient does not read
them (see WITHHELD and docs/clinical-safety.md).

The zip is written into a pipe that the response drains as it goes, and rows are read in
batches, so a long diary never sits in memory whole.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Column, MetaData, Table, select, union
from sqlalchemy.orm import Session

from tracker.models import Base

PATIENT_KEY = "patient_id"
# Tables whose rows belong to the patient through a parent table of theirs: child -> (column,
# parent table).
CHILDREN = {
    "diary_entry_revisions": ("entry_id", "diary_entries"),
    "alert_events": ("alert_id", "alerts"),
}
# Columns never exported, by table, besides any named like a secret (SECRET_MARKS).
WITHHELD = {
    "patients": {"password_hash", "held_password_hash"},
    # The team's notes about an alert, a quiet spell, a request or a try to call are written for
    # the team alone.
    "alert_outcomes": {"note"},
    "contact_attempts": {"note"},
    "quiet_spells": {"note"},
    "contact_requests": {"outcome_note"},
}
SECRET_MARKS = ("hash", "token", "secret")
# Rows read from the database at a time.
BATCH = 1000
# Bytes gathered before they are handed to the response.
CHUNK = 64 * 1024

README = """\
Everything the symptom diary holds about you

Each part of your record is here twice: as a .json file and as a .csv file (which opens in a
spreadsheet). Dates are written year-month-day; times are in UTC.

patients                 your account: name, contact details, time zone, consent times
diary_entries            your diary as it stands, with deleted entries (deleted_at is filled in)
diary_entry_revisions    every version of every entry: created, edited and deleted
alerts, alert_events     each time the diary asked you to contact your team, and its history
prompts, prompt_deliveries, outbox_messages   the texts and emails we sent you
known_conditions, known_condition_changes     symptoms noted as expected for you, and changes
contact_preferences, consent_changes          your reminder settings and what you agreed to
contact_requests         each time you asked your team to contact you, and what they recorded
contact_attempts         each time your team tried to call you
staff_access             who in a treating team looked at or changed your record, and when
staff_names              the names of the staff the other files mention by number
own_copies               each time you looked at your summary or downloaded your data

Not included: your password and sign-in codes (we hold them only in a form that cannot be read
back), and the notes your team writes for themselves about an alert, a request or a call to
you. To ask for those, or if something here looks wrong, contact your treating team.
"""


def patient_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """Every table holding rows of one patient's, directly or through a parent in CHILDREN."""
    return sorted(
        (
            t
            for t in metadata.tables.values()
            if PATIENT_KEY in t.c or t.name in CHILDREN or t.name == "patients"
        ),
        key=lambda t: t.name,
    )


def exported_columns(table: Table) -> list[Column]:
    """The table's columns less secrets and the team's own notes."""
    withheld = WITHHELD.get(table.name, set())
    return [
        c
        for c in table.columns
        if c.name not in withheld and not any(mark in c.name for mark in SECRET_MARKS)
    ]


def _rows_of(table: Table, patient_id: int):
    columns = exported_columns(table)
    query = select(*columns)
    if table.name == "patients":
        query = query.where(table.c.id == patient_id)
    elif table.name in CHILDREN:
        key, parent_name = CHILDREN[table.name]
        parent = table.metadata.tables[parent_name]
        query = query.where(
            table.c[key].in_(select(parent.c.id).where(parent.c[PATIENT_KEY] == patient_id))
        )
    else:
        query = query.where(table.c[PATIENT_KEY] == patient_id)
    order = [c for c in table.primary_key.columns]
    return columns, query.order_by(*order)


def _staff_names(patient_id: int, metadata: MetaData = Base.metadata):
    staff = metadata.tables["staff"]
    mentions = [
        select(col).where(t.c[PATIENT_KEY] == patient_id)
        for t in patient_tables(metadata)
        if PATIENT_KEY in t.c
        for col in t.columns
        if any(fk.column.table is staff for fk in col.foreign_keys)
    ]
    columns = [staff.c.id, staff.c.name]
    return columns, select(*columns).where(staff.c.id.in_(union(*mentions))).order_by(staff.c.id)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file: zipfile writes into it, the generator takes from it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.size = 0
        return data


def zip_chunks(s: Session, patient_id: int, now: datetime) -> Iterator[bytes]:
    """The zip of the patient's data, in pieces of about CHUNK bytes."""
    pipe = _Pipe()
    stamp = now.timetuple()[:6]

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    parts = [(t.name, *_rows_of(t, patient_id)) for t in patient_tables()]
    parts.append(("staff_names", *_staff_names(patient_id)))
    with zipfile.ZipFile(pipe, "w") as zf:
        zf.writestr(member("README.txt"), README)
        for name, columns, query in parts:
            keys = [c.name for c in columns]
            with zf.open(member(f"{name}.json"), "w") as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                out.write("[")
                for n, row in enumerate(_stream(s, query)):
                    record = {k: _plain(v) for k, v in zip(keys, row, strict=True)}
                    out.write(("," if n else "") + "\n" + json.dumps(record, ensure_ascii=False))
                    if pipe.size >= CHUNK:
                        out.flush()
                        yield pipe.take()
                out.write("\n]\n")
                out.flush()
                out.detach()
            with zf.open(member(f"{name}.csv"), "w") as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(out)
                writer.writerow(keys)
                for row in _stream(s, query):
                    writer.writerow(["" if v is None else _plain(v) for v in row])
                    if pipe.size >= CHUNK:
                        out.flush()
                        yield pipe.take()
                out.flush()
                out.detach()
            yield pipe.take()
    yield pipe.take()


def _stream(s: Session, query):
    # Batches from a server-side cursor where the database has one (PostgreSQL).
    result = s.execute(query, execution_options={"yield_per": BATCH})
    yield from result

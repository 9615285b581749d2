"""A patient's record as the team sees it: the diary as charts and a table, alerts and their
history, and the prompts sent. Reading only: the view records that it was seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.alerts.models import Alert, Prompt
from tracker.config import DEFAULT_TIMEZONE
from tracker.diary.charts import Chart, severity_chart
from tracker.diary.models import SYMPTOM, DiaryEntry, EntryRevision
from tracker.diary.services import live_entries
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label
from tracker.team import wording
from tracker.team.delivery import stories_for
from tracker.team.models import AlertOutcome
from tracker.team.paging import Page, paged, read_page


@dataclass(frozen=True)
class SymptomChart:
    code: str
    label: str
    chart: Chart
    entries: list[DiaryEntry]  # the symptom's severity entries, oldest first


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    symptom: str
    urgency_label: str
    urgency_tag: str
    reasons: list[str]
    waiting: bool
    outcome: AlertOutcome | None
    prompts: list[Prompt] = field(default_factory=list)
    # Each prompt's state from the outbox, in words (tracker.team.delivery), by prompt id.
    stories: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryRow:
    """One row of the team's diary table: the entry as it stands, deleted or not, and the
    versions it had before its latest change."""

    entry: DiaryEntry
    earlier: list[EntryRevision]  # oldest first

    @property
    def deleted(self) -> bool:
        return self.entry.deleted_at is not None


@dataclass(frozen=True)
class Record:
    patient: Patient
    entries: list[DiaryEntry]  # the live ones, newest first
    charts: list[SymptomChart]
    alerts: list[AlertView]  # newest first
    rows: list[EntryRow] = field(default_factory=list)  # every entry, deleted too, newest first


def charts_for(entries: list[DiaryEntry], rules: Catalogue) -> list[SymptomChart]:
    """One chart per series (a symptom, or a named `something else`) with entries, most
    recently noted first."""
    by_series: dict[str, list[DiaryEntry]] = {}
    for e in entries:
        if e.kind == SYMPTOM and e.series is not None:
            by_series.setdefault(e.series, []).append(e)
    charts = []
    for series, rows in by_series.items():
        rows = sorted(rows, key=lambda e: (e.entry_date, e.id))
        points = [(e.entry_date, e.severity) for e in rows if e.severity is not None]
        label = series_label(series, rules, for_team=True)
        charts.append(SymptomChart(series, label, severity_chart(points), rows))
    return sorted(charts, key=lambda c: (c.chart.last, c.code), reverse=True)


def record_of(s: Session, patient: Patient, rules: Catalogue) -> Record:
    """Everything the patient page shows."""
    entries = live_entries(s, patient)
    alerts = list(
        s.scalars(select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.id.desc()))
    )
    charts = charts_for(entries, rules)
    return Record(patient, entries, charts, alert_views(s, alerts, rules), entry_rows(s, patient))


def earlier_versions(revisions: list[EntryRevision]) -> list[EntryRevision]:
    """The versions an entry had before its current one, oldest first. Each revision holds the
    entry as it was after that change, and deleting changes nothing in it, so the last
    non-deleting revision is the current version and the ones before it are earlier."""
    versions = [r for r in sorted(revisions, key=lambda r: r.revision) if r.action != "deleted"]
    return versions[:-1]


def entry_rows(s: Session, patient: Patient) -> list[EntryRow]:
    """Every entry of the patient's, deleted ones too (the patient is told the team can still
    see them), newest first, each with its earlier versions."""
    rows = s.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.patient_id == patient.id)
        .options(selectinload(DiaryEntry.revisions))
        .order_by(DiaryEntry.entry_date.desc(), DiaryEntry.id.desc())
    )
    return [EntryRow(e, earlier_versions(list(e.revisions))) for e in rows]


def alert_views(s: Session, alerts: list[Alert], rules: Catalogue) -> list[AlertView]:
    """Each alert with its words, its outcome (if recorded) and its prompts."""
    ids = [a.id for a in alerts]
    outcomes: dict[int, AlertOutcome] = {}
    prompts: dict[int, list[Prompt]] = {}
    stories: dict[int, list[str]] = {}
    if ids:
        for o in s.scalars(select(AlertOutcome).where(AlertOutcome.alert_id.in_(ids))):
            outcomes[o.alert_id] = o
        for p in s.scalars(select(Prompt).where(Prompt.alert_id.in_(ids)).order_by(Prompt.id)):
            prompts.setdefault(p.alert_id, []).append(p)
        every = [p for rows in prompts.values() for p in rows]
        stories = stories_for(s, every, clock.now(), DEFAULT_TIMEZONE)
    return [
        AlertView(
            alert=a,
            symptom=series_label(a.series, rules, for_team=True),
            urgency_label=wording.urgency_label(a.urgency),
            urgency_tag=wording.urgency_tag(a.urgency),
            reasons=wording.reasons(a.reason_list, a.urgency, rules, symptom=a.symptom_code),
            waiting=a.waits_for_team,
            outcome=outcomes.get(a.id),
            prompts=prompts.get(a.id, []),
            stories=stories,
        )
        for a in alerts
    ]


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    waiting: int  # alerts waiting for the team


def patients_of(
    s: Session, team_ids: set[int], page: int = 1, only: list[int] | None = None
) -> Page[PatientRow]:
    """One page of the patients of these teams (of those among `only`, if given), by name, each
    with how many alerts wait for the team; a page past the end is the last page."""
    where = Patient.team_id.in_(sorted(team_ids))
    if only is not None:
        where = where & Patient.id.in_(only)
    found = read_page(
        s, paged(select(Patient).where(where).order_by(Patient.name, Patient.id)), page
    )
    patients = [p for (p,) in found.rows]
    counts = (
        dict(
            s.execute(
                select(Alert.patient_id, func.count())
                .where(Alert.waits_for_team, Alert.patient_id.in_([p.id for p in patients]))
                .group_by(Alert.patient_id)
            ).all()
        )
        if patients
        else {}
    )
    rows = [PatientRow(p, counts.get(p.id, 0)) for p in patients]
    return replace(found, rows=rows)

"""The summary's page and PDF, shared by the patient's view and the team's: the views check who
may see which patient (and the team's records that it was seen); this renders what they found.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import Response, render_template, url_for
from sqlalchemy.orm import Session

from tracker import clock
from tracker.config import PROJECT_ROOT
from tracker.export.pdf import pdf_of
from tracker.export.summary import (
    MAX_MONTHS,
    RangeForm,
    Summary,
    diary_began,
    read_range,
    summary_of,
)
from tracker.forms import render_form
from tracker.patients.models import Patient
from tracker.rules import load_rules

# The PDF carries its styles inline (it fetches nothing): the service's own and the summary's.
PDF_STYLES = ("app.css", "summary.css")


def read(
    s: Session, patient: Patient, args: Mapping[str, str], everything: str = ""
) -> tuple[RangeForm, Summary | None]:
    """The range asked for and, if it is a good one, the summary of it. `everything`: where the
    reader finds what is older than a summary can cover (read_range)."""
    today = clock.today(patient.timezone)
    form = read_range(args, today, diary_began(s, patient), everything)
    if form.errors or form.start is None or form.end is None:
        return form, None
    return form, summary_of(s, patient, form.start, form.end, load_rules())


def range_args(start: date, end: date) -> dict[str, int]:
    """The query string that asks for `start` to `end`, for the PDF's link."""
    args = {}
    for key, day in (("from", start), ("to", end)):
        args.update({f"{key}[day]": day.day, f"{key}[month]": day.month, f"{key}[year]": day.year})
    return args


def page(
    patient: Patient,
    form: RangeForm,
    summary: Summary | None,
    layout: str,
    pdf_endpoint: str,
    **ids: int,
):
    """The summary's page, with the form to choose dates (400 with the errors beside them)."""
    pdf_href = (
        url_for(pdf_endpoint, **ids, **range_args(summary.start, summary.end)) if summary else None
    )
    return render_form(
        "export/summary.html",
        form.errors,
        form=form,
        summary=summary,
        layout=layout,
        pdf=False,
        pdf_href=pdf_href,
        max_months=MAX_MONTHS,
        patient=patient,
        today=clock.today(patient.timezone),
    )


def pdf(summary: Summary) -> Response:
    """The same page as a PDF, as a download named after its dates."""
    styles = "\n".join(
        (PROJECT_ROOT / "tracker" / "static" / "css" / name).read_text() for name in PDF_STYLES
    )
    html = render_template(
        "export/summary.html",
        errors=None,
        form=None,
        summary=summary,
        layout="export/pdf_layout.html",
        pdf=True,
        pdf_styles=styles,
        patient=summary.patient,
        today=clock.today(summary.patient.timezone),
    )
    name = f"symptom-diary-summary-{summary.start.isoformat()}-to-{summary.end.isoformat()}.pdf"
    return Response(
        pdf_of(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

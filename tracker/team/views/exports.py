"""The summary of a patient's diary for the team (page and PDF): the one the patient can show
their GP, opened from the patient's record. Each opening is in the audit trail."""

from __future__ import annotations

from flask import request

from tracker import db
from tracker.export import pages
from tracker.team import access, audit
from tracker.team.models import SUMMARY_PDF, VIEWED_SUMMARY
from tracker.team.views.common import bp, or_404, staff

LAYOUT = "team/base.html"


@bp.get("/patients/<int:patient_id>/summary")
def summary(patient_id: int):
    """The summary for a range of dates, with the form to choose them."""
    return _summary(patient_id, as_pdf=False)


@bp.get("/patients/<int:patient_id>/summary.pdf")
def summary_pdf(patient_id: int):
    """The same summary as a PDF; a bad range goes back to the page with its errors."""
    return _summary(patient_id, as_pdf=True)


def _summary(patient_id: int, as_pdf: bool):
    s = db.session()
    with or_404():
        found = access.patient_for(s, staff(), patient_id)
    form, made = pages.read(s, found, request.args)
    if made is not None:
        dates = f"{made.start.isoformat()} to {made.end.isoformat()}"
        audit.record(s, staff().id, SUMMARY_PDF if as_pdf else VIEWED_SUMMARY, found, detail=dates)
        s.commit()  # on record before the page or the file is sent
        if as_pdf:
            return pages.pdf(made)
    return pages.page(found, form, made, LAYOUT, "team.summary_pdf", patient_id=found.id)

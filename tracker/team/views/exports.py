"""What the team can take away from a patient's record: the summary of the diary (page and PDF)
that the patient can show their GP, and the whole record as a FHIR Bundle for the hospital's
own systems. Each is in the audit trail."""

from __future__ import annotations

from flask import Response, request

from tracker import clock, db
from tracker.export import fhir_record, pages
from tracker.rules import load_rules
from tracker.team import access, audit
from tracker.team.models import FHIR_RECORD, SUMMARY_PDF, VIEWED_SUMMARY
from tracker.team.views.common import bp, or_404, staff

LAYOUT = "team/base.html"
# Where the team finds more than a summary's range holds.
EVERYTHING = ". The patient's record shows their whole diary."


@bp.get("/patients/<int:patient_id>/summary")
def summary(patient_id: int):
    """The summary for a range of dates, with the form to choose them."""
    return _summary(patient_id, as_pdf=False)


@bp.get("/patients/<int:patient_id>/summary.pdf")
def summary_pdf(patient_id: int):
    """The same summary as a PDF; a bad range goes back to the page with its errors."""
    return _summary(patient_id, as_pdf=True)


@bp.get("/patients/<int:patient_id>/record.fhir.json")
def fhir_bundle(patient_id: int):
    """The patient's record as a FHIR R4 Bundle (UK Core), as a download."""
    s = db.session()
    with or_404():
        found = access.patient_for(s, staff(), patient_id)
    now = clock.now()
    body = fhir_record.bundle_json(s, found, now, load_rules())
    audit.record(s, staff().id, FHIR_RECORD, found, now=now)
    s.commit()  # on record before the file is sent
    name = f"patient-record-{found.id}-{now:%Y-%m-%d}.fhir.json"
    return Response(
        body,
        mimetype=fhir_record.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _summary(patient_id: int, as_pdf: bool):
    s = db.session()
    with or_404():
        found = access.patient_for(s, staff(), patient_id)
    form, made = pages.read(s, found, request.args, EVERYTHING)
    if made is not None:
        action = SUMMARY_PDF if as_pdf else VIEWED_SUMMARY
        audit.record(s, staff().id, action, found, detail=made.dates)
        s.commit()  # on record before the page or the file is sent
        if as_pdf:
            return pages.pdf(made)
    return pages.page(found, form, made, LAYOUT, "team.summary_pdf", patient_id=found.id)

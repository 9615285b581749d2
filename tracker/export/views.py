"""The patient's own data: the summary for their GP or team (page and PDF), and the download
of everything held about them. Only ever the signed-in patient's own; each copy is kept in
their record's trail (tracker.export.own_copies), which their settings page shows."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_login import current_user

from tracker import clock, db
from tracker.export import data, own_copies, pages
from tracker.patients.models import OWN_DOWNLOAD, OWN_SUMMARY, OWN_SUMMARY_PDF

bp = Blueprint("your_data", __name__, url_prefix="/your-data")
# Where a patient finds more than a summary's range holds.
EVERYTHING = ". To get everything in your diary, download all your data instead."
log = logging.getLogger(__name__)


@bp.get("/summary")
def summary():
    """The summary for a range of dates (the last 3 months unless chosen), with the form."""
    patient = current_user.patient
    s = db.session()
    form, found = pages.read(s, patient, request.args, EVERYTHING)
    if found is not None:
        own_copies.record(s, patient.id, OWN_SUMMARY, found.dates)
        s.commit()
    return pages.page(patient, form, found, "base.html", "your_data.summary_pdf")


@bp.get("/summary.pdf")
def summary_pdf():
    """The same summary as a PDF; a bad range goes back to the page with its errors."""
    patient = current_user.patient
    s = db.session()
    form, found = pages.read(s, patient, request.args, EVERYTHING)
    if found is None:
        return pages.page(patient, form, found, "base.html", "your_data.summary_pdf")
    log.info("summary pdf made for patient %s", patient.id)
    own_copies.record(s, patient.id, OWN_SUMMARY_PDF, found.dates)
    s.commit()  # on record before the file is made and sent
    return pages.pdf(found)


@bp.get("/download")
def download():
    """Everything held about the patient, as a zip of JSON and CSV, streamed as it is written."""
    patient_id = current_user.patient.id
    now = clock.now()
    log.info("data download started for patient %s", patient_id)
    s = db.session()
    own_copies.record(s, patient_id, OWN_DOWNLOAD, now=now)
    s.commit()  # on record before the first byte is sent (and so in the download itself)
    # A session of the download's own, closed when the last piece is sent (or the browser goes):
    # the request's would stay open, mid-transaction, until the server closed the response.
    make_session = current_app.extensions["sessionmaker"]

    def chunks():
        with make_session() as s:
            yield from data.zip_chunks(s, patient_id, now)

    name = f"symptom-diary-data-{now:%Y-%m-%d}.zip"
    return Response(
        stream_with_context(chunks()),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

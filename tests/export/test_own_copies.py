"""The patient's own copies (summary page, PDF, download) are kept and shown in "who has looked
at your record", in plain words, to them and to their team; never in another patient's."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import make_patient, sign_in_as
from tests.export.conftest import range_query, today, words
from tests.team.conftest import make_staff, staff_sign_in_as
from tracker.patients.models import (
    OWN_DOWNLOAD,
    OWN_SUMMARY,
    OWN_SUMMARY_PDF,
    OwnCopy,
    Patient,
)


def copies(session, patient_id: int) -> list[tuple[str, str | None]]:
    session.expire_all()
    return [
        (c.action, c.detail)
        for c in session.scalars(
            select(OwnCopy).where(OwnCopy.patient_id == patient_id).order_by(OwnCopy.id)
        )
    ]


def seen(client) -> str:
    """The settings page's "who has looked at your record", in words."""
    page = words(client.get("/settings/"))
    return page[page.index("Who has looked at your record") :]


def test_the_summary_page_is_kept_with_its_dates_and_shown_as_yours(ann, diary, session):
    start, end = today() - timedelta(days=30), today() - timedelta(days=1)
    assert ann.get("/your-data/summary", query_string=range_query(start, end)).status_code == 200
    assert copies(session, diary.patient_id) == [
        (OWN_SUMMARY, f"{start.isoformat()} to {end.isoformat()}")
    ]
    shown = seen(ann)
    assert "You Looked at the summary of your diary at" in shown


def test_the_pdf_and_the_download_are_kept_and_shown_in_plain_words(ann, diary, session):
    start, end = today() - timedelta(days=7), today()
    pdf = ann.get("/your-data/summary.pdf", query_string=range_query(start, end))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    download = ann.get("/your-data/download")
    assert download.status_code == 200
    held = download.data  # read to the end, as a browser would, before the next request
    assert [a for a, _ in copies(session, diary.patient_id)] == [OWN_SUMMARY_PDF, OWN_DOWNLOAD]
    shown = seen(ann)
    assert "Downloaded the summary of your diary as a PDF at" in shown
    assert "Downloaded all your data at" in shown
    # The download holds its own row: it was on record before the first byte was sent.
    with zipfile.ZipFile(io.BytesIO(held)) as zf:
        assert '"action": "own_download"' in zf.read("own_copies.json").decode()


def test_a_refused_range_is_not_kept(ann, diary, session):
    start, end = today() - timedelta(days=3), today() - timedelta(days=10)
    assert ann.get("/your-data/summary", query_string=range_query(start, end)).status_code == 400
    assert (
        ann.get("/your-data/summary.pdf", query_string=range_query(start, end)).status_code == 400
    )
    assert copies(session, diary.patient_id) == []


def test_the_team_sees_the_patients_copies_and_another_patient_never_does(app, ann, diary, session):
    assert ann.get("/your-data/download").data  # read to the end
    patient = session.get(Patient, diary.patient_id)
    member = make_staff(session, "nurse2@example.test", patient.team_id, name="Sam Nurse")
    team = app.test_client()
    staff_sign_in_as(team, member.id)
    record = words(team.get(f"/team/patients/{patient.id}"))
    assert "The patient Downloaded all their data at" in record

    other = app.test_client()
    sign_in_as(other, session.get(Patient, diary.other_patient_id))
    assert "Downloaded all your data" not in seen(other)
    assert copies(session, diary.other_patient_id) == []


def test_a_new_patient_reads_that_nothing_has_been_looked_at_or_downloaded(session, client):
    patient = make_patient(session, enrolled_on=today())
    sign_in_as(client, patient)
    assert "you have not downloaded a copy" in seen(client)

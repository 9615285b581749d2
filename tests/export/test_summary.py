"""The summary for a GP or team: its dates, what it holds, its PDF, and who may open it."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import make_patient, sign_in_as
from tests.export.conftest import range_query, today, words
from tests.team.conftest import make_staff, staff_sign_in_as
from tracker.diary import services
from tracker.diary.services import SymptomReport
from tracker.export.summary import months_before
from tracker.patients.models import OwnCopy, Patient
from tracker.team.models import Staff, StaffAccess


def test_the_summary_shows_the_last_three_months_unless_chosen(ann, diary, app):
    page = words(ann.get("/your-data/summary"))
    start = months_before(today(), 3)
    assert f"{start.day} {start:%B %Y} to " in page
    # Fatigue every day of the range and bone pain on some: both sections, each with its chart.
    assert "Tiredness" in page and "Bone pain" in page
    assert page.count("Chart of how bad") == 2
    earlier = today() - timedelta(days=100)  # noted, but before the default range
    assert f"{earlier:%A} {earlier.day} {earlier:%B %Y}" not in page


def test_every_entry_in_the_range_is_in_the_table(ann, diary, session):
    start, end = today() - timedelta(days=30), today() - timedelta(days=1)
    response = ann.get("/your-data/summary", query_string=range_query(start, end))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # One row per fatigue entry (30 days) and per bone pain entry (every third day): 40 rows.
    assert html.count('<tr class="nhsuk-table__row">\n                  <td') == 30 + 10
    assert "Tired after the school run" in html
    assert "Noted 30 times between" in words(response)  # the chart's summary, spaced
    assert "worries the patient" in html
    assert "No new symptoms" not in words(response)  # today's check-in is after the range


def test_alerts_known_conditions_and_team_contacts_are_there(ann, diary):
    page = words(ann.get("/your-data/summary"))
    assert "Contacted the patient, by Jo Nurse" in page
    assert "husband answered" not in page  # the team's note is theirs alone
    assert "Hot flushes or night sweats Jo Nurse" in page
    assert "Joint aches The patient" in page
    assert "0118 496 0000" in page and "breast.care@example.test" in page
    assert "Bea Other" not in page and "Not Ann" not in page


def test_an_empty_range_says_so(ann, diary):
    day = diary.began + timedelta(days=5)
    page = words(ann.get("/your-data/summary", query_string=range_query(day, day)))
    assert "Nothing was noted in the diary between" in page


def test_a_new_diary_says_so(session, client):
    patient = make_patient(session, enrolled_on=today())
    sign_in_as(client, patient)
    response = client.get("/your-data/summary")
    assert response.status_code == 200
    assert "Nothing was noted in the diary between" in words(response)


def _refused(client, start, end, field, message):
    response = client.get("/your-data/summary", query_string=range_query(start, end))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html or f"{field}-error" in html, html[:2000]
    assert message in words(response)
    assert "Diary began" not in html  # no summary beside the errors
    return html


def test_a_reversed_range_is_refused_beside_the_last_day(ann, diary):
    start, end = today() - timedelta(days=3), today() - timedelta(days=10)
    html = _refused(
        ann, start, end, "to", "The last day must be the same as or after the first day"
    )
    assert f'value="{end.day}"' in html  # what was typed, kept


def test_a_future_day_is_refused(ann, diary):
    _refused(ann, today(), today() + timedelta(days=1), "to", "cannot be in the future")


def test_a_day_before_the_diary_began_is_refused(ann, diary):
    _refused(
        ann,
        diary.began - timedelta(days=1),
        today(),
        "from",
        "The first day cannot be before the diary began",
    )


def test_nonsense_dates_are_refused_not_a_500(ann, diary):
    query = range_query(today(), today())
    query.update({"from[day]": "31", "from[month]": "2", "to[year]": "２０２６"})
    response = ann.get("/your-data/summary", query_string=query)
    assert response.status_code == 400
    assert "must be a real date" in words(response)
    response = ann.get("/your-data/summary.pdf", query_string=query)
    assert response.status_code == 400


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_the_pdf_carries_the_summary_as_text(ann, diary):
    start, end = today() - timedelta(days=30), today()
    response = ann.get("/your-data/summary.pdf", query_string=range_query(start, end))
    text, pages = _pdf_text(response)
    flat = " ".join(text.split())
    assert "Tiredness" in flat and "Bone pain" in flat
    assert f"{start.day} {start:%B %Y}" in flat and f"{end.day} {end:%B %Y}" in flat
    assert "0118 496 0000" in flat and "breast.care@example.test" in flat
    assert "Ann Example" in flat
    assert "Show these dates" not in flat  # no form, no buttons
    assert pages >= 3  # the first page, then a page for each symptom


def test_the_team_opens_the_same_summary_and_it_is_audited(app, diary, session):
    member = session.scalars(select(Staff).where(Staff.email == "nurse@example.test")).one()
    client = app.test_client()
    staff_sign_in_as(client, member.id)
    page = client.get(f"/team/patients/{diary.patient_id}/summary")
    assert page.status_code == 200
    assert "Tiredness" in words(page) and "Ann Example" in words(page)
    text, _ = _pdf_text(client.get(f"/team/patients/{diary.patient_id}/summary.pdf"))
    assert "Tiredness" in text
    assert client.get(f"/team/patients/{diary.other_patient_id}/summary").status_code == 404
    assert client.get(f"/team/patients/{diary.other_patient_id}/summary.pdf").status_code == 404
    session.expire_all()
    actions = session.scalars(
        select(StaffAccess.action)
        .where(StaffAccess.patient_id == diary.patient_id)
        .order_by(StaffAccess.id)
    ).all()
    assert actions == ["viewed_summary", "summary_pdf"]
    assert (
        session.scalars(
            select(StaffAccess).where(StaffAccess.patient_id == diary.other_patient_id)
        ).all()
        == []
    )
    # And the patient sees both in "who has looked at your record".
    patient_client = app.test_client()
    sign_in_as(patient_client, session.get(Patient, diary.patient_id))
    settings = words(patient_client.get("/settings/"))
    assert "Looked at the summary of your diary" in settings
    assert "Downloaded the summary of your diary as a PDF" in settings


def test_the_settings_and_diary_link_to_both(ann, diary):
    settings = ann.get("/settings/").get_data(as_text=True)
    assert 'href="/your-data/summary">A summary to show your GP or team' in settings
    assert 'href="/your-data/download">Download everything we hold about you' in settings
    home = ann.get("/diary/").get_data(as_text=True)
    assert 'href="/your-data/summary">A summary to show your GP or team' in home


# ---- the longest range: 12 months ------------------------------------------------------------

# A fixed morning in London: the range's limit is counted back from the day it is asked on.
ASKED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def three_years(app, clock, session):
    """A patient whose diary began three years before ASKED_AT, signed in."""
    clock.set(ASKED_AT)
    began = ASKED_AT.date() - timedelta(days=3 * 365)
    patient = make_patient(session, enrolled_on=began, email="long@example.test")
    services.record_symptoms(session, patient, began, [SymptomReport("cough", 3)])
    session.commit()
    client = app.test_client()
    sign_in_as(client, patient)
    return client, patient


@pytest.mark.parametrize("path", ["/your-data/summary", "/your-data/summary.pdf"])
def test_more_than_twelve_months_is_refused_beside_the_first_day_saying_what_to_do(
    three_years, session, path
):
    client, _ = three_years
    today_ = ASKED_AT.date()
    start = months_before(today_, 12) - timedelta(days=1)
    response = client.get(path, query_string=range_query(start, today_))
    assert response.status_code == 400
    assert response.mimetype == "text/html"  # the page with the error, never a PDF
    html = response.get_data(as_text=True)
    assert 'id="from-error"' in html  # the message beside the first day's fields
    assert 'href="#from-day"' in html  # and in the summary at the top, linked to them
    assert (
        "A summary can cover up to 12 months. Choose a first day on or after Sunday "
        "23 November 2025. To get everything in your diary, download all your data instead."
    ) in words(response)
    assert f'value="{start.year}"' in html  # what was typed, kept
    assert "Diary began" not in html
    assert session.scalars(select(OwnCopy)).all() == []


def test_twelve_months_to_the_day_is_a_summary_and_a_pdf(three_years):
    client, _ = three_years
    query = range_query(months_before(ASKED_AT.date(), 12), ASKED_AT.date())
    assert client.get("/your-data/summary", query_string=query).status_code == 200
    pdf = client.get("/your-data/summary.pdf", query_string=query)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_team_is_told_where_the_whole_diary_is(app, three_years, session):
    _, patient = three_years
    member = make_staff(session, "nurse@example.test", patient.team_id)
    team = app.test_client()
    staff_sign_in_as(team, member.id)
    start = months_before(ASKED_AT.date(), 13)
    response = team.get(
        f"/team/patients/{patient.id}/summary.pdf", query_string=range_query(start, ASKED_AT.date())
    )
    assert response.status_code == 400
    said = html.unescape(words(response))
    assert (
        "on or after Sunday 23 November 2025. The patient's record shows their whole diary." in said
    )
    assert session.scalars(select(StaffAccess)).all() == []  # nothing made, nothing recorded

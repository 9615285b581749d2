"""What the fuzzing walk (test_fuzz.py) found beyond the reported faults, each pinned by a test."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_patient, reconfigure
from tests.inputs.conftest import changed_tables, signed_post, snapshot

TOKEN = "test-auth-token"
GOOD_SID = "SM" + "1" * 32


@pytest.fixture
def twilio_on(app):
    reconfigure(app, notify={"twilio_auth_token": TOKEN, "twilio_from": "+447700900999"})


@pytest.mark.parametrize(
    "sid", ["\x00", f"SM{'1' * 15}\x00{'1' * 16}", "SM" + "1" * 100, "SM 1", "SM\x1b1"]
)
def test_a_signed_text_with_a_message_id_twilio_would_not_send_changes_nothing(
    app, session, twilio_on, sid
):
    """On PostgreSQL a NUL in MessageSid failed the receipt's insert with a 500."""
    make_patient(session, mobile="+447700900001")
    before = snapshot(app)
    form = {"MessageSid": sid, "From": "+447700900001", "To": "+447700900999", "Body": "STOP"}
    response = signed_post(app.test_client(), "/twilio/inbound", form)
    assert response.status_code == 400
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", "\x00"),
        ("MessageSid", "SM" + "1" * 100),  # longer than the column: PostgreSQL refuses it
        ("ErrorCode", "300\x0003"),
        ("ErrorCode", "30003; DROP TABLE"),
    ],
)
def test_a_signed_status_report_with_values_twilio_would_not_send_changes_nothing(
    app, session, twilio_on, field, value
):
    """A report on a text whose send's answer was lost is matched by ?m= alone, and used to
    store the report's MessageSid and ErrorCode on that text, whatever they held."""
    from tracker.notify.models import REMINDER, SMS, UNKNOWN, OutboxMessage

    patient = make_patient(session, mobile="+447700900001")
    message = OutboxMessage(
        idempotency_key="test:sms",
        group_key="test",
        kind=REMINDER,
        channel=SMS,
        to_address=patient.mobile,
        body_text="Please update your diary",
        body_hash="0" * 64,
        status=UNKNOWN,
        patient_id=patient.id,
    )
    session.add(message)
    session.commit()
    form = {"MessageSid": GOOD_SID, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    before = snapshot(app)
    response = signed_post(
        app.test_client(), "/twilio/status", form | {field: value}, f"m={message.id}"
    )
    assert response.status_code == 400
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize(
    "path",
    [
        "/assets/" + "x" * 300,  # longer than a file name may be: OSError, not "no such file"
        "/assets/images/" + "x" * 300,
        "/assets/a%00b.css",
        "/assets/../../../etc/passwd",
        "/static/" + "x" * 300,
        "/static/a%00b.css",
    ],
)
def test_an_asset_path_no_file_can_have_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_files_the_pages_link_to_are_still_served(client):
    links = re.findall(r'(?:href|src)="(/(?:assets|static)/[^"?]+)', client.get("/").get_data(True))
    assert any(link.startswith("/assets/images/") for link in links)  # from dist/nhsuk/assets
    assert "/assets/nhsuk-frontend.min.css" in links  # from dist/nhsuk
    for link in links:
        assert client.get(link).status_code == 200, link

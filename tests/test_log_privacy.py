"""Health detail stays out of logs: access-log lines and database errors."""

from __future__ import annotations

import logging
import threading
import urllib.request

import pytest
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from tests.conftest import make_patient
from tracker.logs import redact_request_line


def test_query_strings_and_symptoms_in_paths_are_redacted():
    line = '"GET /diary/symptoms/bone_pain?x=1 HTTP/1.1" 200 -'
    assert redact_request_line(line) == '"GET /diary/symptoms/[redacted]?[redacted] HTTP/1.1" 200 -'
    assert redact_request_line('"GET /sign-in?next=/diary/symptoms/cough HTTP/1.1" 200 -') == (
        '"GET /sign-in?[redacted] HTTP/1.1" 200 -'
    )
    assert redact_request_line('"GET /diary/history HTTP/1.1" 200 -') == (
        '"GET /diary/history HTTP/1.1" 200 -'
    )


def test_a_real_servers_access_log_carries_no_symptom(app, caplog):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/diary/symptoms/coughing_blood?next=/x"
            with pytest.raises(urllib.error.HTTPError):  # a redirect to sign-in is followed to 200
                urllib.request.urlopen(url.replace("/diary/", "/nope/diary/"), timeout=5)
            urllib.request.urlopen(url, timeout=5)
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/diary/symptoms/[redacted]" in logged
    assert "coughing_blood" not in logged


def test_a_database_error_does_not_carry_the_rows_values(session):
    make_patient(session, email="private.person@example.test")
    with pytest.raises(IntegrityError) as caught:
        make_patient(session, email="private.person@example.test")
    session.rollback()
    assert "private.person@example.test" not in str(caught.value)

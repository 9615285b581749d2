"""Health detail stays out of logs: access-log lines and database errors."""

from __future__ import annotations

import logging
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_patient
from tracker import db
from tracker.logs import redact_request_line, scrubbed_traceback
from tracker.security import public


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


def test_invitation_tokens_in_paths_are_redacted():
    """A /join/ link is a live credential: whoever reads it in a log can open the account."""
    assert redact_request_line('"GET /join/Zk3q-_x9AbC HTTP/1.1" 200 -') == (
        '"GET /join/[redacted] HTTP/1.1" 200 -'
    )
    assert redact_request_line('"POST /join/Zk3q-_x9AbC?next=/x HTTP/1.1" 400 -') == (
        '"POST /join/[redacted]?[redacted] HTTP/1.1" 400 -'
    )


def test_a_real_servers_access_log_carries_no_invitation_token(app, caplog):
    token = "aLiveInvitationTokenNotForLogs"
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/join/{token}"
        no_such_link = pytest.raises(urllib.error.HTTPError)  # a 404, logged all the same
        with caplog.at_level(logging.INFO, logger="werkzeug"), no_such_link:
            urllib.request.urlopen(url, timeout=5)
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/join/[redacted]" in logged
    assert token not in logged


# A constant, so the traceback's source lines show its name and not the address.
PRIVATE_EMAIL = "private.person@example.test"


def test_a_database_error_in_a_request_is_logged_without_the_rows_values(app, session, caplog):
    make_patient(session, email=PRIVATE_EMAIL)

    @app.get("/boom")
    @public
    def boom():  # a bug that hits a unique constraint mid-request
        make_patient(db.session(), email=PRIVATE_EMAIL)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/boom")
    session.rollback()
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text  # the bug can still be found ...
    assert PRIVATE_EMAIL not in caplog.text  # ... without the data


def test_an_error_in_a_request_is_logged_under_its_route_not_its_path(app, caplog):
    @app.get("/boom/<word>")
    @public
    def boom_word(word: str):
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/boom/bone_pain?token=abc123")
    assert response.status_code == 500
    assert "Exception on /boom/<word> [GET]" in caplog.text
    assert "bone_pain" not in caplog.text and "abc123" not in caplog.text


def test_scrubbed_tracebacks_keep_frames_and_types_but_not_messages():
    mobile, email = "07700 " + "900123", "patient@" + "example.test"  # not literal in the frames
    try:
        try:
            raise ValueError(mobile)
        except ValueError as inner:
            raise RuntimeError(email) from inner
    except RuntimeError:
        import sys

        text = scrubbed_traceback(sys.exc_info())
    assert "ValueError: [message withheld]" in text
    assert "RuntimeError: [message withheld]" in text
    assert "test_scrubbed_tracebacks_keep_frames_and_types_but_not_messages" in text
    assert mobile not in text and email not in text


def test_the_suite_wide_log_check_recognises_personal_details():
    from tests.conftest import _PERSONAL

    for text in ("to patient@example.test", "+447700900123", "call 07700 900123", "0118 496 0123"):
        assert _PERSONAL.search(text), text
    for text in ('"GET /diary/ HTTP/1.1" 200 -', "patient 12 prompt 3", "2026-11-21 04:40:27"):
        assert not _PERSONAL.search(text), text


def test_reset_and_email_change_tokens_in_paths_are_redacted():
    """A reset or email-change link is a live credential too (issue 22)."""
    for path in ("/account/reset/", "/account/email/", "/team/account/reset/"):
        assert redact_request_line(f'"GET {path}Zk3q-_x9AbC HTTP/1.1" 200 -') == (
            f'"GET {path}[redacted] HTTP/1.1" 200 -'
        )
    kept = '"GET /account/forgotten/code HTTP/1.1" 200 -'
    assert redact_request_line(kept) == kept


def test_a_real_servers_access_log_carries_no_reset_token(app, caplog):
    token = "aLiveResetTokenNotForLogs"
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/account/reset/{token}", f"/account/email/{token}"):
            url = f"http://127.0.0.1:{server.server_port}{path}"
            no_such_link = pytest.raises(urllib.error.HTTPError)
            with caplog.at_level(logging.INFO, logger="werkzeug"), no_such_link:
                urllib.request.urlopen(url, timeout=5)
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/account/reset/[redacted]" in logged and "/account/email/[redacted]" in logged
    assert token not in logged

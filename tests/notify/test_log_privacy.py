"""No phone number, email address or diary text in the logs of a busy messaging day."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from tests.conftest import reconfigure
from tests.notify.conftest import (
    EMAIL,
    MOBILE,
    MORNING,
    add_patient,
    add_prompt,
    dispatch,
    later,
)
from tests.notify.standin import error, fail, timeout
from tracker.diary.services import SymptomReport, record_symptoms

NOTE = "Sharp ache under my left ribs when I climb the stairs"
OTHER_MOBILE = "+447700900321"
OTHER_EMAIL = "robin.second@example.test"


def test_a_day_of_sends_failures_callbacks_and_texts_logs_no_personal_detail(
    app, peers, session, caplog
):
    reconfigure(app, notify={"send_timeout": 0.5})
    alex = add_patient(session)
    robin = add_patient(session, mobile=OTHER_MOBILE, address=OTHER_EMAIL)
    record_symptoms(session, alex, date(2026, 11, 20), [SymptomReport("cough", 6, note=NOTE)])
    session.commit()
    add_prompt(session, alex.id)
    add_prompt(session, robin.id, urgency="same_day")
    peers.twilio.then(error(21211), to=MOBILE)  # Twilio's message quotes the number
    peers.twilio.then(timeout(1.5), to=OTHER_MOBILE)  # reconciled with a look-up by number
    peers.smtp.inbox.rcpt_reply = "550 5.1.1 <robin.second@example.test>: no such user"

    with caplog.at_level(logging.DEBUG):
        dispatch(app, MORNING)
        peers.smtp.inbox.rcpt_reply = None
        peers.twilio.then(fail(500))
        dispatch(app, later(3))
        for text in list(peers.twilio.messages):
            peers.twilio.send_status(text, "undelivered", error_code=30003)
        peers.twilio.send_text(peers.url, OTHER_MOBILE, "HELP")
        peers.twilio.send_text(peers.url, OTHER_MOBILE, f"STOP {NOTE}")
        peers.twilio.send_text(peers.url, MOBILE, "stop")
        dispatch(app, later(10))
        dispatch(app, MORNING + timedelta(hours=2))

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "message 1" in logged  # the logs did say something about the messages...
    for secret in (MOBILE, OTHER_MOBILE, EMAIL, OTHER_EMAIL, NOTE, "left ribs"):
        assert secret not in logged, secret
    for number in (MOBILE, OTHER_MOBILE):  # ... nor the number in any other spelling
        digits = number[3:]
        assert not re.search(r"\D".join(digits[:4]) + ".*" + digits[-4:], logged)
        assert digits not in logged and "%2B" + number[1:] not in logged

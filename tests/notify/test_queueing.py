"""What other modules queue: invitations, team emails; and prompt states for the team's queue."""

from __future__ import annotations

from tests.notify.conftest import EMAIL, MOBILE, MORNING, add_patient, add_prompt, dispatch, outbox
from tracker import db
from tracker.notify.queueing import prompt_states, queue_invitation, queue_team_email
from tracker.team.notify import URGENT, TeamEmail

LINK = "https://diary.example/join/one-time-token"


def test_an_invitation_goes_by_email_and_text_once(app, peers, session):
    patient = add_patient(session, sms=False, email=False)  # not agreed to anything yet

    with app.app_context():
        s = db.session()
        first = queue_invitation(s, s.get(type(patient), patient.id), LINK, key=7, now=MORNING)
        again = queue_invitation(s, s.get(type(patient), patient.id), LINK, key=7, now=MORNING)
        s.commit()
    dispatch(app, MORNING)

    assert first and not again
    assert LINK in peers.twilio.sent_to(MOBILE)[0].body
    assert LINK.encode() in peers.smtp.inbox.to(EMAIL)[0].original_content


def test_a_team_email_names_no_patient_and_is_queued_once(app, peers, session):
    email = TeamEmail(1, "team@example.test", URGENT, 2, "https://diary.example/team/", (4, 9))
    add_patient(session)  # makes team 1

    with app.app_context():
        s = db.session()
        first = queue_team_email(s, email, now=MORNING.replace(hour=23))
        again = queue_team_email(s, email, now=MORNING.replace(hour=23))
        s.commit()
    dispatch(app, MORNING.replace(hour=23))  # not held by the patients' quiet hours

    assert first is not None and again is None
    [mail] = peers.smtp.inbox.to("team@example.test")
    assert b"2 urgent alerts in your team's queue" in mail.original_content
    assert outbox(session)[0].status == "sent"


def test_prompt_states_for_the_teams_queue(app, peers, session):
    reached = add_patient(session)
    nobody = add_patient(session, sms=False, email=False, mobile=None, address="n@x.test")
    p1 = add_prompt(session, reached.id)
    p2 = add_prompt(session, nobody.id)
    dispatch(app, MORNING)
    peers.twilio.send_status(peers.twilio.messages[0], "delivered")

    with app.app_context():
        states = prompt_states(db.session(), [p1.id, p2.id])

    assert states[p1.id].state == "delivered"
    assert states[p2.id].state == "undelivered" and states[p2.id].problem

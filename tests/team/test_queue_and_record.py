"""The queue (most urgent first, then oldest; reasons, how long, answered, delivery) and a
patient's record (charts, table, alerts with history, messages), every view audited.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select, update

from tests.conftest import make_patient, sign_in_as
from tests.team.conftest import add_side, database, open_alert, plain, read, staff_sign_in_as
from tracker.alerts.models import Alert, Prompt
from tracker.alerts.services import acknowledge
from tracker.clock import SYSTEM
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.team import delivery, queue
from tracker.team.models import Membership, Staff, StaffAccess, Team


def _second_patient_with_urgent_alert(app, world) -> tuple[int, int]:
    with database(app) as s:
        patient = make_patient(
            s, s.get(Team, world.ours.team), name="Robin Urgent", email="robin@example.test"
        )
        alert = open_alert(s, patient.id, "jaundice", "same_day", ("red_flag",), days=0)
        return patient.id, alert


def test_the_queue_lists_the_most_urgent_first_with_reasons_in_words(app, clinician, world):
    _, urgent = _second_patient_with_urgent_alert(app, world)
    body = plain(clinician.get("/team/"))
    assert body.index("Robin Urgent") < body.index("Patient a")
    assert "Same day" in body and "Within a few days" in body
    assert "a red flag symptom to report on the same day" in body
    assert "new for this patient and lasting a week or more" in body
    assert "lasting 2 weeks or more" in body
    assert "getting worse" in body
    assert "2 weeks" in body and "A day or less" in body  # how long
    assert "Queued: not yet sent" in body
    assert f"/team/alerts/{urgent}/outcome" in clinician.get("/team/").get_data(as_text=True)


def test_equal_urgency_is_oldest_first(app, world):
    with database(app) as s:
        member = s.get(Staff, world.ours.clinician)
        newer = add_side(s, "Later", "c")
        s.add(Membership(staff_id=member.id, team_id=newer.team, role="clinician"))
        s.execute(
            update(Alert)
            .where(Alert.id == world.ours.alert)
            .values(opened_at=SYSTEM.now() - timedelta(days=2))
        )
        s.commit()
        s.refresh(member)
        rows = queue.waiting_alerts(s, member, load_rules())
    assert [r.alert_id for r in rows] == [world.ours.alert, newer.alert]
    assert {r.team_name for r in rows} == {"Breast Care", "Later"}


def test_a_member_of_two_teams_has_both_read_with_their_session(app, world):
    with database(app) as s:
        newer = add_side(s, "Later", "c")
        s.add(Membership(staff_id=world.ours.clinician, team_id=newer.team, role="clinician"))
        s.commit()
    client = app.test_client()
    staff_sign_in_as(client, world.ours.clinician)
    seen: list[str] = []
    engine = app.extensions["engine"]

    def executed(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", executed)
    try:
        body = plain(client.get("/team/"))
    finally:
        event.remove(engine, "before_cursor_execute", executed)
    assert "Patient a" in body and "Patient c" in body and "Patient b" not in body
    # The session, the member and their teams in the request's first statement; none later.
    assert "FROM user_sessions" in seen[0] and "team_memberships" in seen[0]
    assert [q for q in seen[1:] if "FROM team_memberships" in q] == []


def test_the_queue_shows_an_acknowledged_alert_and_when(app, clinician, world):
    # Rules v2 §4: an answered alert stays on the "to do" list only if it is `emergency` or
    # `same_day` ("closed only by the team recording an outcome"), so this one is same-day.
    _, urgent = _second_patient_with_urgent_alert(app, world)
    with database(app) as s:
        alert = s.get(Alert, urgent)
        acknowledge(s, s.get(Patient, alert.patient_id), urgent)
        s.commit()
    body = plain(clinician.get("/team/"))
    assert "Has contacted the team" in body


def test_the_queue_flags_a_patient_no_prompt_can_reach(app, clinician, world):
    with database(app) as s:
        s.execute(update(Patient).values(email_consent_at=None, sms_consent_at=None))
        s.commit()
    body = plain(clinician.get("/team/"))
    assert "Cannot be sent: no email or text reaches the patient" in body


def test_delivery_words(app):
    now = SYSTEM.now()
    queued = delivery.PromptFact(now, None)
    sent = delivery.PromptFact(now - timedelta(hours=1), now)
    assert delivery.delivery([], True, True).label == "No message"
    assert delivery.delivery([queued], True, True).label == "Queued: not yet sent"
    assert delivery.delivery(
        [delivery.PromptFact(now - timedelta(days=1), now), queued], True, True
    ) == (queue.Delivery("Queued: not yet sent"))
    assert delivery.delivery([sent], True, True).label == "Sent"
    assert delivery.delivery([queued], False, True).label.startswith("Not sent: monitoring")
    assert delivery.delivery([queued], True, False).problem is True


def test_the_patient_page_shows_the_diary_alerts_history_and_messages(app, clinician, world):
    response = clinician.get(f"/team/patients/{world.ours.patient}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = plain(response)
    assert "Patient a" in body and "patient.a@example.test" in body
    assert 'role="img" aria-labelledby="chart-title-bone_pain chart-summary-bone_pain"' in html
    assert "It ranged from 6 to 7 out of 10" in body
    assert "Every diary entry, newest first" in body and "Hurts at night" in body
    assert "Bone pain: 7 out of 10" in body
    assert "History of this alert" in body and "Opened (soon)" in body
    assert "First prompt: waiting to be sent" in body  # not taken up by the dispatcher yet
    assert "Record what was done" in body


def test_the_record_and_queue_show_the_codes_new_in_rules_version_2_by_their_labels(
    app, clinician, world
):
    rules = load_rules()
    today = SYSTEM.today("Europe/London")
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        reports = [SymptomReport(code, 4) for code in ("numbness", "hot_flushes", "joint_pain")]
        record_symptoms(s, patient, today, [*reports, SymptomReport("sleep_problems", 5)])
        s.commit()
        open_alert(s, patient.id, "joint_pain", "soon", ("persistent",))
    response = clinician.get(f"/team/patients/{world.ours.patient}")
    assert response.status_code == 200
    body = plain(response)
    for code in ("numbness", "hot_flushes", "joint_pain", "sleep_problems"):
        assert rules.symptom(code).name in body, code
        assert f"chart-title-{code}" in response.get_data(as_text=True), code
    queue = plain(clinician.get("/team/"))
    assert rules.symptom("joint_pain").name in queue
    assert "lasting 2 weeks or more" in queue


def test_the_queue_says_a_coughs_own_three_weeks(app, clinician, world):
    with database(app) as s:
        open_alert(s, world.ours.patient, "cough", "soon", ("new", "persistent"), days=22)
    body = plain(clinician.get("/team/"))
    assert "new for this patient and lasting 3 weeks or more" in body
    assert "lasting 3 weeks or more" in body


def test_every_view_of_a_record_is_audited_and_the_patient_can_see_it(app, clinician, world):
    clinician.get(f"/team/patients/{world.ours.patient}")
    clinician.get(f"/team/alerts/{world.ours.alert}/outcome")
    rows = read(app, lambda s: s.scalars(select(StaffAccess).order_by(StaffAccess.id)).all())
    assert [(r.action, r.staff_id, r.patient_id, r.team_id) for r in rows] == [
        ("viewed_record", world.ours.clinician, world.ours.patient, world.ours.team),
        ("viewed_alert", world.ours.clinician, world.ours.patient, world.ours.team),
    ]
    assert rows[1].detail == f"alert {world.ours.alert}"

    patient_client = app.test_client()
    with database(app) as s:
        sign_in_as(patient_client, s.get(Patient, world.ours.patient))
    settings = plain(patient_client.get("/settings/"))
    assert "Who has looked at your record" in settings
    assert "Clin a, Breast Care" in settings
    assert "Looked at your diary and record" in settings
    assert "Looked at an alert from your diary" in settings


def test_a_patient_with_no_views_is_told_so(app, world):
    client = app.test_client()
    with database(app) as s:
        sign_in_as(client, s.get(Patient, world.theirs.patient))
    assert "Nobody in your treating team has looked at your record" in plain(
        client.get("/settings/")
    )


def test_prompts_listed_on_the_record_say_when_they_were_sent(app, clinician, world):
    with database(app) as s:
        s.execute(update(Prompt).values(sent_at=SYSTEM.now()))
        s.commit()
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "First prompt: sent" in body
    assert "Sent" in plain(clinician.get("/team/"))


def test_the_patient_list_shows_status_account_and_waiting_alerts(app, clinician, world):
    with database(app) as s:
        s.execute(update(Patient).values(password_hash=None))
        s.commit()
    body = plain(clinician.get("/team/patients/"))
    assert "Patient a" in body and "Monitoring" in body and "Not set up yet" in body
    assert "Patient b" not in body

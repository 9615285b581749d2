"""The detection pass writes alerts and prompts: counts, repeat runs, failures, races."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import OperationalError

from tests.detection import faults
from tests.detection.stored import (
    add_patients,
    alert_state,
    count,
    prompt_state,
    resolved,
    store,
    symptom,
)
from tracker.alerts import services
from tracker.alerts.models import OPEN, Alert, AlertEvent, Prompt
from tracker.detection import run as detection_run
from tracker.detection.run import Interrupted, detect
from tracker.rules.catalogue import load_rules

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
RULES = load_rules()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def persistent_cough() -> list:
    """Cough for 21 days (the cough's new_days and persistent_days in rules version 2): new
    and persistent, one `soon` alert."""
    return [symptom(days_ago(n), "cough", 3) for n in (23, 16, 9, 2)]


def lump_today() -> list:
    """A lump: report promptly, `soon`."""
    return [symptom(days_ago(0), "lump", 2)]


def gone_away() -> list:
    """Back pain that the patient marked resolved: no finding."""
    return [symptom(days_ago(10), "bone_pain", 4), resolved(days_ago(9), "bone_pain")]


@pytest.fixture
def six_patients(session):
    """Six patients: four with something to flag, two without."""
    ids = add_patients(session, 6)
    diaries = [persistent_cough(), lump_today(), gone_away(), [], persistent_cough(), lump_today()]
    for pid, rows in zip(ids, diaries, strict=True):
        store(session, pid, rows)
    return ids


def run_pass(sessions, today=TODAY, now=NOW, **kw):
    return detect(sessions, today, RULES, batch_size=2, now=now, **kw)


@contextmanager
def before_each_statement(engine, hook):
    """Call `hook` before each statement any connection of `engine` sends, while inside."""
    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def refuse(victim: int, error: Exception):
    """A fault that raises `error` for one patient's writes."""

    def fault(patient_id: int) -> None:
        if patient_id == victim:
            raise error

    return fault


def test_a_first_run_opens_alerts_and_a_second_leaves_them_unchanged(
    session, sessions, six_patients
):
    first = run_pass(sessions)
    second = run_pass(sessions, now=NOW + timedelta(minutes=5))

    assert (first.patients, first.findings, first.opened, first.updated, first.unchanged) == (
        6,
        4,
        4,
        0,
        0,
    )
    assert (second.patients, second.findings, second.opened, second.updated) == (6, 4, 0, 0)
    assert second.unchanged == 4
    assert first.failed == second.failed == 0
    assert count(session, Alert) == 4
    assert count(session, Prompt) == 4


def test_a_new_reason_updates_the_alert_without_prompting_again(session, sessions, six_patients):
    run_pass(sessions)
    # The first patient now logs a cough severe enough to be flagged `severe` as well.
    store(session, six_patients[0], [symptom(days_ago(0), "cough", 9)])

    later = run_pass(sessions, now=NOW + timedelta(hours=1))

    assert (later.opened, later.updated, later.unchanged) == (0, 1, 3)
    assert count(session, Alert) == 4
    # Still `soon`, so no new prompt: §4 prompts again only when the urgency rises.
    assert count(session, Prompt) == 4


def test_running_twice_gives_no_duplicate_alert_event_or_prompt(session, sessions, six_patients):
    run_pass(sessions)
    state = (alert_state(session), prompt_state(session), count(session, AlertEvent))

    run_pass(sessions)

    assert (alert_state(session), prompt_state(session), count(session, AlertEvent)) == state


def test_each_batch_is_committed_in_order_and_only_then_counted(session, sessions, six_patients):
    seen = []

    def committed_so_far(patients: int) -> None:
        session.rollback()  # a fresh look at what is committed
        seen.append((patients, sorted({row[0] for row in alert_state(session)})))

    summary = run_pass(sessions, progress=committed_so_far)

    first, second, _, _, fifth, sixth = six_patients
    assert seen == [
        (2, [first, second]),
        (2, [first, second]),  # the second batch has no findings
        (2, [first, second, fifth, sixth]),
    ]
    assert (summary.patients, summary.opened) == (6, 4)


def test_a_pass_stopped_half_way_and_run_again_ends_as_one_clean_run(
    session, sessions, six_patients
):
    batches = []

    def stop_after_one_batch() -> bool:
        batches.append(1)
        return len(batches) > 1

    with pytest.raises(Interrupted) as stopped:
        run_pass(sessions, should_stop=stop_after_one_batch)
    assert stopped.value.summary.patients == 2  # one batch of two was written
    assert count(session, Alert) == 2
    run_pass(sessions)
    resumed = (alert_state(session), prompt_state(session))

    _wipe_alerts(session)
    run_pass(sessions)

    assert resumed == (alert_state(session), prompt_state(session))
    assert len(resumed[0]) == 4 and len(resumed[1]) == 4


def test_a_pass_that_crashes_half_way_and_runs_again_ends_as_one_clean_run(
    session, sessions, six_patients, monkeypatch
):
    written = []

    def crash_on_the_third_patient(patient_id):
        written.append(patient_id)
        if len(written) == 3:
            raise SystemExit("killed")  # not an Exception: nothing may catch it

    faults.before_each_write(monkeypatch, crash_on_the_third_patient)
    with pytest.raises(SystemExit):
        run_pass(sessions)
    monkeypatch.undo()
    half = len(alert_state(session))
    run_pass(sessions)
    resumed = (alert_state(session), prompt_state(session))

    _wipe_alerts(session)
    run_pass(sessions)

    assert 0 < half < 4
    assert resumed == (alert_state(session), prompt_state(session))


def test_a_batch_that_cannot_be_read_stops_the_pass_and_a_rerun_completes_it(
    session, sessions, six_patients, monkeypatch
):
    # A read that fails must stop the pass, with every batch before it written and none after.
    real_read = detection_run.read_batch

    def lose_the_database_on_the_second_batch(s, ids, *args):
        if ids[0] == six_patients[2]:
            raise OperationalError("SELECT", {}, ConnectionError("server closed the connection"))
        return real_read(s, ids, *args)

    monkeypatch.setattr(detection_run, "read_batch", lose_the_database_on_the_second_batch)
    with pytest.raises(OperationalError):
        run_pass(sessions)
    assert {a[0] for a in alert_state(session)} == {six_patients[0], six_patients[1]}
    monkeypatch.setattr(detection_run, "read_batch", real_read)
    run_pass(sessions)
    resumed = (alert_state(session), prompt_state(session))

    _wipe_alerts(session)
    run_pass(sessions)

    assert resumed == (alert_state(session), prompt_state(session))
    assert len(resumed[0]) == 4


def _wipe_alerts(session) -> None:
    for model in (Prompt, AlertEvent, Alert):
        session.execute(model.__table__.delete())
    session.commit()


def test_a_patient_whose_diary_makes_the_engine_fail_is_skipped_and_logged_without_detail(
    session, sessions, six_patients, monkeypatch, caplog
):
    victim = six_patients[4]
    store(session, victim, [symptom(days_ago(1), "fatigue", 5)])
    real_assess = detection_run.assess_grouped

    def fail_on_fatigue(days, marks, known, today, rules):
        if "fatigue" in days:
            raise ValueError("fatigue, severity 5, patient@example.test")
        return real_assess(days, marks, known, today, rules)

    monkeypatch.setattr(detection_run, "assess_grouped", fail_on_fatigue)
    with caplog.at_level(logging.ERROR, logger="tracker.detection"):
        summary = run_pass(sessions)

    assert (summary.patients, summary.failed, summary.opened) == (6, 1, 3)
    assert victim not in {row[0] for row in alert_state(session)}
    [record] = caplog.records
    assert record.getMessage() == f"detection skipped patient {victim}: ValueError"
    assert record.exc_info is None


def test_a_patient_whose_alerts_cannot_be_written_is_skipped_and_the_batch_is_kept(
    session, sessions, six_patients, monkeypatch, caplog
):
    victim = six_patients[0]  # first in its batch: the batch's other patient is written
    # The victim's alerts are written, and then fail: in the batch, and again alone.
    faults.before_each_write(monkeypatch, refuse(victim, KeyError("cough")), after=True)
    with caplog.at_level(logging.ERROR, logger="tracker.detection"):
        summary = run_pass(sessions)

    assert (summary.failed, summary.opened) == (1, 3)
    # The victim's half-written alert was rolled back with its savepoint; no one else's was.
    assert victim not in {row[0] for row in alert_state(session)}
    assert len(alert_state(session)) == 3 == len(prompt_state(session))
    assert [r.getMessage() for r in caplog.records] == [
        f"detection skipped patient {victim}: KeyError"
    ]


def test_dates_moved_in_a_batch_that_falls_back_are_still_moved_and_counted_once(
    session, sessions, monkeypatch
):
    moving, failing = add_patients(session, 2)  # one batch of two
    store(session, moving, persistent_cough())
    store(session, failing, persistent_cough())
    run_pass(sessions)
    tomorrow = TODAY + timedelta(days=1)
    # The next day: one cough logged again (only its alert's dates move), one new lump.
    store(session, moving, [symptom(tomorrow, "cough", 3)])
    store(session, failing, [symptom(tomorrow, "lump", 2)])
    faults.before_each_write(monkeypatch, refuse(failing, KeyError("lump")))
    summary = run_pass(sessions, today=tomorrow)

    assert (summary.failed, summary.findings, summary.opened, summary.updated) == (1, 1, 0, 0)
    assert summary.unchanged == 1  # the moved cough, counted once though the batch was redone
    [cough] = [row for row in alert_state(session) if row[0] == moving]
    assert cough[7] == tomorrow  # last_entry
    assert cough[8] == (tomorrow - cough[5]).days  # duration, from episode_start


def test_a_patient_with_nothing_to_write_in_a_batch_that_falls_back_is_counted_unchanged(
    session, sessions, monkeypatch
):
    same, failing = add_patients(session, 2)  # one batch of two
    store(session, same, persistent_cough())
    run_pass(sessions)
    store(session, failing, lump_today())  # a new lump, whose alert cannot be written
    faults.before_each_write(monkeypatch, refuse(failing, KeyError("lump")))

    summary = run_pass(sessions, now=NOW + timedelta(hours=1))

    assert (summary.failed, summary.findings) == (1, 1)
    assert (summary.opened, summary.updated, summary.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("batch_falls_back", [False, True], ids=["batch", "one by one"])
def test_a_patient_with_dates_to_move_and_an_alert_to_open_gets_both_counted_once(
    session, sessions, monkeypatch, batch_falls_back
):
    mixed, other = add_patients(session, 2)  # one batch of two
    store(session, mixed, persistent_cough())
    store(session, other, persistent_cough())
    run_pass(sessions)
    tomorrow = TODAY + timedelta(days=1)
    # The next day: the cough logged again (only its alert's dates move), and a new lump.
    store(session, mixed, [symptom(tomorrow, "cough", 3), symptom(tomorrow, "lump", 2)])
    store(session, other, [symptom(tomorrow, "lump", 2)])
    real_apply = services.apply_findings
    handed = []

    def watch(s, patient_id, findings, *args):
        findings = list(findings)
        handed.append((patient_id, sorted(f.symptom for f in findings)))
        return real_apply(s, patient_id, findings, *args)

    monkeypatch.setattr(services, "apply_findings", watch)
    if batch_falls_back:
        faults.before_each_write(monkeypatch, refuse(other, KeyError("lump")))
    summary = run_pass(sessions, today=tomorrow)

    # In the batch, the cough's dates move and the lumps open together, without apply_findings.
    # Falling back, each patient is redone whole, and each finding is still counted once.
    expected = [(mixed, ["cough", "lump"]), (other, ["cough", "lump"])]
    assert handed == (expected if batch_falls_back else [])
    expected_failed = 1 if batch_falls_back else 0
    assert (summary.failed, summary.opened, summary.updated) == (
        expected_failed,
        2 - expected_failed,
        0,
    )
    # The coughs: the mixed patient's with its dates moved, the other's as it was (unless
    # that patient failed, and counts for nothing).
    assert summary.unchanged == 2 - expected_failed
    mine = {row[1]: row for row in alert_state(session) if row[0] == mixed}
    assert mine["cough"][7] == tomorrow  # last_entry moved
    assert mine["lump"][7] == tomorrow  # opened
    assert count(session, Prompt) == 2 + 2 - expected_failed  # two coughs, then the lumps


def stored_alert(session, pid: int, **changes) -> None:
    """An open `soon` cough alert for persistent_cough()'s episode, without its "persistent"."""
    fields = dict(
        patient_id=pid, symptom_code="cough", status=OPEN, urgency="soon", reasons="new",
        episode_start=days_ago(23), first_entry=days_ago(23), last_entry=days_ago(2),
        duration_days=21, rules_version=RULES.version, opened_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(Alert(**(fields | changes)))
    session.commit()


def events_by(session, actor: str) -> list[tuple]:
    return [
        tuple(row)
        for row in session.execute(
            select(AlertEvent.action, AlertEvent.reasons)
            .where(AlertEvent.actor == actor)
            .order_by(AlertEvent.id)
        )
    ]


@pytest.mark.parametrize("batch_falls_back", [False, True], ids=["batch", "one by one"])
def test_a_new_reason_is_written_and_counted_once(session, sessions, monkeypatch, batch_falls_back):
    gains, failing = add_patients(session, 2)  # one batch of two
    store(session, gains, persistent_cough())
    stored_alert(session, gains)  # yesterday the cough was new; today it is persistent too
    store(session, failing, lump_today())
    real_apply = services.apply_findings
    handed = []

    def watch(s, patient_id, findings, *args):
        handed.append(patient_id)
        return real_apply(s, patient_id, findings, *args)

    monkeypatch.setattr(services, "apply_findings", watch)
    if batch_falls_back:
        faults.before_each_write(monkeypatch, refuse(failing, KeyError("lump")))
    summary = run_pass(sessions)

    # In the batch, the new reason and the lump are written together, without apply_findings.
    assert handed == ([gains, failing] if batch_falls_back else [])
    expected_failed = 1 if batch_falls_back else 0
    assert (summary.failed, summary.updated, summary.unchanged) == (expected_failed, 1, 0)
    assert summary.opened == 1 - expected_failed
    [cough] = [row for row in alert_state(session) if row[0] == gains]
    assert cough[2:5] == (OPEN, "soon", "new,persistent")
    updates = [e for e in events_by(session, "detection") if e[0] == "updated"]
    assert updates == [("updated", "new,persistent")]
    assert count(session, Prompt) == 1 - expected_failed  # the lump's only: no rise, no prompt


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reasons": "new,worrying"}, ("updated", "worrying,new,persistent")),
        ({"status": "acknowledged"}, None),
    ],
    ids=["another reason", "answered"],
)
def test_an_alert_changed_by_someone_else_before_its_new_reason_is_written_is_read_again(
    app, session, sessions, change, expected
):
    [pid] = add_patients(session, 1)
    store(session, pid, persistent_cough())
    stored_alert(session, pid)
    engine = app.extensions["engine"]
    raced = []

    def change_it_first(conn, cursor, statement, parameters, context, executemany):
        # Just before the pass writes the new reason, another writer commits a change to the
        # same alert: a merge on a save, or the patient's answer.
        if raced or "alerts.reasons =" not in statement:
            return
        raced.append(True)
        with engine.connect() as other:
            other.execute(update(Alert).values(**change))
            other.commit()

    with before_each_statement(engine, change_it_first):
        summary = run_pass(sessions)

    assert raced
    [alert] = alert_state(session)
    if expected is None:  # answered for this episode: nothing more to do
        assert (summary.updated, summary.unchanged) == (0, 1)
        assert alert[2:5] == ("acknowledged", "soon", "new")
        assert events_by(session, "detection") == []
    else:  # merged into what the alert says now, not what it said when read
        assert (summary.updated, summary.unchanged) == (1, 0)
        assert alert[2:5] == (OPEN, "soon", expected[1])
        assert events_by(session, "detection") == [expected]


def test_an_alert_opened_by_someone_else_mid_pass_is_merged_not_duplicated(app, session, sessions):
    [pid] = add_patients(session, 1)
    store(session, pid, persistent_cough())
    engine = app.extensions["engine"]
    raced = []

    def open_the_same_alert_first(conn, cursor, statement, parameters, context, executemany):
        # Just before the pass inserts its alert, another writer (the web app, say) commits
        # an open alert for the same patient and symptom, on a connection of its own.
        if raced or "INSERT INTO ALERTS" not in statement.upper():
            return
        raced.append(True)
        with engine.connect() as other:
            other.execute(
                insert(Alert).values(
                    patient_id=pid,
                    symptom_code="cough",
                    episode_start=days_ago(23),
                    first_entry=days_ago(23),
                    last_entry=days_ago(2),
                    duration_days=21,
                    urgency="soon",
                    reasons="new,persistent",
                    rules_version=RULES.version,
                    status=OPEN,
                    opened_at=NOW,
                    updated_at=NOW,
                )
            )
            other.commit()

    with before_each_statement(engine, open_the_same_alert_first):
        summary = run_pass(sessions)

    assert raced
    assert (summary.failed, summary.opened, summary.unchanged) == (0, 0, 1)
    [alert] = alert_state(session)
    assert alert[:4] == (pid, "cough", OPEN, "soon")


def test_a_resolved_mark_in_the_diary_answers_the_alert_and_no_reprompt_follows(session, sessions):
    """§4: "A resolved mark saved in the diary for that symptom is the same answer as 'this has
    gone away': no re-prompt follows it" (a fracture was re-prompted 4 days after the patient
    said in the diary it had gone)."""
    [pid] = add_patients(session, 1)
    store(session, pid, [symptom(days_ago(3), "fracture", 6)])
    run_pass(sessions)
    [alert] = session.scalars(select(Alert).where(Alert.patient_id == pid)).all()
    assert alert.status == OPEN
    # Saved by a save path that stopped before it answered the alert: the pass answers it.
    store(session, pid, [resolved(days_ago(2), "fracture")])
    for days in (1, 7, 14, 21):
        run_pass(sessions, today=TODAY + timedelta(days=days), now=NOW + timedelta(days=days))
    session.expire_all()
    [alert] = session.scalars(select(Alert).where(Alert.patient_id == pid)).all()
    assert alert.status == "resolved"
    assert [p.reprompt for p in session.scalars(select(Prompt))] == [0]
    answered = [e for e in alert.events if e.action == "resolved"]
    assert [e.actor for e in answered] == [f"patient:{pid}"]


def test_a_resolved_mark_before_the_alerts_last_entry_leaves_it_open(session, sessions):
    [pid] = add_patients(session, 1)
    store(session, pid, [resolved(days_ago(9), "fracture"), symptom(days_ago(3), "fracture", 6)])
    run_pass(sessions)
    run_pass(sessions, today=TODAY + timedelta(days=7), now=NOW + timedelta(days=7))
    [alert] = session.scalars(select(Alert).where(Alert.patient_id == pid)).all()
    assert alert.status == OPEN
    assert [p.reprompt for p in session.scalars(select(Prompt))] == [0, 1]

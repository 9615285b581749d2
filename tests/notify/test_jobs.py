"""The thin job modules the scheduler calls: an app context, a use case, counts back."""

from __future__ import annotations

from jobs import dispatch as dispatch_job
from jobs import remind as remind_job
from tests.notify.conftest import add_patient, add_prompt, outbox
from tracker.clock import SYSTEM


def test_the_dispatch_job_sends_what_is_due(app, session):
    patient = add_patient(session)
    add_prompt(session, patient.id, at=SYSTEM.now())  # due now, in real time

    summary = dispatch_job.run(app)

    assert summary.prompts == 1 and summary.claimed + summary.held == 2


def test_the_remind_job_runs_a_pass(app, session):
    add_patient(session)

    summary = remind_job.run(app)

    assert summary.patients == 1
    assert len(outbox(session)) == summary.queued

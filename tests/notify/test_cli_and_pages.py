"""`outbox`, one `dispatch` or `remind` pass by hand, the development outbox page, settings."""

from __future__ import annotations

import json

from tests.conftest import reconfigure
from tests.notify.conftest import EMAIL, MOBILE, add_patient, add_prompt, outbox
from tracker.notify.cli import dispatch_command
from tracker.patients.cli import remind_command


def test_dispatch_with_now_runs_as_if_at_that_local_time(app, session):
    patient = add_patient(session)
    add_prompt(session, patient.id)  # due 2026-11-23 10:00 UTC (10:00 in London)
    runner = app.test_cli_runner()

    night = runner.invoke(dispatch_command, ["--now", "2026-11-23T22:30", "--json"])
    morning = runner.invoke(dispatch_command, ["--now", "2026-11-24T08:00", "--json"])

    assert night.exit_code == 0, night.output
    assert json.loads(night.output.splitlines()[-1])["held"] == 2
    assert json.loads(morning.output.splitlines()[-1])["sent"] == 2  # the console channel
    assert "sms message" in morning.output and "email message" in morning.output  # printed


def test_remind_with_now_queues_the_reminders_due(app, session):
    add_patient(session)

    result = app.test_cli_runner().invoke(remind_command, ["--now", "2026-11-23T10:05", "--json"])

    assert result.exit_code == 0
    assert json.loads(result.output.splitlines()[-1])["queued"] == 2


def test_outbox_lists_messages_without_addresses_or_text_unless_asked(app, session):
    patient = add_patient(session)
    add_prompt(session, patient.id)
    app.test_cli_runner().invoke(dispatch_command, ["--now", "2026-11-23T10:00"])
    runner = app.test_cli_runner()

    plain = runner.invoke(args=["outbox"])
    as_json = runner.invoke(args=["outbox", "--json"])
    bodies = runner.invoke(args=["outbox", "--bodies"])

    assert plain.exit_code == as_json.exit_code == bodies.exit_code == 0
    for output in (plain.output, as_json.output):
        assert MOBILE not in output and EMAIL not in output
        assert "Details are in your diary" not in output
    rows = json.loads(as_json.output)
    assert {(r["channel"], r["status"], r["attempts"]) for r in rows} == {
        ("sms", "delivered", 1),  # the console channel delivers at once
        ("email", "delivered", 1),
    }
    assert "Details are in your diary" in bodies.output
    assert MOBILE not in bodies.output  # the text, never the address


def test_the_development_outbox_page_shows_console_messages_only_here(app, session, client):
    patient = add_patient(session)
    add_prompt(session, patient.id)
    app.test_cli_runner().invoke(dispatch_command, ["--now", "2026-11-23T10:00"])

    local = client.get("/dev/outbox", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    remote = client.get("/dev/outbox", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    reconfigure(app, env="production")
    production = client.get("/dev/outbox", environ_base={"REMOTE_ADDR": "127.0.0.1"})

    assert local.status_code == 200 and "Details are in your diary" in local.get_data(True)
    assert remote.status_code == production.status_code == 404
    assert len(outbox(session, transport="console")) == 2


def test_in_production_the_console_channel_refuses_so_failures_show(app, session):
    reconfigure(app, env="production")
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)

    app.test_cli_runner().invoke(dispatch_command, ["--now", "2026-11-23T10:00"])

    [message] = outbox(session)
    assert (message.status, message.last_error_code) == ("queued", "not_configured")

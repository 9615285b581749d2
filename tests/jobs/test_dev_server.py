"""`make run` starts the scheduler inside the development server: in its serving child, once."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

import jobs.dev
import jobs.scheduler
from tracker import config as tracker_config
from tracker import create_app

SERVING_CHILD = {"TRACKER_JOBS_IN_WEB": "1", "WERKZEUG_RUN_MAIN": "true"}


def dev_app(**config) -> Flask:
    app = Flask("dev")
    app.config.update({"TRACKER_ENV": "development", **config})
    return app


@pytest.mark.parametrize(
    "environ, config, expected",
    [
        (SERVING_CHILD, {}, True),
        ({"TRACKER_JOBS_IN_WEB": "1"}, {}, False),  # the reloader's parent, or no reloader
        ({"WERKZEUG_RUN_MAIN": "true"}, {}, False),  # `flask run --debug` without make run
        ({**SERVING_CHILD, "TRACKER_JOBS_IN_WEB": "0"}, {}, False),
        ({"WERKZEUG_RUN_MAIN": "true"}, {"JOBS_IN_WEB": True}, True),
        (SERVING_CHILD, {"JOBS_IN_WEB": False}, False),
        (SERVING_CHILD, {"TRACKER_ENV": "production"}, False),  # never in production workers
        (SERVING_CHILD, {"TESTING": True}, False),
    ],
)
def test_the_scheduler_is_wanted_only_in_the_serving_child_of_make_run(environ, config, expected):
    assert jobs.dev.wanted(dev_app(**config), environ) is expected


class FakeScheduler:
    def __init__(self):
        self.started = 0
        self.shut_down = 0

    def start(self):
        self.started += 1

    def shutdown(self, wait=True):
        self.shut_down += 1


@pytest.fixture
def fresh_process(monkeypatch):
    """This process as if nothing had started a scheduler yet; built schedulers recorded."""
    built: list[FakeScheduler] = []

    def build(app, stop):
        built.append(FakeScheduler())
        return built[-1]

    monkeypatch.setattr(jobs.dev, "_started", threading.Event())
    monkeypatch.setattr(jobs.scheduler, "build_scheduler", build)
    monkeypatch.setattr(jobs.dev.atexit, "register", lambda *a: None)
    return built


def test_the_serving_child_starts_one_scheduler_however_many_apps_it_builds(
    fresh_process, monkeypatch
):
    for name, value in SERVING_CHILD.items():
        monkeypatch.setenv(name, value)

    started = [jobs.dev.start_in_dev_server(dev_app()) for _ in range(3)]

    assert started == [True, False, False]
    assert [s.started for s in fresh_process] == [1]


def test_without_the_reloader_child_marker_nothing_starts(fresh_process, monkeypatch):
    monkeypatch.setenv("TRACKER_JOBS_IN_WEB", "1")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)

    assert jobs.dev.start_in_dev_server(dev_app()) is False
    assert fresh_process == []


def test_create_app_asks_for_the_dev_scheduler_only_when_the_flag_is_set(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs.dev, "start_in_dev_server", calls.append)
    monkeypatch.delenv("TRACKER_JOBS_IN_WEB", raising=False)
    config = tracker_config.test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))

    create_app(config)
    assert calls == []
    app = create_app({**config, "JOBS_IN_WEB": True})
    assert calls == [app]

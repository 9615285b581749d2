"""`make run` starts the scheduler inside the development server: in its serving child, once."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

import jobs.dev
import jobs.scheduler
from tests.test_config import OWNER
from tracker import config, create_app
from tracker.config import for_tests, from_environment

SERVING_CHILD = {"TRACKER_JOBS_IN_WEB": "1", "WERKZEUG_RUN_MAIN": "true"}
# Production needs a secret key (the others make one in the instance folder) and who runs it.
PRODUCTION = {"TRACKER_ENV": "production", "SECRET_KEY": "k" * 64, **OWNER}


@pytest.mark.parametrize(
    "environ, expected",
    [
        (SERVING_CHILD, True),
        ({"TRACKER_JOBS_IN_WEB": "1"}, False),  # the reloader's parent, or no reloader
        ({"WERKZEUG_RUN_MAIN": "true"}, False),  # `flask run --debug` without make run
        ({**SERVING_CHILD, "TRACKER_JOBS_IN_WEB": "0"}, False),
        ({**SERVING_CHILD, **PRODUCTION}, False),  # never in production workers
    ],
)
def test_the_scheduler_is_wanted_only_in_the_serving_child_of_make_run(environ, expected, tmp_path):
    settings = from_environment({**environ, "TRACKER_INSTANCE_PATH": str(tmp_path)})
    assert jobs.dev.wanted(settings) is expected


def test_the_scheduler_is_never_wanted_in_the_tests(tmp_path):
    settings = for_tests("sqlite://", str(tmp_path), web={"jobs_in_web": True})
    assert jobs.dev.wanted(config.changed(settings, web={"reloader_child": True})) is False


def dev_app(tmp_path, **environ) -> Flask:
    app = Flask("dev")
    env = {**environ, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    config.init_app(app, from_environment(env))
    return app


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
    fresh_process, tmp_path
):
    started = [jobs.dev.start_in_dev_server(dev_app(tmp_path, **SERVING_CHILD)) for _ in range(3)]

    assert started == [True, False, False]
    assert [s.started for s in fresh_process] == [1]


def test_without_the_reloader_child_marker_nothing_starts(fresh_process, tmp_path):
    app = dev_app(tmp_path, TRACKER_JOBS_IN_WEB="1")
    assert jobs.dev.start_in_dev_server(app) is False
    assert fresh_process == []


def test_create_app_asks_for_the_dev_scheduler_only_when_the_flag_is_set(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs.dev, "start_in_dev_server", calls.append)
    settings = for_tests(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))

    create_app(settings)
    assert calls == []
    app = create_app(config.changed(settings, web={"jobs_in_web": True}))
    assert calls == [app]

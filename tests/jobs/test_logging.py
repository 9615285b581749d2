"""The jobs process logs without health detail: exception messages are withheld."""

from __future__ import annotations

import logging
import select
import signal
import subprocess
import time

from jobs import scheduler
from tests.jobs.conftest import process_env, start

# A constant, so the traceback's source line shows its name, not its words.
DATABASE_ERROR = "Key (patient_id, symptom_code)=(12, coughing_blood) already exists"


def test_a_job_that_fails_is_logged_with_its_frames_but_not_its_message(app, capsys):
    root = logging.getLogger()
    level, app_handlers = root.level, list(app.logger.handlers)
    scheduler._log_to_stderr(app)
    scheduler._log_to_stderr(app)  # once only, however often it is called
    added = [h for h in root.handlers if isinstance(h, scheduler._JobsLogHandler)]
    try:
        assert len(added) == 1
        try:
            raise ValueError(DATABASE_ERROR)
        except ValueError:
            logging.getLogger("apscheduler.executors.default").exception("Job raised")
    finally:
        for handler in added:
            root.removeHandler(handler)
        root.setLevel(level)
        app.logger.handlers[:] = app_handlers  # a logger is the whole process's

    err = capsys.readouterr().err
    assert "Job raised" in err
    assert "ValueError: [message withheld]" in err
    assert "coughing_blood" not in err


# The scheduler process as `python -m jobs` starts it, with one record from each kind of logger
# once it is running. Then it says so on stdout, and the test sends SIGTERM from outside, as a
# supervisor does.
ONE_RECORD_EACH = f"""
import logging, signal, threading, time
from jobs.__main__ import main

def log_then_say_so():
    signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGTERM}})  # the main thread's to handle
    while signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        time.sleep(0.01)
    logging.getLogger("tracker.notify.prompts").warning("one record from the app")
    logging.getLogger("jobs.dispatch").info("one record from a job")
    logging.getLogger("apscheduler.scheduler").info("one record from APScheduler")
    try:
        raise ValueError({DATABASE_ERROR!r})
    except ValueError:
        logging.getLogger("tracker.detection.run").exception("one failure in the app")
    print("logged", flush=True)

threading.Thread(target=log_then_say_so, daemon=True).start()
main()
"""


def _wait_for_line(proc: subprocess.Popen, expected: str, seconds: float) -> None:
    """Read the child's stdout until `expected`, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if ready and proc.stdout.readline().strip() == expected:
            return
        if proc.poll() is not None:
            break
    raise AssertionError(f"the process did not say {expected!r}")


def test_the_scheduler_process_writes_each_record_once_and_no_exception_message(
    own_database, tmp_path
):
    url, _sessions = own_database
    proc = start(["-c", ONE_RECORD_EACH], process_env(url, tmp_path))
    try:
        _wait_for_line(proc, "logged", 60)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()

    assert proc.returncode == 0, err[-2000:]
    lines = err.splitlines()
    for text in (
        "one record from the app",
        "one record from a job",
        "one record from APScheduler",
        "one failure in the app",
        "scheduler stopped",
    ):
        assert len([line for line in lines if text in line]) == 1, (text, err[-2000:])
    assert "coughing_blood" not in err
    assert "ValueError: [message withheld]" in err

"""The jobs process logs without health detail: exception messages are withheld."""

from __future__ import annotations

import logging

from jobs import scheduler

# A constant, so the traceback's source line shows its name, not its words.
DATABASE_ERROR = "Key (patient_id, symptom_code)=(12, coughing_blood) already exists"


def test_a_job_that_fails_is_logged_with_its_frames_but_not_its_message(capsys):
    root = logging.getLogger()
    level = root.level
    scheduler._log_to_stderr()
    scheduler._log_to_stderr()  # once only, however often it is called
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

    err = capsys.readouterr().err
    assert "Job raised" in err
    assert "ValueError: [message withheld]" in err
    assert "coughing_blood" not in err

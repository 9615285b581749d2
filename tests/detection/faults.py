"""Faults injected where the detection pass writes a patient's alerts.

A batch's new alerts are written in one statement (`_open_alerts`); anything else a patient
needs goes through `apply_findings`. A fault for one patient in the batch statement fails the
whole statement, as a database error there would, and the batch is redone one patient at a time.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.detection import run as detection_run


def before_each_write(monkeypatch, fault: Callable[[int], None], *, bulk_only: bool = False):
    """Call `fault(patient_id)`, which may raise, before each patient's alerts are written.

    `bulk_only`: only in the batch's statement, for a test that wraps `apply_findings` itself.
    """
    real_open = detection_run._open_alerts
    real_apply = detection_run.apply_findings

    def open_alerts(s, opens, now):
        for patient_id, _finding in opens:
            fault(patient_id)
        return real_open(s, opens, now)

    def apply_findings(s, patient_id, findings, *args):
        fault(patient_id)
        return real_apply(s, patient_id, findings, *args)

    monkeypatch.setattr(detection_run, "_open_alerts", open_alerts)
    if not bulk_only:
        monkeypatch.setattr(detection_run, "apply_findings", apply_findings)

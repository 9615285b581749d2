"""Faults injected where a patient's alerts are written.

Every write of alerts goes through `carry_out` (`tracker.alerts.changes`), as the alerts'
services call it: once for a detection batch's patients together, and, if that fails, once for
each patient redone alone (`apply_findings`). A fault for one patient in the batch fails the
whole batch, as a database error there would, and the batch is redone one patient at a time.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.alerts import services
from tracker.alerts.lifecycle import UNCHANGED


def before_each_write(monkeypatch, fault: Callable[[int], None], *, after: bool = False):
    """Call `fault(patient_id)`, which may raise, for each patient whose alerts are written,
    before they are written (or, with `after`, once they are)."""
    real = services.carry_out

    def carry_out(s, decided, *args):
        decided = list(decided)
        writing = dict.fromkeys(pid for pid, action in decided if action.kind != UNCHANGED)
        if not after:
            for patient_id in writing:
                fault(patient_id)
        outcome = real(s, decided, *args)
        if after:
            for patient_id in writing:
                fault(patient_id)
        return outcome

    monkeypatch.setattr(services, "carry_out", carry_out)

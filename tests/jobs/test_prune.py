"""The hourly prune job deletes sign-in failures too old to count, and only those."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from jobs.prune import prune_sign_in_failures
from tracker import config
from tracker.auth.models import SignInFailure
from tracker.clock import SYSTEM


def test_prune_deletes_only_failures_older_than_the_window(app, session):
    window = config.of(app).sign_in.window
    now = SYSTEM.now()
    session.add_all(
        [
            SignInFailure(
                kind="account", key_hash="a" * 64, at=now - window - timedelta(minutes=1)
            ),
            SignInFailure(
                kind="address", key_hash="b" * 64, at=now - window + timedelta(minutes=1)
            ),
        ]
    )
    session.commit()

    assert prune_sign_in_failures(app) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1

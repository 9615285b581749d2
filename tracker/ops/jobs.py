"""Record a scheduled job's success, for `tracker_job_last_success_timestamp_seconds`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.db import insert_on_conflict
from tracker.ops.models import JobSuccess


def record_success(sessions: sessionmaker[Session], job: str, at: datetime) -> None:
    """Say that `job` succeeded at `at` (one row per job, overwritten by a later success)."""
    with sessions() as s, s.begin():
        insert = insert_on_conflict(s)(JobSuccess).values(job=job, succeeded_at=at)
        # Two jobs processes may both record the same job: the later time wins.
        s.execute(
            insert.on_conflict_do_update(
                index_elements=[JobSuccess.job],
                set_={"succeeded_at": insert.excluded.succeeded_at},
                where=JobSuccess.succeeded_at < insert.excluded.succeeded_at,
            )
        )


def last_successes(s: Session) -> dict[str, datetime]:
    """Each job's latest success."""
    return {row.job: row.succeeded_at for row in s.scalars(select(JobSuccess))}

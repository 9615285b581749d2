"""Runs of scheduled jobs, recorded so that each daily run happens exactly once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db import Base, UTCDateTime

RUNNING = "running"
DONE = "done"
# The pass raised, or was asked to stop (SIGTERM) between batches: either way it may be run
# again, and running it again is safe because applying findings is idempotent per patient.
FAILED = "failed"
INTERRUPTED = "interrupted"
RUN_STATUSES = (RUNNING, DONE, FAILED, INTERRUPTED)


class JobRun(Base):
    """One run of a job. The unique (job, run_key) is the claim: one row per daily run.

    Daily runs use the local date as run_key, so a second scheduler (or the same run started
    twice) fails to insert and leaves the run alone. Manual runs get a run_key of their own.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "run_key"),
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    run_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    # host:pid of the process running it: enough to find it, nothing about anyone's health.
    owner: Mapped[str] = mapped_column(String(120))
    as_of: Mapped[date] = mapped_column(Date)  # the `today` the pass assessed diaries on
    attempts: Mapped[int] = mapped_column(SmallInteger, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    patients: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[int | None] = mapped_column(Integer)
    opened: Mapped[int | None] = mapped_column(Integer)
    updated: Mapped[int | None] = mapped_column(Integer)
    unchanged: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<JobRun {self.job} {self.run_key} {self.status}>"

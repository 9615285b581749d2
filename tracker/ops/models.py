"""When each scheduled job last finished without error, written by the jobs process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db import Base, UTCDateTime


class JobSuccess(Base):
    """One row per job (the scheduler's job id): the time of its latest success."""

    __tablename__ = "job_successes"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    succeeded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

"""The team workspace's pages, under /team/. One blueprint, in modules by subject."""

from __future__ import annotations

from tracker.team.views import (
    admin,
    alerts,
    conditions,
    exports,
    patients,
    requests,
    sign_in,
)
from tracker.team.views.common import bp

__all__ = ["admin", "alerts", "bp", "conditions", "exports", "patients", "requests", "sign_in"]

"""Fixtures for detection tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def sessions(app):
    """The app's session factory, as the detection pass takes it."""
    return app.extensions["sessionmaker"]

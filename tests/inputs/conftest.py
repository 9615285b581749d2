"""What every bad-input test needs: the team side's world, and the database as plain values.

The team fixtures live in tests/team/conftest.py; importing them here makes them fixtures of
this folder too (quick_hashing is autouse, as there).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.team.conftest import (  # noqa: F401 (fixtures)
    World,
    clinician,
    database,
    make_staff,
    quick_hashing,
    staff_sign_in_as,
    team_admin,
    world,
)
from tracker.models import Base


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: equal snapshots mean nothing was written."""
    with database(app) as s:
        tables = {}
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [tuple(row) for row in s.execute(select(table).order_by(*key))]
        return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def error_beside(body: str, field_id: str) -> str:
    """The error message the design system renders beside the field (or group) `field_id`."""
    pattern = r'id="' + re.escape(field_id) + r'-error">\s*<span[^>]*>Error:\s*</span>(.*?)</span>'
    match = re.search(pattern, body, re.S)
    assert match, f"no error message beside {field_id}"
    return re.sub(r"\s+", " ", match.group(1)).strip()


@pytest.fixture
def service_admin(app, world: World):  # noqa: F811 (the fixture)
    """A client signed in as a service administrator (the directory's pages)."""
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", name="Alex Directory", service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    return client

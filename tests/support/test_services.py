"""The directory's use cases: search (and the nationwide rule), changes and their record, stale."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.support.helpers import TODAY, make_service, raw_service
from tracker.support.models import SupportServiceChange
from tracker.support.postcodes import parse_place
from tracker.support.services import (
    Search,
    SupportError,
    edit_service,
    for_prompt,
    history,
    is_stale,
    mark_checked,
    retire_service,
    search,
    stale,
)
from tracker.support.validation import clean_service


@pytest.fixture
def directory(session):
    """A small directory: one nationwide helpline, services in LS, LS6, LS7 and M, one retired."""
    services = {
        "helpline": make_service(
            session,
            name="National Example Helpline",
            kind="helpline",
            areas="nationwide",
            description="Nurses to talk to about secondary breast cancer.",
            tags="secondary breast cancer",
        ),
        "ls_hospice": make_service(
            session, name="Leeds Example Hospice", kind="hospice", areas="LS"
        ),
        "ls6_group": make_service(
            session,
            name="Headingley Example Group",
            kind="support_group",
            areas="LS6",
            tags="young women; fear of recurrence",
        ),
        "ls7_group": make_service(
            session, name="Chapel Example Group", kind="support_group", areas="LS7"
        ),
        "m_carers": make_service(
            session,
            name="Manchester Example Carers",
            kind="carers",
            areas="M1, M2",
            description="For carers & families (100% free)",
        ),
        "retired": make_service(session, name="Old Example Service", areas="nationwide"),
    }
    retire_service(session, services["retired"], "test")
    session.commit()
    return services


def names(results):
    return [s.name for s in results]


def find(session, kind=None, area=None, words=""):
    return names(search(session, Search(kind=kind, place=parse_place(area), words=words)))


def test_an_empty_search_lists_every_listed_service(session, directory):
    assert sorted(find(session)) == sorted(
        s.name for key, s in directory.items() if key != "retired"
    )


def test_search_by_kind(session, directory):
    assert find(session, kind="support_group") == [
        "Chapel Example Group",
        "Headingley Example Group",
    ]
    assert find(session, kind="palliative_care") == []


def test_a_district_finds_its_own_services_its_areas_and_nationwide_ones_local_first(
    session, directory
):
    assert find(session, area="LS6 1AN") == [
        "Headingley Example Group",  # LS6
        "Leeds Example Hospice",  # all of LS
        "National Example Helpline",  # nationwide, last
    ]


def test_an_area_finds_every_service_in_it(session, directory):
    assert find(session, area="LS") == [
        "Chapel Example Group",
        "Headingley Example Group",
        "Leeds Example Hospice",
        "National Example Helpline",
    ]


def test_nationwide_services_show_for_every_area(session, directory):
    for area in ("M1", "ZE1", "BT7 1NN", "L", "SW1A"):
        assert "National Example Helpline" in find(session, area=area)
    assert find(session, area="ZE1") == ["National Example Helpline"]
    assert find(session, area="L1") == ["National Example Helpline"]  # L is not LS


def test_search_by_words_matches_name_description_tags_and_kind(session, directory):
    assert find(session, words="young") == ["Headingley Example Group"]
    assert find(session, words="FEAR of Recurrence") == ["Headingley Example Group"]
    assert find(session, words="secondary") == ["National Example Helpline"]
    assert find(session, words="hospice") == ["Leeds Example Hospice"]
    assert find(session, words="carers, families!") == ["Manchester Example Carers"]
    assert find(session, words="young", area="M1") == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("%", ["Manchester Example Carers"]),  # "100% free": the sign itself, not a wildcard
        ("100%", ["Manchester Example Carers"]),
        ("&", ["Manchester Example Carers"]),
        ("_", []),
        ("%%%_", []),
        ("'", []),
        ('"', []),
        ("\\", []),
        ("<script>", []),
        ("é", []),
        ("∑", []),
    ],
)
def test_odd_characters_are_searched_for_as_text(session, directory, words, expected):
    assert find(session, words=words) == expected


def test_retired_services_are_never_found(session, directory):
    assert "Old Example Service" not in find(session)
    assert "Old Example Service" not in names(for_prompt(session=session, limit=10))


def test_adding_is_recorded_with_every_field(session):
    service = make_service(session, actor="cli:import")
    (change,) = history(session, service)
    assert (change.actor, change.action, change.service_id) == ("cli:import", "added", service.id)
    assert change.changes["name"] == "Leeds Example Group"
    assert change.changes["areas"] == ["LS6"]
    assert change.changes["last_checked"] == "2026-06-01"
    assert change.at is not None


def test_editing_records_what_changed_from_and_to(session):
    service = make_service(session)
    data, _ = clean_service(raw_service(phone="0808 157 0999", areas="LS6, LS7"), TODAY)
    changes = edit_service(session, service, data, "staff:12")
    session.commit()
    assert changes == {
        "phone": {"from": "0113 496 0001", "to": "0808 157 0999"},
        "areas": {"from": ["LS6"], "to": ["LS6", "LS7"]},
    }
    last = history(session, service)[-1]
    assert (last.actor, last.action, last.changes) == ("staff:12", "edited", changes)
    session.expire_all()
    assert service.areas == ("LS6", "LS7") and service.phone == "0808 157 0999"


def test_an_edit_that_changes_nothing_records_nothing(session):
    service = make_service(session)
    data, _ = clean_service(raw_service(), TODAY)
    assert edit_service(session, service, data, "staff:12") == {}
    session.commit()
    assert [c.action for c in history(session, service)] == ["added"]


def test_retiring_and_checking_are_recorded_and_a_retired_service_is_frozen(session):
    service = make_service(session, needs_check="yes", last_checked="")
    mark_checked(session, service, "staff:3", date(2026, 11, 20))
    retire_service(session, service, "staff:4")
    session.commit()
    checked, retired = history(session, service)[1:]
    assert checked.action == "checked" and checked.changes == {
        "last_checked": {"from": None, "to": "2026-11-20"},
        "needs_check": {"from": True, "to": False},
    }
    assert (retired.action, retired.actor) == ("retired", "staff:4")
    assert retired.changes["retired_at"]["from"] is None
    data, _ = clean_service(raw_service(), TODAY)
    with pytest.raises(SupportError):
        edit_service(session, service, data, "staff:4")
    with pytest.raises(SupportError):
        retire_service(session, service, "staff:4")


def test_the_record_of_changes_is_append_only(session):
    service = make_service(session)
    change = session.scalar(
        select(SupportServiceChange).where(SupportServiceChange.service_id == service.id)
    )
    change.actor = "someone else"
    with pytest.raises(ValueError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(session.get(SupportServiceChange, change.id))
    with pytest.raises(ValueError, match="append-only"):
        session.flush()
    session.rollback()


def test_services_not_checked_for_12_months_are_stale(session):
    make_service(session, name="Checked last week", last_checked="2026-11-14")
    make_service(session, name="Checked a year and a day ago", last_checked="2025-11-20")
    make_service(session, name="Checked exactly a year ago", last_checked="2025-11-21")
    make_service(session, name="Checked 11 months ago", last_checked="2025-12-21")
    make_service(session, name="Never checked", last_checked="", needs_check="yes")
    retired = make_service(session, name="Retired and never checked", last_checked="")
    retire_service(session, retired, "test")
    session.commit()
    assert names(stale(session, TODAY)) == [
        "Never checked",
        "Checked a year and a day ago",
        "Checked exactly a year ago",
    ]
    assert [is_stale(s, TODAY) for s in stale(session, TODAY)] == [True, True, True]
    assert names(stale(session, date(2024, 2, 29))) == ["Never checked"]  # a leap day


def test_for_prompt_puts_nationwide_helplines_first_then_local_services(session, directory):
    make_service(session, name="A National Example Group", kind="support_group", areas="nationwide")
    assert names(for_prompt(session=session)) == [
        "National Example Helpline",
        "A National Example Group",
    ]
    assert names(for_prompt("LS6 1AN", limit=3, session=session)) == [
        "National Example Helpline",
        "Headingley Example Group",
        "Leeds Example Hospice",
    ]
    assert names(for_prompt("not a postcode", limit=1, session=session)) == [
        "National Example Helpline"
    ]
    assert for_prompt(limit=0, session=session) == []

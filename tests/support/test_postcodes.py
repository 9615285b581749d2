"""Postcodes as people type them: full, district or area, any case and spacing."""

from __future__ import annotations

import pytest

from tracker.support.postcodes import Place, PostcodeError, area_of, parse_area_code, parse_place


@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("LS6 1AN", Place("LS", "LS6")),
        ("ls61an", Place("LS", "LS6")),
        ("  Ls6   1an ", Place("LS", "LS6")),
        ("LS6", Place("LS", "LS6")),
        ("ls", Place("LS", None)),
        ("SW1A 1AA", Place("SW", "SW1A")),
        ("EC1A1BB", Place("EC", "EC1A")),
        ("M1 1AE", Place("M", "M1")),
        ("B33 8TH", Place("B", "B33")),
        ("BT1", Place("BT", "BT1")),
    ],
)
def test_a_postcode_becomes_its_area_and_district(typed, place):
    assert parse_place(typed) == place


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_nothing_typed_is_no_place(typed):
    assert parse_place(typed) is None


@pytest.mark.parametrize(
    "typed", ["<script>", "QQ1 1AA", "12345", "LS6 1A", "%", "LS 6 1AN 7", "ZZ", "'; drop"]
)
def test_anything_else_is_refused_with_a_message(typed):
    with pytest.raises(PostcodeError, match="Enter a UK postcode"):
        parse_place(typed)


def test_area_codes_for_services_are_upper_cased_and_never_full_postcodes():
    assert parse_area_code(" ls6 ") == "LS6"
    assert parse_area_code("Ls") == "LS"
    for bad in ("LS6 1AN", "QQ", "6"):
        with pytest.raises(PostcodeError):
            parse_area_code(bad)
    assert area_of("LS6") == "LS" and area_of("L6") == "L" and area_of("SW1A") == "SW"

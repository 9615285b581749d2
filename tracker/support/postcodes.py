"""UK postcodes, as far as the directory needs them: areas ("LS") and districts ("LS6").

A person may type a full postcode ("ls6 1an"), a district ("LS6") or an area ("LS"). We keep only
the area and the district: the rest would say more about where someone lives than we need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Every postcode area in the UK, with the Crown Dependencies (GY, JE, IM) that share the system.
_AREA_LIST = """
    AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
    E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE
    LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL
    SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
"""
AREAS = frozenset(_AREA_LIST.split())

_AREA = re.compile(r"[A-Z]{1,2}")
_DISTRICT = re.compile(r"([A-Z]{1,2})([0-9][A-Z0-9]?)")
_FULL = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")

EXAMPLE = "LS6 1AN"


class PostcodeError(ValueError):
    """A message for the person who typed the postcode."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where someone is looking for support: an area, and the district when we know it."""

    area: str
    district: str | None = None

    @property
    def code(self) -> str:
        return self.district or self.area


def parse_place(raw: str | None) -> Place | None:
    """A full postcode, a district or an area, as a Place; None when left blank.

    Raises PostcodeError when it is not a UK postcode or the start of one.
    """
    text = re.sub(r"\s+", "", (raw or "")).upper()
    if not text:
        return None
    full = _FULL.fullmatch(text)
    if full:
        text = full.group(1)
    district = _DISTRICT.fullmatch(text)
    if district and district.group(1) in AREAS:
        return Place(area=district.group(1), district=text)
    if _AREA.fullmatch(text) and text in AREAS:
        return Place(area=text)
    raise PostcodeError(
        f"Enter a UK postcode, like {EXAMPLE}, or the first part of one, like LS6 or LS"
    )


def parse_area_code(raw: str) -> str:
    """One area or district a service serves, upper-cased: "ls6" -> "LS6", "Ls" -> "LS".

    Full postcodes are refused here: a service serves areas, not single streets.
    """
    text = (raw or "").strip().upper()
    district = _DISTRICT.fullmatch(text)
    if district and district.group(1) in AREAS:
        return text
    if _AREA.fullmatch(text) and text in AREAS:
        return text
    raise PostcodeError(f"“{raw.strip()[:20]}” is not a UK postcode area (like LS) or district")


def area_of(code: str) -> str:
    """The area a normalised code belongs to: "LS6" -> "LS", "LS" -> "LS"."""
    match = re.match(r"[A-Z]{1,2}", code)
    return match.group(0) if match else code

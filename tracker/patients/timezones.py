"""Time zones a patient may choose (their diary is kept in their own local days)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    """True for an IANA zone name such as "Europe/Dublin".

    Looked up in the list of names, never by opening it: ZoneInfo("Europe") opens a folder and
    raises IsADirectoryError, and a name of 300 characters raises OSError (found by sqlmap).
    """
    return name in _zone_names()

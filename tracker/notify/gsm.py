"""The GSM 03.38 alphabet: what a text may contain so that it costs what it looks like.

One character outside it (a curly quote, an en dash, a non-breaking space) turns the whole text
into UCS-2, where a segment holds 70 characters instead of 160: a 300-character text becomes
five segments instead of two. So every text is checked, and text from the database (a team's
name or hours) is made plain before it goes in.
"""

from __future__ import annotations

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these takes two septets (an escape, then the character).
EXTENSION = "^{}\\[~]|€\f"

SINGLE_SEGMENT = 160
MULTI_SEGMENT = 153  # a segment of a longer text loses 7 septets to the joining header
MAX_SEGMENTS = 2
MAX_SEPTETS = MULTI_SEGMENT * MAX_SEGMENTS  # 306

_BASIC = frozenset(BASIC) - {"\x1b"}
_EXTENSION = frozenset(EXTENSION)

# Characters people type (or paste from a word processor) that have a plain GSM equivalent.
_PLAIN = {
    "\u00a0": " ",  # non-breaking space
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200b": "",  # zero-width space
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",
    "\u2026": "...",
    "\t": " ",
}


def is_gsm(text: str) -> bool:
    """True if every character is in the GSM alphabet (basic or extension)."""
    return all(c in _BASIC or c in _EXTENSION for c in text)


def septets(text: str) -> int:
    """The text's length as a phone counts it: extension characters count twice."""
    return sum(2 if c in _EXTENSION else 1 for c in text)


def segments(text: str) -> int:
    """How many segments the text is sent as (GSM texts only)."""
    length = septets(text)
    if length <= SINGLE_SEGMENT:
        return 1
    return -(-length // MULTI_SEGMENT)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    """True if the text is GSM and at most `max_segments` long."""
    return is_gsm(text) and segments(text) <= max_segments


def plain(text: str) -> str:
    """Text from elsewhere made GSM: look-alikes replaced, anything else dropped."""
    out = []
    for c in text:
        c = _PLAIN.get(c, c)
        out.append("".join(ch for ch in c if ch in _BASIC or ch in _EXTENSION))
    return " ".join("".join(out).split())

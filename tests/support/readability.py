"""Flesch reading ease, done here: the textstat package fetches a dictionary from the internet
the first time it runs, which these machines (and CI) cannot do.

    reading ease = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)

90 to 100 is very easy (a reading age of about 11), 80 to 90 easy, 70 to 80 fairly easy, 60 to 70
plain English. Syllables are counted by the usual rule of thumb (groups of vowels, less a silent
"e" at the end), which is close enough for short, common words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "dt", "dd", "td", "th", "div", "ul", "ol"}
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")


def syllables(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    if not word:
        return 1  # a number such as 999 or 4: read as one short word
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouytd]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def sentences_of(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:;])\s+", text) if _WORD.search(s)]


@dataclass(frozen=True)
class Score:
    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self) -> float:
        return (
            206.835 - 1.015 * (self.words / self.sentences) - 84.6 * (self.syllables / self.words)
        )

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade (US school year); a reading age is about this plus 5."""
        return 0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59


def score(text: str) -> Score:
    sentences = sentences_of(text)
    words = [w for s in sentences for w in _WORD.findall(s)]
    return Score(len(words), len(sentences), sum(syllables(w) for w in words))


class _Blocks(HTMLParser):
    """The text of an element with the given id, one line per block (each a sentence or more)."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0  # how deep inside the element we are; 0: outside it
        self.blocks: list[str] = [""]

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1
        if self.depth and tag in _BLOCKS:
            self.blocks.append("")

    def handle_endtag(self, tag):
        if self.depth:
            if tag in _BLOCKS:
                self.blocks.append("")
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.blocks[-1] += data


def text_of(html: str, element_id: str) -> str:
    """The element's text; a block that does not end a sentence (a list item) is made to."""
    parser = _Blocks(element_id)
    parser.feed(html)
    lines = [re.sub(r"\s+", " ", b).strip() for b in parser.blocks]
    return " ".join(b if b[-1] in ".!?:;" else b + "." for b in lines if b)

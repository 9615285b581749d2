"""Every information page is easy to read.

Thresholds, on the text of each page's topic (#topic-text: the headings, paragraphs and lists,
without the "Last reviewed" and "Drawn from" lines, which name documents):

- Flesch reading ease of at least 70 ("fairly easy" or easier), and
- Flesch-Kincaid grade of at most 6, that is a reading age of about 11.

Each list item counts as a sentence, as it does for a reader. The scores are computed by
tests/support/readability.py (textstat would fetch a dictionary from the internet).
"""

from __future__ import annotations

import pytest

from tests.support.readability import score, sentences_of, syllables, text_of
from tracker.support.information import TOPICS

READING_EASE_MIN = 70
GRADE_MAX = 6


@pytest.fixture(scope="module")
def pages(app_for_pages):
    client = app_for_pages.test_client()
    return {
        t.slug: client.get(f"/support/information/{t.slug}").get_data(as_text=True) for t in TOPICS
    }


@pytest.fixture(scope="module")
def app_for_pages(tmp_path_factory):
    # The information pages read nothing from the database: an app without tables is enough.
    from tracker import create_app
    from tracker.config import for_tests

    folder = tmp_path_factory.mktemp("readability")
    return create_app(for_tests(f"sqlite:///{folder / 'unused.db'}", str(folder / "instance")))


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.slug)
def test_each_information_page_is_easy_to_read(pages, topic):
    text = text_of(pages[topic.slug], "topic-text")
    result = score(text)
    assert result.words >= 120, "a page this short says too little to be scored fairly"
    print(f"{topic.slug}: reading ease {result.reading_ease:.1f}, grade {result.grade:.1f}")
    assert result.reading_ease >= READING_EASE_MIN, (topic.slug, result)
    assert result.grade <= GRADE_MAX, (topic.slug, result)
    longest = max(sentences_of(text), key=lambda s: len(s.split()))
    assert len(longest.split()) <= 25, f"a sentence this long is hard to follow: {longest}"


def test_hard_text_fails_the_threshold():
    hard = (
        "Metastatic dissemination of malignant neoplastic cells necessitates multidisciplinary "
        "evaluation, incorporating comprehensive radiological investigations and histopathological "
        "confirmation, notwithstanding considerable interindividual heterogeneity."
    )
    assert score(hard).reading_ease < READING_EASE_MIN and score(hard).grade > GRADE_MAX


def test_syllables_are_counted_closely_enough():
    counts = {
        "the": 1,
        "breast": 1,
        "cancer": 2,
        "table": 2,
        "wanted": 2,
        "hospice": 2,
        "treatment": 2,
        "recurrence": 3,
        "secondary": 4,
        "metastatic": 4,
        "radiotherapy": 5,
        "999": 1,
    }
    assert {w: syllables(w) for w in counts} == counts


def test_the_text_is_taken_block_by_block():
    html = (
        '<div id="t"><h2>Bones</h2><ul><li>an ache</li><li>a break</li></ul>'
        "<p>See a GP.</p></div><p>Not this</p>"
    )
    assert text_of(html, "t") == "Bones. an ache. a break. See a GP."

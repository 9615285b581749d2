"""The pure parts: TOTP codes, recovery codes, the QR code, team emails, the team's words, a
table's cell."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pyotp
from jinja2 import Environment

from tests.team.conftest import SECRET
from tracker.rules import load_rules
from tracker.team import notify, table_cell, totp, wording
from tracker.team import when as say_when

NOON = datetime(2026, 11, 9, 12, 0, 10, tzinfo=UTC)


def test_a_code_matches_its_own_step_and_one_either_side_only():
    step = totp.step_at(NOON)
    for offset in (-1, 0, 1):
        code = pyotp.TOTP(SECRET).generate_otp(step + offset)
        assert totp.matching_step(SECRET, code, NOON, None) == step + offset
    stale = pyotp.TOTP(SECRET).generate_otp(step - 2)
    assert totp.matching_step(SECRET, stale, NOON, None) is None


def test_a_code_at_or_before_the_last_accepted_step_is_refused():
    code = totp.code_at(SECRET, NOON)
    step = totp.step_at(NOON)
    assert totp.matching_step(SECRET, code, NOON, after=step) is None
    assert totp.matching_step(SECRET, code, NOON, after=step - 1) == step


def test_codes_are_read_generously_and_checked_strictly():
    code = totp.code_at(SECRET, NOON)
    assert totp.matching_step(SECRET, f" {code[:3]} {code[3:]} ", NOON, None) is not None
    assert totp.matching_step(SECRET, "12345", NOON, None) is None
    assert totp.matching_step(SECRET, "abcdef", NOON, None) is None


def test_new_secrets_are_160_bits_and_grouped_for_typing():
    secret = totp.new_secret()
    assert len(secret) == 32 and secret != totp.new_secret()
    assert totp.grouped("ABCDEFGH") == "ABCD EFGH"


def test_recovery_codes_are_random_and_hashed_ignoring_case_and_dashes():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(totp.looks_like_recovery_code(c) for c in codes)
    code = codes[0]
    assert totp.hash_recovery_code(code) == totp.hash_recovery_code(code.lower().replace("-", " "))
    assert not totp.looks_like_recovery_code("123456")


def test_the_qr_code_is_svg_with_a_title_and_the_otpauth_address():
    uri = totp.provisioning_uri(SECRET, "jo@example.test")
    assert uri.startswith("otpauth://totp/") and f"secret={SECRET}" in uri
    svg = str(totp.qr_svg(uri, "QR code <for> Jo"))
    root = ET.fromstring(svg)  # noqa: S314 - our own output, made just above
    assert root.get("role") == "img"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "QR code <for> Jo"
    assert "&lt;for&gt;" in svg  # escaped in the markup


def test_when_says_uk_time():
    assert say_when(NOON) == "9 November 2026 at 12:00pm"
    assert say_when(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 July 2026 at 12:30am"
    assert say_when(None) == ""


def test_a_cell_keeps_the_markup_its_template_escaped_and_escapes_what_was_not():
    def render(autoescape: bool) -> str:
        env = Environment(autoescape=autoescape)  # noqa: S701 (both ways, on purpose)
        env.filters["cell"] = table_cell
        block = "{% filter cell(heading, numeric=True) %}<b>{{ name }}</b>{% endfilter %}"
        return env.from_string(block).render(name="<Ann & Bo>", heading="A <b>")

    assert render(autoescape=True) == (
        '<td class="nhsuk-table__cell nhsuk-table__cell--numeric" role="cell">'
        '<span class="nhsuk-table__heading" aria-hidden="true">A &lt;b&gt; </span>'
        "<span><b>&lt;Ann &amp; Bo&gt;</b></span></td>"
    )
    # Rendered without escaping, the whole block is text, and the cell escapes it.
    assert "<span>&lt;b&gt;&lt;Ann &amp; Bo&gt;&lt;/b&gt;</span>" in render(autoescape=False)


def test_team_reasons_are_in_plain_words_from_the_rules():
    rules = load_rules()
    codes = ["new", "persistent", "worsening", "worrying"]
    said = wording.reasons(codes, "soon", rules, symptom="fatigue")
    assert said == [
        "new for this patient and lasting a week or more",
        "lasting 2 weeks or more",
        "getting worse",
        "the patient said it worries them",
    ]
    # A cough has its own days under rules version 2: three weeks, not one or two.
    assert wording.reasons(codes, "soon", rules, symptom="cough")[:2] == [
        "new for this patient and lasting 3 weeks or more",
        "lasting 3 weeks or more",
    ]
    assert wording.reason("made_up", "soon", rules, symptom="fatigue") == wording.UNKNOWN_REASON
    assert wording.status_label("ended", "died") == "Ended (died)"


# ---- team emails --------------------------------------------------------------------------

LINK = "https://diary.example/team/"


def _choice(urgent=True, digest=True):
    return notify.TeamChoice(1, urgent, digest, "team@example.test")


def _change(alert_id, urgency, at=NOON, opened=True, team_id=1):
    return notify.AlertChange(alert_id, team_id, urgency, at, opened)


def test_the_urgent_email_counts_only_emergency_and_same_day_of_this_team():
    changes = [
        _change(1, "same_day"),
        _change(2, "emergency", opened=False),
        _change(3, "soon"),
        _change(4, "emergency", team_id=2),
    ]
    email = notify.urgent_email(_choice(), changes, LINK)
    assert (email.kind, email.count, email.alert_ids, email.link) == ("urgent", 2, (1, 2), LINK)
    assert notify.urgent_email(_choice(urgent=False), changes, LINK) is None
    assert notify.urgent_email(_choice(), [_change(3, "soon")], LINK) is None


def test_the_digest_counts_alerts_opened_on_the_teams_local_day():
    day = date(2026, 7, 1)  # British Summer Time: the day starts at 23:00 UTC the day before
    start, end = notify.digest_window(day)
    assert start == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)
    changes = [
        _change(1, "soon", at=start),
        _change(2, "soon", at=end - timedelta(seconds=1)),
        _change(3, "soon", at=end),
        _change(4, "same_day", at=start + timedelta(hours=1), opened=False),
    ]
    email = notify.daily_digest(_choice(), changes, day, LINK)
    assert (email.kind, email.count, email.alert_ids) == ("digest", 2, (1, 2))
    assert notify.daily_digest(_choice(digest=False), changes, day, LINK) is None
    assert notify.daily_digest(_choice(), [], day, LINK) is None


def test_a_team_email_carries_no_patient_detail():
    fields = set(notify.TeamEmail.__dataclass_fields__)
    assert fields == {"team_id", "address", "kind", "count", "link", "alert_ids"}

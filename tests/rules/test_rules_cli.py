"""The `assess` command (clinical-rules.md §5): JSON out and exit 0, or one line on stderr and 2.

Most tests invoke the click command directly, so they do not need the rest of the app; one
runs the real `flask --app wsgi assess` in a subprocess (marked `whole_app`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.assess import assess_command

from .test_rules_examples import SECTION_5_INPUT, SECTION_5_OUTPUT
from .test_rules_timeline import BAD

PROJECT = Path(__file__).resolve().parents[2]
EXPECTED_TEXT = json.dumps(SECTION_5_OUTPUT, indent=2) + "\n"

# click 8.2 and later keep stderr apart from stdout in CliRunner; these tests rely on it.
assert tuple(int(p) for p in version("click").split(".")[:2]) >= (8, 2)


def invoke(*args: str, stdin: str | bytes | None = None):
    """Run the command in-process; click's runner keeps stdout and stderr apart."""
    return CliRunner().invoke(assess_command, list(args), input=stdin, catch_exceptions=False)


def assert_refused(result, fragment: str = "") -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr (containing `fragment`)."""
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert fragment in result.stderr


@pytest.fixture
def timeline_file(tmp_path: Path):
    def write(text: str | bytes, name: str = "timeline.json") -> str:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_the_section_5_example_prints_the_section_5_output(timeline_file):
    result = invoke(timeline_file(SECTION_5_INPUT))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == EXPECTED_TEXT


def test_a_dash_reads_the_timeline_from_stdin():
    result = invoke("-", stdin=SECTION_5_INPUT)
    assert (result.exit_code, result.stdout) == (0, EXPECTED_TEXT)


def test_a_diary_with_no_findings_prints_an_empty_list(timeline_file):
    result = invoke(timeline_file('{"today": "2026-11-12", "entries": []}'))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


@pytest.mark.parametrize(("text", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_on_stderr_and_exit_2(timeline_file, text, fragment):
    path = timeline_file(text)
    result = invoke(path)
    assert_refused(result, fragment)
    assert result.stderr.startswith(f"{path}: ")


def test_bad_input_on_stdin_is_refused_the_same_way():
    assert_refused(invoke("-", stdin="{"), "stdin: the timeline is not valid JSON")


def test_a_file_that_is_not_utf8_is_refused(timeline_file):
    assert_refused(invoke(timeline_file(b"\xff\xfe{}")), "not UTF-8")


def test_a_missing_file_is_refused(tmp_path):
    missing = str(tmp_path / "nope.json")
    assert_refused(invoke(missing), f"{missing}: no such file")


def test_a_directory_is_refused(tmp_path):
    assert_refused(invoke(str(tmp_path)), "is a directory")


def test_another_rules_file_can_be_used_to_review_a_change(tmp_path, timeline_file):
    packaged = (PROJECT / "tracker" / "rules" / "rules.toml").read_text("utf-8")
    changed = packaged.replace('version = "', 'version = "review-', 1).replace(
        "new_days = 7 ", "new_days = 10 ", 1
    )
    assert changed.count("review-") == 1 and "new_days = 10 " in changed
    rules = tmp_path / "rules.toml"
    rules.write_text(changed, "utf-8")
    result = invoke("--rules", str(rules), timeline_file(SECTION_5_INPUT))
    assert result.exit_code == 0
    output = json.loads(result.stdout)
    # The breathless episode lasts 9 days: "new" at 10 days does not fire yet.
    assert output == {
        "rules_version": "review-" + SECTION_5_OUTPUT["rules_version"],
        "findings": [],
    }


# Worked examples with version 2's new fields, through the command: (id, input, findings).
NEW_FIELDS = [
    (
        "example-7-seizure-without-severity",
        {"today": "2026-12-01", "entries": [{"date": "2026-11-12", "symptom": "seizure"}]},
        [
            {
                "symptom": "seizure",
                "urgency": "same_day",
                "reasons": ["red_flag"],
                "episode_start": "2026-11-12",
                "last_entry": "2026-11-12",
                "duration_days": 0,
            }
        ],
    ),
    (
        "example-13-named-other-joins-its-series",
        {
            "today": "2026-11-11",
            "entries": [
                {"date": "2026-11-01", "symptom": "other", "name": "jaw ache", "severity": 3},
                {"date": "2026-11-06", "symptom": "other", "name": "itchy ear", "severity": 3},
                {"date": "2026-11-08", "symptom": "other", "name": "Jaw ache ", "severity": 3},
                {"date": "2026-11-10", "symptom": "other", "name": "itchy ear", "severity": 3},
            ],
        },
        [
            {
                "symptom": "other",
                "name": "jaw ache",
                "urgency": "soon",
                "reasons": ["new"],
                "episode_start": "2026-11-01",
                "last_entry": "2026-11-08",
                "duration_days": 7,
            }
        ],
    ),
    (
        "example-14-known-condition-ended",
        {
            "today": "2026-11-18",
            "known_conditions": [{"symptom": "joint_pain", "until": "2026-11-10"}],
            "entries": [
                {"date": f"2026-11-{day:02d}", "symptom": "joint_pain", "severity": 3}
                for day in (1, 5, 9, 13, 17)
            ],
        },
        [
            {
                "symptom": "joint_pain",
                "urgency": "soon",
                "reasons": ["new", "persistent"],
                "episode_start": "2026-11-01",
                "last_entry": "2026-11-17",
                "duration_days": 16,
            }
        ],
    ),
    (
        "example-14-known-condition-until-30-november",
        {
            "today": "2026-11-18",
            "known_conditions": [{"symptom": "joint_pain", "until": "2026-11-30"}],
            "entries": [
                {"date": f"2026-11-{day:02d}", "symptom": "joint_pain", "severity": 3}
                for day in (1, 5, 9, 13, 17)
            ],
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("diary", "findings"), [c[1:] for c in NEW_FIELDS], ids=[c[0] for c in NEW_FIELDS]
)
def test_names_missing_severities_and_dated_known_conditions_are_read_and_written(
    timeline_file, diary, findings
):
    result = invoke(timeline_file(json.dumps(diary)))
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "rules_version": SECTION_5_OUTPUT["rules_version"],
        "findings": findings,
    }


def test_a_missing_rules_file_is_refused(tmp_path, timeline_file):
    assert_refused(invoke("--rules", str(tmp_path / "none.toml"), timeline_file(SECTION_5_INPUT)))


@pytest.mark.whole_app
def test_flask_assess_through_the_whole_app(tmp_path):
    """The command as a clinician would run it. Needs every module of the app to import."""
    timeline = tmp_path / "timeline.json"
    timeline.write_text(SECTION_5_INPUT, "utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"today": "2026-1-5", "entries": []}', "utf-8")
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("FLASK_APP", None)

    def flask(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    good = flask("assess", str(timeline))
    assert (good.returncode, good.stderr) == (0, ""), good.stderr
    assert good.stdout == EXPECTED_TEXT

    refused = flask("assess", str(bad))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == f'{bad}: today must be a date written YYYY-MM-DD, not "2026-1-5"\n'

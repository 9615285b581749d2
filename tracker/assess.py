"""`flask assess TIMELINE.json`: the rules engine on one diary from a file (clinical-rules.md §5).

No database and no app context: the command reads a file, runs the same engine as the scheduled
detection run, and prints the findings. Bad input is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click

from tracker.rules.catalogue import RulesFileError, load_rules
from tracker.rules.engine import assess, report
from tracker.rules.timeline import TimelineError, parse_timeline

BAD_INPUT = 2


def _fail(message: str) -> NoReturn:
    # One line, always: a multi-line message would break scripts that read stderr by line.
    click.echo(" ".join(message.split()), err=True)
    sys.exit(BAD_INPUT)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except IsADirectoryError:
        _fail(f"{path}: is a directory, not a timeline file")
    except OSError as exc:
        _fail(f"{path}: cannot be read ({exc.strerror or exc})")


@click.command("assess")
@click.argument("timeline", metavar="TIMELINE.json")
@click.option(
    "--rules",
    "rules_path",
    metavar="RULES.toml",
    default=None,
    help="Assess with another rules file (to review a change); default: the packaged one.",
)
def assess_command(timeline: str, rules_path: str | None) -> None:
    """Print the findings for one patient's diary (a §5 JSON file, or - for stdin)."""
    try:
        rules = load_rules(rules_path)
    except (RulesFileError, OSError, KeyError, TypeError) as exc:
        _fail(f"rules file: {exc}")
    data = _read(timeline)
    try:
        parsed = parse_timeline(data, rules)
    except TimelineError as exc:
        _fail(f"{'stdin' if timeline == '-' else timeline}: {exc}")
    findings = assess(parsed.entries, parsed.marks, parsed.known_conditions, parsed.today, rules)
    click.echo(json.dumps(report(findings, rules), indent=2))

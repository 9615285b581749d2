"""The engine stays pure: no Flask, no database, no clock, nothing of the app outside rules/."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tracker.rules.engine import Rules, assess, compile_rules

from .diaries import RULES, entry, nov

RULES_DIR = Path(__file__).resolve().parents[2] / "tracker" / "rules"


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


MODULES = sorted(path.name for path in RULES_DIR.glob("*.py"))


def test_every_module_of_the_engine_is_checked_here():
    assert {"engine.py", "data.py", "thresholds.py", "timeline.py", "catalogue.py"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_rules_modules_import_only_the_standard_library_and_each_other(name):
    for module in imported_modules(RULES_DIR / name):
        top = module.split(".")[0]
        assert module.startswith("tracker.rules") or top in sys.stdlib_module_names, module


@pytest.mark.parametrize("name", MODULES)
def test_the_engine_never_reads_the_clock(name):
    source = (RULES_DIR / name).read_text("utf-8")
    for call in ("today()", "now(", "utcnow(", "time.time"):
        assert call not in source


def test_a_catalogue_and_its_compiled_rules_give_the_same_findings():
    compiled = compile_rules(RULES)
    assert isinstance(compiled, Rules)
    assert compile_rules(RULES) is compiled  # unpacked once, not per call
    assert compile_rules(compiled) is compiled
    diary = [entry(nov(1)), entry(nov(16), severity=9)]
    assert assess(diary, [], (), nov(18), RULES) == assess(diary, [], (), nov(18), compiled) != []

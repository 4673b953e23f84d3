"""The complexity gate: ruff's C901 (McCabe) at pyproject's `max-complexity`, with a per-file
list of files let off it that may only shrink: no file joins it, a file whose functions were
split leaves it, and a `# noqa` does not dodge it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LINTED = ("generator", "tests", "bench")  # what `make lint` checks
MAX_COMPLEXITY = 15  # the gate's threshold may go down, never up
# The files pyproject's per-file-ignores may let off C901: none. A name may leave this set
# when its file is fixed, never join it.
ALLOWED: frozenset[str] = frozenset()


def lint_settings(text: str) -> dict[str, Any]:
    settings: dict[str, Any] = tomllib.loads(text)["tool"]["ruff"]["lint"]
    return settings


def excused(lint: dict[str, Any]) -> set[str]:
    """The paths (or globs) pyproject lets off a complexity rule."""
    entries = {**lint.get("per-file-ignores", {}), **lint.get("extend-per-file-ignores", {})}
    return {path for path, codes in entries.items() if any(c.startswith("C9") for c in codes)}


def offenders(max_complexity: int) -> set[str]:
    """The files with a function over `max-complexity`, whatever pyproject or a `# noqa`
    comment says."""
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--ignore-noqa",
            "--exit-zero",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity={max_complexity}",
            "--output-format",
            "json",
            *LINTED,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {Path(d["filename"]).relative_to(ROOT).as_posix() for d in json.loads(found.stdout)}


def gate_problems(
    lint: dict[str, Any], found: set[str], allowed: frozenset[str] = ALLOWED
) -> list[str]:
    """What is wrong with the gate, given pyproject's lint settings and the offending files."""
    problems = []
    if not {"C90", "C901"} & set(lint.get("select", [])):
        problems.append("C90 is not in [tool.ruff.lint] select")
    if {"C90", "C901"} & {*lint.get("ignore", []), *lint.get("extend-ignore", [])}:
        problems.append("C90 is ignored for every file")
    limit = lint.get("mccabe", {}).get("max-complexity")
    if not isinstance(limit, int) or limit > MAX_COMPLEXITY:
        problems.append(f"max-complexity is {limit}; at most {MAX_COMPLEXITY}")
    listed = excused(lint)
    problems += [
        f"{p}: joined the per-file list; split its function instead"
        for p in sorted(listed - allowed)
    ]
    problems += [
        f"{p}: has no function over {limit}; delete its line from per-file-ignores"
        " and from ALLOWED in tests/test_gates.py"
        for p in sorted(listed - found)
    ]
    problems += [
        f"{p}: has a function over {limit} with no per-file entry (a `# noqa` does not count)"
        for p in sorted(found - listed)
    ]
    return problems


def test_the_complexity_gate_holds() -> None:
    lint = lint_settings((ROOT / "pyproject.toml").read_text())
    assert gate_problems(lint, offenders(lint["mccabe"]["max-complexity"])) == []


def test_the_gate_refuses_a_grown_list_a_stale_entry_and_a_dodge() -> None:
    on = {"select": ["E", "C90"], "mccabe": {"max-complexity": 15}}
    listed = {**on, "per-file-ignores": {"a.py": ["C901"], "b.py": ["E501", "C901"]}}
    allowed = frozenset({"a.py", "b.py"})
    assert gate_problems(listed, {"a.py", "b.py"}, allowed) == []
    assert gate_problems(listed, {"a.py", "b.py"}, frozenset({"a.py"})) == [
        "b.py: joined the per-file list; split its function instead"
    ]
    assert gate_problems(listed, {"a.py"}, allowed) == [
        "b.py: has no function over 15; delete its line from per-file-ignores"
        " and from ALLOWED in tests/test_gates.py"
    ]
    assert gate_problems(on, {"c.py"}, frozenset()) == [
        "c.py: has a function over 15 with no per-file entry (a `# noqa` does not count)"
    ]
    assert gate_problems({"select": ["E"], "mccabe": {"max-complexity": 20}}, set()) == [
        "C90 is not in [tool.ruff.lint] select",
        "max-complexity is 20; at most 15",
    ]
    assert gate_problems({**on, "extend-ignore": ["C901"]}, set()) == [
        "C90 is ignored for every file"
    ]


def test_ruff_finds_a_function_over_the_limit() -> None:
    """The measure itself: the same files at a lower limit have more offenders."""
    assert offenders(MAX_COMPLEXITY) < offenders(10)

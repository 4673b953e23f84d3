"""The release a repository pins against the running one: CI installs the pin, so a laptop
running another release may see problems (or none) that CI will not."""

from __future__ import annotations

from dataclasses import replace

from generator.problems import Problem
from generator.yamlio.reader import Document


def pin_problem(platform: Document, running: str) -> Problem | None:
    """A warning at `berth.version` when it is not `running`; None when they agree, when the
    repository installs Berth from its own source, or when nothing is pinned."""
    berth = platform.data.get("berth")
    if not isinstance(berth, dict) or berth.get("source") is True:
        return None
    pinned = berth.get("version")
    if not isinstance(pinned, str) or pinned == running:
        return None
    problem = platform.problem(
        ("berth", "version"),
        f"this repository's CI runs berth {pinned} and you run {running}; checks may differ:"
        f" `pip install berth=={pinned}`, or move the repository with `berth upgrade`"
        " (docs/upgrading.md)",
    )
    return replace(problem, severity="warning")

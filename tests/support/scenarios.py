"""Repositories for the scenario tests: the base repository of tests/support/repo.py with
platform.yaml allowing scenarios, and the day their `expires` are judged by."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repo import make_repo

TODAY = "2026-12-05"  # BERTH_TODAY of every scenario test unless it says otherwise


def allow_scenarios(root: Path, limits: str = "{environments: [dev]}") -> None:
    """platform.yaml's `spec.scenarios` set to `limits` (YAML flow text)."""
    platform = root / "platform.yaml"
    text = platform.read_text()
    platform.write_text(text.replace("  pricing:", f"  scenarios: {limits}\n  pricing:", 1))


def scenario_platform(
    root: Path, monkeypatch: pytest.MonkeyPatch, limits: str = "{environments: [dev]}"
) -> Path:
    """The base repository at `root`, unrendered and uncommitted, allowing scenarios, judged
    on TODAY."""
    monkeypatch.setenv("BERTH_TODAY", TODAY)
    root = make_repo(root, commit=False)
    allow_scenarios(root, limits)
    return root

"""Reading the GitLab CI files Berth ships: `.gitlab-ci.yml` is two YAML documents, the
`spec:` header (the pipeline's inputs) and the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.tools import REPO

GITLAB_CI = REPO / ".gitlab-ci.yml"


def documents(path: Path) -> list[dict[Any, Any]]:
    found = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    assert all(isinstance(d, dict) for d in found), f"{path}: every document is a mapping"
    return found


def load(path: Path) -> dict[Any, Any]:
    """The pipeline: the last document (after the `spec:` header, when there is one)."""
    return documents(path)[-1]


def header() -> dict[Any, Any]:
    first, _pipeline = documents(GITLAB_CI)
    return first


def gitlab() -> dict[str, Any]:
    return load(GITLAB_CI)


def flat(lines: Any) -> list[str]:
    if isinstance(lines, str):
        return [lines]
    if isinstance(lines, list):
        return [line for item in lines for line in flat(item)]
    return []


def script(job: dict[str, Any]) -> str:
    return "\n".join(flat(job.get("before_script", [])) + flat(job.get("script", [])))


def rules(ci: dict[str, Any], job_id: str) -> list[str]:
    job = ci[job_id]
    found = job.get("rules") or [
        r for parent in job.get("extends", []) for r in ci[parent]["rules"]
    ]
    return [rule["if"] for rule in found]


def jobs_of(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: v
        for k, v in ci.items()
        if isinstance(v, dict) and not k.startswith(".") and "script" in v
    }


def token_jobs(ci: dict[str, Any]) -> list[str]:
    """The jobs of protected default-branch trigger pipelines: those given BERTH_GITLAB_TOKEN."""
    return sorted(j for j in jobs_of(ci) if any('"trigger"' in r for r in rules(ci, j)))

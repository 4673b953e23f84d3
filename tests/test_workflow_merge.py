"""GitHub: the pull request is checked as it would merge, and main verifies every merge.

- berth-pr.yml checks GitHub's merge commit (refs/pull/<n>/merge; the queued merge under
  `merge_group`) against its first parent, the base head it was made on, and commits the
  head's own generated files back (docs/ci.md, "The merge result").
- berth-main.yml runs the full `berth verify --cache` after every push to main, with the
  cache restored by `actions/cache`, and a scheduled run of it without the cache.
The linters (actionlint, zizmor, check-jsonschema) run over both in tests/test_workflows.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.tools import REPO

WORKFLOWS = REPO / ".github" / "workflows"
CHECKOUT = "actions/checkout@"
CACHE = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684"


def _jobs(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _step(job: dict[str, Any], name_or_id: str) -> dict[str, Any]:
    [step] = [s for s in job["steps"] if name_or_id in (s.get("id"), s.get("name"))]
    return step


def test_the_checks_run_on_the_merge_result_against_the_base_head() -> None:
    jobs = _jobs("berth-pr.yml")
    for job_id in ("check", "deletions", "approvals"):
        checkout = jobs[job_id]["steps"][0]
        assert checkout["uses"].startswith(CHECKOUT), job_id
        # No `ref:`: the event's own commit, which is the merge (or the queued merge).
        assert "ref" not in checkout["with"] and checkout["with"]["fetch-depth"] == 0, job_id
        text = "\n".join(s.get("run", "") for s in jobs[job_id]["steps"])
        assert "merge-base" not in text.replace('merge-base "HEAD^1" "$HEAD_SHA"', ""), job_id
    check = jobs["check"]
    assert 'base=$(git rev-parse --verify "HEAD^1")' in _step(check, "base")["run"]
    uses_base = [
        s for s in check["steps"] if "berth " in s.get("run", "") and "--base" in s.get("run", "")
    ]
    on_merge = [s for s in uses_base if s.get("id") != "head"]
    assert len(on_merge) == 5  # validate, render --check, render, verify, plan
    for step in on_merge:
        assert step["env"]["BASE"] == "${{ steps.base.outputs.sha }}", step.get("name")
    for job_id in ("deletions", "approvals"):
        run = jobs[job_id]["steps"][-1]["run"]
        assert 'base=$(git rev-parse --verify "HEAD^1")' in run and '--base "$base"' in run


def test_the_commit_back_files_are_the_heads_own() -> None:
    jobs = _jobs("berth-pr.yml")
    head = _step(jobs["check"], "head")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in head["if"]
    assert head["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert 'git worktree add --quiet --detach "$head" "$HEAD_SHA"' in head["run"]
    assert '.venv/bin/berth --root "$head" render' in head["run"]
    assert 'tar -cf "$RUNNER_TEMP/rendered.tar" -C "$head"' in head["run"]
    assert jobs["check"]["outputs"]["changed"] == "${{ steps.head.outputs.changed }}"
    push = jobs["commit-back"]["steps"][0]
    assert push["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"


def test_stale_generated_files_of_the_merge_fail_unless_commit_back_fixes_them() -> None:
    check = _jobs("berth-pr.yml")["check"]
    assert "berth schema --check" in _step(check, "render-check")["run"]
    fork = _step(check, "Generated files are stale (pull request from a fork)")
    same = _step(check, "Generated files of the merge result are stale")
    for step in (fork, same):
        assert step["if"].startswith("steps.render-check.outputs.stale == 'true' && ")
        assert step["run"].rstrip().endswith("exit 1")
    assert "steps.head.outputs.changed != 'true'" in same["if"]
    assert "github.event_name == 'merge_group'" in same["if"]


def _find_base(repo: Path, event: str, head_sha: str) -> subprocess.CompletedProcess[str]:
    step = _step(_jobs("berth-pr.yml")["check"], "base")
    out = repo / "out"
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env={
            "PATH": "/usr/bin:/bin",
            "EVENT": event,
            "HEAD_SHA": head_sha,
            "GITHUB_OUTPUT": str(out),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_base_is_the_merge_commits_first_parent(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (
        ["init", "-q", "-b", "main"],
        ["commit", "-q", "--allow-empty", "-m", "base"],
        ["checkout", "-q", "-b", "feature"],
        ["commit", "-q", "--allow-empty", "-m", "change"],
        ["checkout", "-q", "main"],
        ["commit", "-q", "--allow-empty", "-m", "the base moved on"],
        ["merge", "-q", "--no-ff", "-m", "merge", "feature"],
    ):
        subprocess.run([*git, *args], check=True, capture_output=True)

    def sha(ref: str) -> str:
        proc = subprocess.run([*git, "rev-parse", ref], capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    found = _find_base(repo, "pull_request", sha("feature"))
    assert found.returncode == 0, found.stdout + found.stderr
    assert (repo / "out").read_text() == f"sha={sha('main^1')}\n"
    # A merge commit of an older head (the pull request moved on) is refused.
    moved = _find_base(repo, "pull_request", sha("main^1"))
    assert moved.returncode == 1 and "Stale merge commit" in moved.stdout


def test_main_verifies_every_merge_and_runs_cold_on_a_schedule() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "berth-main.yml").read_text(encoding="utf-8"))
    on = workflow.get("on", workflow.get(True))
    assert on["push"]["branches"] == ["main"] and ".ci/**" in on["push"]["paths"]
    assert on["schedule"] == [{"cron": "17 3 * * *"}]
    assert workflow["concurrency"]["group"].endswith("-${{ github.event_name }}")
    verify = workflow["jobs"]["verify"]
    assert verify["permissions"] == {"contents": "read"}
    cache = _step(verify, "Restore the verdicts of earlier runs")
    assert cache["uses"] == CACHE and cache["if"] == "github.event_name != 'schedule'"
    assert cache["with"] == {
        "path": ".berth/verify-cache",
        "key": "berth-verify-${{ runner.os }}-${{ github.sha }}",
        "restore-keys": "berth-verify-${{ runner.os }}-",
    }
    warm = _step(verify, "Full verify, reusing unchanged verdicts")
    assert warm["if"] == cache["if"]
    assert warm["run"].splitlines()[-1] == ".venv/bin/berth verify --cache .berth/verify-cache"
    cold = _step(verify, "Full verify from nothing (scheduled)")
    assert cold["if"] == "github.event_name == 'schedule'"
    assert cold["run"].splitlines()[-1] == ".venv/bin/berth verify"
    names = [s["name"] for s in verify["steps"]]
    assert names.index("Install kubectl and helm") < names.index(cache["name"])

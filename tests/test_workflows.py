"""The CI files Berth ships: linted by the real tools, plus the security rules they must keep.

actionlint, zizmor and check-jsonschema run for real (found through tests/support/tools.py, so
a missing tool fails under CI). The structural tests below state the rules the workflows were
written to (least privilege, pinned actions, no untrusted text in scripts, credentials kept only
where the push needs them) so that an edit breaking one of them fails here by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.example import example
from tests.support.tools import REPO, reference, run, tool

WORKFLOW_DIR = REPO / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
ISSUE_FORMS = [
    example() / ".github" / "ISSUE_TEMPLATE" / f"{n}.yml" for n in ("tenant-request", "app-request")
]
GITLAB_CI = REPO / ".gitlab-ci.yml"

PR_WORKFLOW = WORKFLOW_DIR / "berth-pr.yml"
INTAKE_WORKFLOW = WORKFLOW_DIR / "berth-intake.yml"

CHECKOUT = "actions/checkout@"
SHA_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+\.\d+\.\d+\b")
# Text a pull request or issue author controls; it must never be expanded into a script.
UNTRUSTED = re.compile(
    r"github\.event\.(?:issue\.|comment\.|review\.|pull_request\.(?:title|body|head\.ref|head\.label))"
    r"|github\.head_ref"
    # and what a dispatch carries (berth-release.yml): whoever holds a token chose it
    r"|github\.event\.client_payload|github\.event\.inputs|\binputs\."
)


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a mapping"
    return document


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict), "triggers must be a mapping"
    return on


def _jobs(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(workflow).items():
        for step in job.get("steps", []):
            yield job_id, step


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_there_are_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"berth-pr.yml", "berth-intake.yml"} <= names


# --- the real tools -----------------------------------------------------------------------


@pytest.mark.tools
def test_actionlint_has_no_findings() -> None:
    # actionlint also runs shellcheck on every `run:` when shellcheck is on PATH.
    proc = run(
        [tool("actionlint"), "-no-color", *[_rel(p) for p in WORKFLOWS]], cwd=REPO, check=False
    )
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


@pytest.mark.tools
def test_zizmor_has_no_findings() -> None:
    # The auditor persona reports everything, low-confidence findings included; --no-config so
    # that no configuration file can switch audits off. Inline ignores are checked below.
    proc = run(
        [
            tool("zizmor"),
            "--offline",
            "--no-config",
            "--no-progress",
            "--persona",
            "auditor",
            "--format",
            "json",
            _rel(WORKFLOW_DIR),
        ],
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)
    assert findings == [], json.dumps(findings, indent=2)


def test_every_zizmor_ignore_states_its_reason() -> None:
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = re.search(r"#\s*zizmor:\s*ignore\[[^\]]+\](.*)$", line)
            if match:
                reason = match.group(1).strip()
                assert len(reason.split()) >= 4, f"{_rel(path)}:{number}: ignore without a reason"


@pytest.mark.tools
def test_workflows_match_the_workflow_schema() -> None:
    schema = reference("github", "schemas", "github-workflow.json")
    run([tool("check-jsonschema"), "--schemafile", str(schema), *map(str, WORKFLOWS)])


@pytest.mark.tools
def test_issue_forms_match_the_issue_forms_schema() -> None:
    schema = reference("github", "schemas", "github-issue-forms.json")
    run([tool("check-jsonschema"), "--schemafile", str(schema), *map(str, ISSUE_FORMS)])


@pytest.mark.tools
def test_gitlab_ci_matches_the_gitlab_schema(tmp_path: Path) -> None:
    # The schema ships inside check-jsonschema: no network needed. `.gitlab-ci.yml` is two
    # documents (the `spec:` header with the inputs, then the pipeline), which check-jsonschema
    # reads one file each: both are checked against the same schema.
    header, pipeline = GITLAB_CI.read_text(encoding="utf-8").split("\n---\n", 1)
    assert header.startswith("# ") and "\nspec:\n  inputs:\n" in header
    parts = [tmp_path / "header.yml", tmp_path / "pipeline.yml"]
    parts[0].write_text(header + "\n", encoding="utf-8")
    parts[1].write_text(pipeline, encoding="utf-8")
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *map(str, parts)])


# --- structure: least privilege ---------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_grants_nothing_and_every_job_asks_for_its_own(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, "top-level permissions must be {}"
    for job_id, job in _jobs(workflow).items():
        assert isinstance(job.get("permissions"), dict), f"job {job_id} has no permissions block"
        assert isinstance(job.get("timeout-minutes"), int), f"job {job_id} has no timeout"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_privileged_triggers(path: Path) -> None:
    triggers = _triggers(_load(path))
    assert "pull_request_target" not in triggers
    assert "workflow_run" not in triggers
    code = [line for line in path.read_text(encoding="utf-8").splitlines() if "#" not in line]
    assert not [line for line in code if "pull_request_target" in line]


def test_pr_workflow_grants_per_job() -> None:
    jobs = _jobs(_load(PR_WORKFLOW))
    assert jobs["check"]["permissions"] == {"contents": "read"}
    assert jobs["comment"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["commit-back"]["permissions"] == {"contents": "write"}
    assert jobs["approvals"]["permissions"] == {"contents": "read", "pull-requests": "read"}
    for job_id, job in jobs.items():
        grants = job["permissions"]
        if job_id not in ("comment", "approvals"):
            assert "pull-requests" not in grants, job_id
        if job_id != "commit-back":
            assert grants.get("contents") == "read", job_id


def test_intake_workflow_grants_only_in_its_job() -> None:
    jobs = _jobs(_load(INTAKE_WORKFLOW))
    assert list(jobs) == ["intake"]
    assert jobs["intake"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }


# --- structure: pinned actions ----------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = USES_LINE.match(line)
        if not match:
            continue
        seen += 1
        where = f"{_rel(path)}:{number}"
        assert SHA_PINNED.match(match["ref"]), f"{where}: not pinned to a 40-hex commit"
        assert VERSION_COMMENT.match(match["rest"]), f"{where}: no '# vX.Y.Z' comment"
    steps_with_uses = [s for _, s in _steps(_load(path)) if "uses" in s]
    assert seen == len(steps_with_uses) > 0


# --- structure: untrusted text ------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_any_script(path: Path) -> None:
    # Stricter than needed (a SHA would be safe), but then nobody has to judge each one: values
    # reach scripts through `env:` and are quoted as "$VAR".
    for job_id, step in _steps(_load(path)):
        script = step.get("run", "")
        assert "${{" not in script, f"{path.name} job {job_id}: expression inside run:"
        assert not UNTRUSTED.search(script), f"{path.name} job {job_id}: untrusted text in run:"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_untrusted_text_goes_through_env_only(path: Path) -> None:
    for job_id, step in _steps(_load(path)):
        for key, value in step.items():
            if key in ("env", "if", "with"):
                continue
            text = json.dumps(value)
            assert not UNTRUSTED.search(text), f"{path.name} job {job_id}: untrusted text in {key}"


def test_issue_title_and_body_never_appear_in_the_intake_workflow() -> None:
    text = INTAKE_WORKFLOW.read_text(encoding="utf-8")
    for forbidden in (
        "github.event.issue.body",
        "github.event.issue.title",
        "github.event.comment",
    ):
        assert forbidden not in text


# --- structure: credentials -------------------------------------------------------------------


def test_only_the_commit_back_checkout_keeps_credentials() -> None:
    keeping = []
    checkouts = 0
    for path in WORKFLOWS:
        for job_id, step in _steps(_load(path)):
            if not str(step.get("uses", "")).startswith(CHECKOUT):
                continue
            checkouts += 1
            persist = step.get("with", {}).get("persist-credentials")
            if persist is not False:
                keeping.append((path.name, job_id))
    assert checkouts >= 5
    assert keeping == [("berth-pr.yml", "commit-back")]


def test_write_jobs_are_limited_to_same_repository_pull_requests() -> None:
    jobs = _jobs(_load(PR_WORKFLOW))
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    for job_id in ("comment", "commit-back"):
        assert same_repo in jobs[job_id]["if"], job_id
    # The job that may push runs no code from the pull request: no install, no berth.
    scripts = " ".join(step.get("run", "") for step in jobs["commit-back"]["steps"])
    assert "pip" not in scripts and "berth " not in scripts.replace("berth: ", "")
    # The comment job installs Berth from the base branch, not from the pull request.
    checkout = next(s for s in jobs["comment"]["steps"] if s.get("uses", "").startswith(CHECKOUT))
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"


def test_fork_pull_requests_fail_with_the_render_check_message() -> None:
    steps = _jobs(_load(PR_WORKFLOW))["check"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any("berth render --check" in r for r in runs)
    fork_steps = [s for s in steps if "full_name != github.repository" in str(s.get("if", ""))]
    assert len(fork_steps) == 1 and "exit 1" in fork_steps[0]["run"]


# --- structure: triggers and concurrency ----------------------------------------------------


def test_pr_workflow_triggers_and_concurrency() -> None:
    workflow = _load(PR_WORKFLOW)
    assert set(_triggers(workflow)) == {"pull_request", "pull_request_review", "merge_group"}
    assert _triggers(workflow)["merge_group"] == {"types": ["checks_requested"]}
    assert _triggers(workflow)["pull_request_review"]["types"] == ["submitted", "dismissed"]
    pull_request = _triggers(workflow)["pull_request"]
    assert set(pull_request["types"]) == {"opened", "synchronize", "reopened", "labeled"}
    for path in (
        "tenants/**",
        "platform.yaml",
        "blueprints/**",
        "generator/**",
        "schemas/**",
        "environments/**",
        "pyproject.toml",
        ".github/workflows/**",
    ):
        assert path in pull_request["paths"], path
    # A review must not cancel the checks of the same pull request: the event is in the group;
    # and each queued merge has a group of its own.
    group = (
        "berth-pr-${{ github.event.pull_request.number || github.event.merge_group.head_ref }}"
        "-${{ github.event_name }}"
    )
    assert workflow["concurrency"] == {"group": group, "cancel-in-progress": True}


def test_a_review_event_runs_only_the_approvals_job() -> None:
    jobs = _jobs(_load(PR_WORKFLOW))
    only_pull_request = "github.event_name == 'pull_request'"
    assert jobs["check"]["if"] == f"{only_pull_request} || github.event_name == 'merge_group'"
    assert jobs["deletions"]["if"] == only_pull_request
    # comment and commit-back need `check`, so they are skipped with it
    for job_id in ("comment", "commit-back"):
        assert jobs[job_id]["needs"] == "check", job_id
    assert jobs["approvals"]["if"] == "github.event_name != 'merge_group'"
    assert "needs" not in jobs["approvals"]
    step = jobs["approvals"]["steps"][-1]
    assert "berth plan --base" in step["run"] and "--require-approvals" in step["run"]
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"


def test_every_job_running_berth_on_pull_request_files_refuses_a_tracked_berth_dir() -> None:
    jobs = _jobs(_load(PR_WORKFLOW))
    running = [
        j
        for j, job in jobs.items()
        if any(".venv/bin/berth " in s.get("run", "") for s in job["steps"])
    ]
    pr_code = [j for j in running if j != "comment"]  # comment installs the base's Berth
    assert sorted(pr_code) == ["approvals", "check", "deletions"]
    for job_id in pr_code:
        steps = jobs[job_id]["steps"]
        assert steps[0]["uses"].startswith(CHECKOUT), job_id
        assert "git ls-files .berth" in steps[1]["run"] and "exit 1" in steps[1]["run"], job_id


def test_verify_findings_follow_the_plan_in_the_comment_and_still_fail_the_job() -> None:
    check = _jobs(_load(PR_WORKFLOW))["check"]
    steps = {s.get("id") or s["name"]: s for s in check["steps"]}
    verify = steps["verify"]["run"]
    # One scoped run: Markdown for the comment, annotations in the log (GITHUB_ACTIONS).
    assert (
        'berth verify --base "$BASE" --format markdown --output "$RUNNER_TEMP/verify.md"' in verify
    )
    assert steps["verify"]["env"]["BASE"] == "${{ steps.base.outputs.sha }}"
    assert 'cat "$RUNNER_TEMP/verify.md" >>"$RUNNER_TEMP/plan.md"' in steps["plan"]["run"]
    names = [s.get("id") or s["name"] for s in check["steps"]]
    assert names[-1] == "Verify failed"
    assert names.index("plan") < names.index("Keep the plan for the comment job") < len(names) - 1
    assert check["steps"][-1]["if"] == "steps.verify.outputs.status != '0'"
    comment_if = _jobs(_load(PR_WORKFLOW))["comment"]["if"]
    assert "!cancelled()" in comment_if and "needs.check.outputs.planned == 'true'" in comment_if


def test_intake_workflow_triggers_on_labelled_request_issues() -> None:
    workflow = _load(INTAKE_WORKFLOW)
    assert _triggers(workflow)["issues"]["types"] == ["opened", "edited", "labeled"]
    assert workflow["concurrency"]["group"] == "berth-intake-${{ github.event.issue.number }}"
    condition = _jobs(workflow)["intake"]["if"]
    for label in ("tenant-request", "app-request"):
        assert f"contains(github.event.issue.labels.*.name, '{label}')" in condition
    scripts = [s.get("run", "") for _, s in _steps(workflow)]
    assert any(s.strip() == ".venv/bin/berth intake" for s in scripts)

"""The GitLab CI Berth ships: the rules that keep the write token away from merge requests.

`.gitlab-ci.yml` is checked against GitLab's schema in tests/test_workflows.py; the publish job
runs end to end in tests/test_gitlab_publish.py. Here: the structure docs/ci.md promises.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.fake_gitlab import FakeGitLab
from tests.support.tools import REPO, reference, run, tool

GITLAB_CI = REPO / ".gitlab-ci.yml"


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a mapping"
    return document


def _gitlab() -> dict[str, Any]:
    return _load(GITLAB_CI)


def _flat(lines: Any) -> list[str]:
    if isinstance(lines, str):
        return [lines]
    if isinstance(lines, list):
        return [line for item in lines for line in _flat(item)]
    return []


def _script(job: dict[str, Any]) -> str:
    return "\n".join(_flat(job.get("before_script", [])) + _flat(job.get("script", [])))


def _rules(ci: dict[str, Any], job_id: str) -> list[str]:
    job = ci[job_id]
    rules = job.get("rules") or [
        r for parent in job.get("extends", []) for r in ci[parent]["rules"]
    ]
    return [rule["if"] for rule in rules]


def _jobs_of(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: v
        for k, v in ci.items()
        if isinstance(v, dict) and not k.startswith(".") and "script" in v
    }


MR_EVENT = '$CI_PIPELINE_SOURCE == "merge_request_event"'
TRUSTED = (
    '$CI_PIPELINE_SOURCE == "trigger" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
    ' && $CI_COMMIT_REF_PROTECTED == "true"'
)


def test_gitlab_merge_request_pipeline() -> None:
    ci = _gitlab()
    jobs = _jobs_of(ci)
    merge_request_jobs = {j for j in jobs if any("merge_request_event" in r for r in _rules(ci, j))}
    assert merge_request_jobs == {"validate", "render", "verify", "plan", "approvals"}
    for job_id in merge_request_jobs:
        assert _rules(ci, job_id) == [MR_EVENT], job_id
    assert ci["validate"]["artifacts"]["reports"]["junit"] == "berth-validate.xml"
    assert "berth plan --base" in _script(ci["plan"]) and "--fail-on-delete" in _script(ci["plan"])
    assert "--require-approvals" in _script(ci["approvals"])
    verify = _script(ci["verify"])
    assert ".venv/bin/berth verify ||" in verify
    assert "berth verify --format markdown --output verify.md" in verify
    assert ci["verify"]["artifacts"]["paths"] == ["verify.md"]


def test_gitlab_no_merge_request_job_can_reach_the_write_token() -> None:
    # A merge request pipeline runs the source branch's .gitlab-ci.yml, so what matters is
    # that the token is never available there: protected, used only by jobs of protected
    # default-branch pipelines, and no job or environment scope hands it out.
    ci = _gitlab()
    text = GITLAB_CI.read_text(encoding="utf-8")
    assert "PROTECTED" in text and "masked and PROTECTED" in text
    for job_id, job in _jobs_of(ci).items():
        rules = _rules(ci, job_id)
        uses_token = "BERTH_GITLAB_TOKEN" in json.dumps(job) or job_id in ("publish", "intake")
        if any("merge_request_event" in r for r in rules):
            assert "BERTH_GITLAB_TOKEN" not in json.dumps(job), job_id
            assert "bash .gitlab/publish.sh" not in _script(job), job_id
        if uses_token:
            assert all("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in r for r in rules), job_id
        assert "environment" not in job, job_id  # no environment scope to widen access
    assert _rules(ci, "publish") == [TRUSTED]
    assert _rules(ci, "intake")[0] == TRUSTED


def test_gitlab_publish_runs_only_the_default_branchs_code() -> None:
    ci = _gitlab()
    publish = ci["publish"]
    assert publish["before_script"] == [
        ci[".install-berth"]
    ]  # Berth first, from the default branch
    assert "bash .gitlab/publish.sh" in _script(publish)
    script = (REPO / ".gitlab" / "publish.sh").read_text(encoding="utf-8")
    fetch = script.index("refs/merge-requests/$iid/head")
    assert "pip install" not in script and "install-tools" not in script
    # Every Berth run after the fetch reads the merge request's files through --root.
    calls = [line for line in script[fetch:].splitlines() if '"$berth"' in line]
    assert len(calls) == 4
    for line in calls:
        assert '"$berth" --root "$work"' in line or line.strip().startswith("CI_MERGE_REQUEST_IID")
    assert 'git ls-tree -r --name-only "$sha" -- .berth' in script
    assert '"120000"' in script  # symbolic links refused
    assert "':!tenants'" in script  # commit-back only for changes of tenant requests
    assert 'push "$CI_PROJECT_URL.git" "HEAD:refs/heads/$source_branch"' in script
    assert "credential.helper" in script and "BERTH_GITLAB_TOKEN" in script


def test_gitlab_merge_request_jobs_refuse_a_tracked_berth_dir() -> None:
    ci = _gitlab()
    check = ci[".no-berth-dir"][0]
    assert "git ls-files .berth" in check and "exit 1" in check
    for job_id in ("validate", "render", "verify", "plan", "approvals"):
        before = _flat(ci[job_id]["before_script"])
        install = before.index(_flat(ci[".install-berth"])[0])
        assert check in before[:install], job_id


def _helper(
    script: str, mode: str, event: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, script, mode, str(event)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_gitlab_event_helper_reads_the_merge_request_back_from_the_api(tmp_path: Path) -> None:
    payload = json.loads(
        reference("gitlab", "docs-webhook-events", "merge_request_event.json").read_text()
    )
    payload["object_attributes"]["iid"] = 1
    payload["object_attributes"]["source_branch"] = "evil; rm -rf /"  # ignored: read from the API
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    helper = str(REPO / ".gitlab" / "berth_event.py")
    with FakeGitLab() as gitlab:
        env = {
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_ID": str(gitlab.project_id),
            "BERTH_GITLAB_TOKEN": gitlab.token,
            "PATH": "/usr/bin:/bin",
        }
        kind = _helper(helper, "kind", event, env)
        assert kind.stdout == "merge_request\n"
        found = _helper(helper, "merge-request", event, env)
        request = gitlab.merge_requests[1]
        assert found.returncode == 0, found.stderr
        assert found.stdout.splitlines() == [
            "iid=1",
            f"sha={request['sha']}",
            f"source_branch={request['source_branch']}",
            f"target_branch={request['target_branch']}",
            "same_project=true",
        ]
        request["state"] = "merged"
        closed = _helper(helper, "merge-request", event, env)
        assert closed.returncode == 3 and closed.stdout == ""
    issue = reference("gitlab", "docs-webhook-events", "issue_event.json")
    assert _helper(helper, "kind", issue, {"PATH": "/usr/bin:/bin"}).stdout == "issue\n"


def test_gitlab_intake_reads_the_event_from_a_file() -> None:
    ci = _gitlab()
    script = _script(ci["intake"])
    assert 'berth intake --event "$event"' in script
    assert "TRIGGER_PAYLOAD" in script and "BERTH_EVENT" in script
    assert 'berth_event.py kind "$event")" != "issue"' in script


def test_gitlab_bump_runs_on_a_trusted_trigger_and_reads_the_variables_itself() -> None:
    ci = _gitlab()
    [rule] = _rules(ci, "bump")
    assert rule.startswith('$CI_PIPELINE_SOURCE == "trigger" && $BERTH_TENANT')
    assert rule.endswith(
        '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_COMMIT_REF_PROTECTED == "true"'
    )
    script = _script(ci["bump"])
    assert script.endswith('.venv/bin/berth bump --from-variables --into "$CI_DEFAULT_BRANCH"')
    # The release trigger is no issue event: intake lets it pass instead of failing.
    assert 'if [ -z "$event" ] && [ -n "${BERTH_TENANT:-}" ]' in _script(ci["intake"])


def test_gitlab_bump_template_for_app_projects() -> None:
    template = REPO / ".gitlab" / "berth-bump.gitlab-ci.yml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(template)])
    script = _script(_load(template)[".berth-bump"])
    # --form would read `@file` values from disk; --form-string sends them as typed.
    assert "--form " not in script and script.count("--form-string") == 7
    for name in ("TENANT", "APP", "ENVIRONMENT", "TAG", "DIGEST"):
        assert f'"variables[BERTH_{name}]=$BERTH_{name}"' in script

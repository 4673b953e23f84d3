"""The GitLab CI Berth ships: the rules that keep the write token away from merge requests.

`.gitlab-ci.yml` is checked against GitLab's schema in tests/test_workflows.py; the publish job
runs end to end in tests/test_gitlab_publish.py. Here: the structure docs/ci.md promises.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import gitlab_ci as g
from tests.support.fake_gitlab import FakeGitLab
from tests.support.gitlab_ci import GITLAB_CI
from tests.support.tools import REPO, reference, run, tool

MR_EVENT = '$CI_PIPELINE_SOURCE == "merge_request_event"'
TRUSTED = (
    '$CI_PIPELINE_SOURCE == "trigger" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
    ' && $CI_COMMIT_REF_PROTECTED == "true"'
)


def test_gitlab_merge_request_pipeline() -> None:
    ci = g.gitlab()
    jobs = g.jobs_of(ci)
    merge_request_jobs = {
        j for j in jobs if any("merge_request_event" in r for r in g.rules(ci, j))
    }
    assert merge_request_jobs == {"validate", "render", "verify", "plan", "approvals"}
    for job_id in merge_request_jobs:
        assert g.rules(ci, job_id) == [MR_EVENT], job_id
    assert ci["validate"]["artifacts"]["reports"]["junit"] == "berth-validate.xml"
    assert 'berth plan --base "$MERGE_TARGET_SHA"' in g.script(ci["plan"])
    assert "--fail-on-delete" in g.script(ci["plan"])
    assert "--require-approvals" in g.script(ci["approvals"])
    verify = g.script(ci["verify"])
    assert '.venv/bin/berth verify --base "$MERGE_TARGET_SHA" ||' in verify
    assert 'berth verify --base "$MERGE_TARGET_SHA" --format markdown --output verify.md' in verify
    assert ci["verify"]["artifacts"]["paths"] == ["verify.md"]


def test_gitlab_no_merge_request_job_can_reach_the_write_token() -> None:
    # A merge request pipeline runs the source branch's .gitlab-ci.yml, so what matters is
    # that the token is never available there: protected, used only by jobs of protected
    # default-branch pipelines, and no job or environment scope hands it out.
    ci = g.gitlab()
    text = GITLAB_CI.read_text(encoding="utf-8")
    assert "PROTECTED" in text and "masked and PROTECTED" in text
    for job_id, job in g.jobs_of(ci).items():
        rules = g.rules(ci, job_id)
        uses_token = "BERTH_GITLAB_TOKEN" in json.dumps(job) or job_id in g.token_jobs(ci)
        if any("merge_request_event" in r for r in rules):
            assert "BERTH_GITLAB_TOKEN" not in json.dumps(job), job_id
            assert "bash .gitlab/publish.sh" not in g.script(job), job_id
        if uses_token:
            assert all("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in r for r in rules), job_id
        assert "environment" not in job, job_id  # no environment scope to widen access
    assert g.token_jobs(ci) == ["bump", "intake", "publish"]
    assert g.rules(ci, "publish") == g.rules(ci, "intake") == [TRUSTED]


def test_gitlab_publish_runs_only_the_default_branchs_code() -> None:
    ci = g.gitlab()
    publish = ci["publish"]
    # The variable check, then Berth, from the default branch, before anything else.
    assert publish["before_script"] == [ci[".check-variables"], ci[".install-berth"]]
    assert "bash .gitlab/publish.sh" in g.script(publish)
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
    ci = g.gitlab()
    check = ci[".no-berth-dir"][0]
    assert "git ls-files .berth" in check and "exit 1" in check
    for job_id in ("validate", "render", "verify", "plan", "approvals"):
        before = g.flat(ci[job_id]["before_script"])
        install = before.index(g.flat(ci[".install-berth"])[0])
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
    ci = g.gitlab()
    script = g.script(ci["intake"])
    assert 'berth intake --event "$event"' in script
    # The webhook's payload file only: no pipeline variable can carry an event any more.
    assert 'event="${TRIGGER_PAYLOAD:-}"' in script
    assert "BERTH_EVENT" not in GITLAB_CI.read_text(encoding="utf-8")
    assert 'berth_event.py kind "$event")" != "issue"' in script


def test_gitlab_bump_runs_on_a_trusted_trigger_and_reads_the_variables_itself() -> None:
    ci = g.gitlab()
    [rule] = g.rules(ci, "bump")
    assert rule.startswith('$CI_PIPELINE_SOURCE == "trigger" && $BERTH_TENANT')
    assert rule.endswith(
        '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_COMMIT_REF_PROTECTED == "true"'
    )
    script = g.script(ci["bump"])
    assert script.endswith('.venv/bin/berth bump --from-variables --into "$CI_DEFAULT_BRANCH"')
    # The release trigger is no issue event: intake lets it pass instead of failing.
    assert 'if [ -n "$BERTH_TENANT" ]; then' in g.script(ci["intake"])


@pytest.mark.tools
def test_gitlab_bump_template_for_app_projects() -> None:
    template = REPO / ".gitlab" / "berth-bump.gitlab-ci.yml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(template)])
    script = g.script(g.load(template)[".berth-bump"])
    # --form would read `@file` values from disk; --form-string sends them as typed.
    # The platform takes inputs, never variables (docs/ci.md): the template sends each input
    # of the platform pipeline's `spec: inputs`, the token and the ref, and nothing else.
    inputs = g.header()["spec"]["inputs"]
    assert "--form " not in script and script.count("--form-string") == 2 + len(inputs)
    assert "variables[" not in script
    for name in inputs:
        assert f'"inputs[{name}]=$BERTH_{name.upper()}"' in script


# --- the merge request is checked as it would merge ------------------------------------------

MERGE_REQUEST_JOBS = ("validate", "render", "verify", "plan", "approvals")


def test_gitlab_merge_request_jobs_check_the_merged_result_against_the_target_head() -> None:
    ci = g.gitlab()
    merge_result = g.flat(ci[".merge-result"])
    for job_id in MERGE_REQUEST_JOBS:
        before = g.flat(ci[job_id]["before_script"])
        install = before.index(g.flat(ci[".install-berth"])[0])
        assert merge_result[0] in before[:install], job_id
        text = g.script(ci[job_id])
        # Every Berth check compares with the target branch's head, none with a merge base.
        calls = [line for line in text.splitlines() if ".venv/bin/berth " in line]
        checks = [c for c in calls if "berth schema" not in c]
        assert checks and all('--base "$MERGE_TARGET_SHA"' in c for c in checks), job_id
    text = GITLAB_CI.read_text(encoding="utf-8")
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" not in text
    assert "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" not in text  # no job checks the source alone


def _merge_result(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    snippet = "\n".join(g.flat(g.gitlab()[".merge-result"]))
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", snippet + '\necho "base=$MERGE_TARGET_SHA"'],
        cwd=repo,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_gitlab_merge_result_snippet_finds_the_target_head_or_refuses(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]

    def sha(ref: str) -> str:
        return subprocess.run(
            [*git, "rev-parse", ref], capture_output=True, text=True
        ).stdout.strip()

    for args in (
        ["init", "-q", "-b", "main"],
        ["commit", "-q", "--allow-empty", "-m", "base"],
        ["checkout", "-q", "-b", "feature"],
        ["commit", "-q", "--allow-empty", "-m", "change"],
        ["checkout", "-q", "main"],
        ["commit", "-q", "--allow-empty", "-m", "the target moved on"],
        ["merge", "-q", "--no-ff", "-m", "merge", "feature"],
    ):
        subprocess.run([*git, *args], check=True, capture_output=True)
    target = sha("HEAD^1")

    merged = _merge_result(
        repo,
        {
            "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result",
            "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": target,
        },
    )
    assert merged.returncode == 0 and merged.stdout.splitlines()[-1] == f"base={target}"
    train = _merge_result(repo, {"CI_MERGE_REQUEST_EVENT_TYPE": "merge_train"})
    assert train.returncode == 0 and train.stdout.splitlines()[-1] == f"base={target}"
    # A pipeline of the source branch alone ("detached") is refused, naming the setting.
    detached = _merge_result(repo, {"CI_MERGE_REQUEST_EVENT_TYPE": "detached"})
    assert detached.returncode == 1 and "merged results pipelines" in detached.stdout
    # A merge commit made on an older target head is refused too.
    stale = _merge_result(
        repo,
        {
            "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result",
            "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": sha("HEAD^1^1"),
        },
    )
    assert stale.returncode == 1 and "target branch's head" in stale.stdout


def test_gitlab_stale_generated_files_fail_the_merge_request_pipeline() -> None:
    text = g.script(g.gitlab()["render"])
    assert 'berth render --check --base "$MERGE_TARGET_SHA"' in text
    assert "berth schema --check" in text
    # The one exit 0 is for current files; a fork and the same project alike end in exit 1:
    # stale files are never merged (publish's push starts a new pipeline).
    assert text.count("exit 0") == 1
    assert text.index("exit 0") < text.index('if [ "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID"')
    assert text.strip().splitlines()[-1] == "exit 1"


# --- the default branch verifies every merge ----------------------------------------------------


def test_gitlab_main_verifies_every_merge_with_the_cache_and_a_scheduled_cold_run() -> None:
    ci = g.gitlab()
    push = '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
    schedule = '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
    assert schedule in [rule["if"] for rule in ci["workflow"]["rules"]]
    assert g.rules(ci, "main-verify") == [push]
    warm = g.script(ci["main-verify"])
    assert warm.splitlines()[-1] == ".venv/bin/berth verify --cache .berth/verify-cache"
    assert ci["main-verify"]["cache"]["paths"] == [".berth/verify-cache/"]
    assert ci["main-verify"]["cache"]["key"] == "berth-verify-$CI_DEFAULT_BRANCH"
    assert g.rules(ci, "main-verify-cold") == [schedule]
    cold = g.script(ci["main-verify-cold"])
    assert cold.splitlines()[-1] == ".venv/bin/berth verify"
    assert "cache" not in ci["main-verify-cold"] and "--cache" not in cold
    for job_id in ("main-verify", "main-verify-cold"):
        assert "bash .ci/install-tools" in g.script(ci[job_id]), job_id

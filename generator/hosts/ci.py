"""What the CI system tells a job about the change it runs for.

Read from the variables GitHub Actions and GitLab CI already set; every value that comes from
a webhook payload is data, read from a file, never from a command line:

- GitHub: `GITHUB_EVENT_PATH` (the event payload: `pull_request.number`,
  `pull_request.labels[].name`), `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_RUN_ID`
  (the job log link).
- GitLab: `CI_MERGE_REQUEST_IID`, `CI_MERGE_REQUEST_LABELS` (comma-separated), `CI_JOB_URL`.

Tokens are not read here; `generator.hosts.connect.host_from_environment` does that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from generator.problems import UsageError
from generator.problems.code_spans import COMMENT_LIMIT as COMMENT_LIMIT

# Every variable through which a CI system tells Berth about the job (read here, by the host
# clients in this package, and by `berth bump --from-variables`); tests clear them all.
CI_VARIABLES = (
    "GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID", "GITHUB_API_URL", "GITHUB_TOKEN", "GITHUB_REF_NAME",
    "GITLAB_CI", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_LABELS",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_COMMIT_SHA", "CI_JOB_URL", "CI_JOB_TOKEN",
    "CI_API_V4_URL", "CI_PROJECT_ID", "CI_DEFAULT_BRANCH",
    "BERTH_GITLAB_TOKEN", "BERTH_GITLAB_READ_TOKEN", "BERTH_BASE_BRANCH",
    "BERTH_TENANT", "BERTH_APP", "BERTH_ENVIRONMENT", "BERTH_TAG", "BERTH_DIGEST",
    "BERTH_VERSION",
)  # fmt: skip
MAX_EVENT_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


def read_event(path: str) -> dict[str, Any]:
    """A webhook payload from a file: a JSON object, or a UsageError that says what is wrong."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the event payload {path}: {exc.strerror}") from None
    if len(raw) > MAX_EVENT_BYTES:
        raise UsageError(f"the event payload {path} is larger than {MAX_EVENT_BYTES} bytes")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"the event payload {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"the event payload {path} is not a JSON object")
    return data


Platform = Literal["github", "gitlab"]


def platform(environ: Mapping[str, str]) -> Platform | None:
    """The CI system this job runs on, or None outside CI. The systems' own flags first, so a
    stray variable of the other one cannot win; then what names a project on one of them (a
    job run by hand with a repository and a token set)."""
    if _get(environ, "GITHUB_ACTIONS"):
        return "github"
    if _get(environ, "GITLAB_CI"):
        return "gitlab"
    if _get(environ, "GITHUB_REPOSITORY"):
        return "github"
    if _get(environ, "CI_PROJECT_ID") or _get(environ, "CI_MERGE_REQUEST_IID"):
        return "gitlab"
    return None


def on_gitlab(environ: Mapping[str, str]) -> bool:
    return platform(environ) == "gitlab"


def in_ci(environ: Mapping[str, str]) -> bool:
    """Any CI system (`CI` is set by GitHub Actions, GitLab CI and most others): there a
    missing tool is a failure, not a skipped check."""
    return bool(_get(environ, "CI")) or platform(environ) is not None


def default_format(environ: Mapping[str, str]) -> Literal["github", "text"]:
    """Problems as workflow annotations under GitHub Actions, as text elsewhere."""
    return "github" if _get(environ, "GITHUB_ACTIONS") == "true" else "text"


def _github_pull_request(environ: Mapping[str, str]) -> dict[str, Any] | None:
    path = _get(environ, "GITHUB_EVENT_PATH")
    if not path:
        return None
    pull = read_event(path).get("pull_request")
    return pull if isinstance(pull, dict) else None


def pull_request_number(environ: Mapping[str, str]) -> int | None:
    """The number of the pull request (GitHub) or the iid of the merge request (GitLab)."""
    if on_gitlab(environ):
        iid = _get(environ, "CI_MERGE_REQUEST_IID")
        return int(iid) if iid.isdigit() else None
    pull = _github_pull_request(environ)
    number = pull.get("number") if pull else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def pull_request_labels(environ: Mapping[str, str]) -> frozenset[str]:
    """The labels on the pull request or merge request this job runs for."""
    if on_gitlab(environ):
        return frozenset(
            label.strip() for label in _get(environ, "CI_MERGE_REQUEST_LABELS").split(",") if label
        )
    pull = _github_pull_request(environ)
    labels = pull.get("labels") if pull else None
    if not isinstance(labels, list):
        return frozenset()
    return frozenset(
        label["name"]
        for label in labels
        if isinstance(label, dict) and isinstance(label.get("name"), str)
    )


def planned_head(environ: Mapping[str, str]) -> str:
    """The commit this job planned: the PR head of the GitHub event, or GitLab's source sha."""
    if on_gitlab(environ):
        names = ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_COMMIT_SHA")
        return next((_get(environ, n) for n in names if _get(environ, n)), "")
    pull = _github_pull_request(environ)
    head = pull.get("head") if pull else None
    found = head.get("sha") if isinstance(head, dict) else None
    return found if isinstance(found, str) else ""


def default_branch(environ: Mapping[str, str]) -> str:
    """The branch pull requests go to: what the CI system names the default branch."""
    for name in ("BERTH_BASE_BRANCH", "CI_DEFAULT_BRANCH", "GITHUB_REF_NAME"):
        if value := _get(environ, name):
            return value
    return "main"


def job_log_url(environ: Mapping[str, str]) -> str | None:
    """A link to this job's log, where the full output is, or None outside CI."""
    server, repository, run = (
        _get(environ, "GITHUB_SERVER_URL"),
        _get(environ, "GITHUB_REPOSITORY"),
        _get(environ, "GITHUB_RUN_ID"),
    )
    if server and repository and run:
        return f"{server.rstrip('/')}/{repository}/actions/runs/{run}"
    return _get(environ, "CI_JOB_URL") or None


def _get(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, "").strip()

"""The trusted GitLab publish job (.gitlab/publish.sh) end to end, on real Git repositories.

The "GitLab" is the fake on 127.0.0.1 (tests/support/fake_gitlab.py) for the API, and a bare
Git repository on disk for the remote; the webhook payload is GitLab's documented merge
request event (tests/upstream). The script runs with bash as the publish job runs it: in a
clone of the default branch, with the default branch's Berth, BERTH_GITLAB_TOKEN set.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import REPO, SEARCH, git, make_repo
from tests.support.tools import reference

MESSAGE = "berth: regenerate the generated files"
PLAN = "<!-- berth:plan -->"


@dataclass
class Setup:
    gitlab: FakeGitLab
    origin: Path
    project: Path
    payload: Path
    env: dict[str, str]

    def merge_request(self, files: dict[str, str], *, branch: str = "feature") -> str:
        """Push a branch with `files` changed on main and point merge request !1 at it."""
        work = self.origin.parent / f"work-{branch}"
        if not work.exists():
            git(self.origin.parent, "clone", "-q", str(self.origin), str(work))
        git(work, "checkout", "-q", "-B", branch, "origin/main")
        for path, text in files.items():
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text)
        git(work, "add", "-A", "-f")
        git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "change")
        git(work, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{branch}")
        sha = git(work, "rev-parse", "HEAD").strip()
        git(work, "push", "-q", "-f", "origin", "HEAD:refs/merge-requests/1/head")
        self.gitlab.merge_requests[1].update(
            sha=sha, source_branch=branch, target_branch="main", state="opened"
        )
        return sha

    def publish(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", ".gitlab/publish.sh", str(self.payload)],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def branch(self, name: str = "feature") -> str:
        return git(self.origin, "rev-parse", f"refs/heads/{name}").strip()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    seed = make_repo(tmp_path / "seed", commit=False, render=True)
    (seed / ".gitlab").mkdir(exist_ok=True)  # render wrote the issue templates into it
    for name in ("publish.sh", "berth_event.py"):
        (seed / ".gitlab" / name).write_bytes((REPO / ".gitlab" / name).read_bytes())
    (seed / ".gitignore").write_text(".berth/\n.venv\n")
    git(seed, "-c", "init.defaultBranch=main", "init", "-q")
    git(seed, "add", "-A")
    git(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    project = tmp_path / "project"
    git(tmp_path, "clone", "-q", str(origin), str(project))
    # The default branch's Berth: the one installed for this checkout of Berth itself.
    (project / ".venv").symlink_to(REPO / ".venv")
    payload = json.loads(
        reference("gitlab", "docs-webhook-events", "merge_request_event.json").read_text()
    )
    event = tmp_path / "payload.json"
    event.write_text(json.dumps(payload))
    with FakeGitLab(token="glpat-write-token-123") as gitlab:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
            "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
            "GITLAB_CI": "true",
            "CI_PROJECT_DIR": str(project),
            "CI_PROJECT_ID": str(gitlab.project_id),
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_URL": str(tmp_path / "origin"),
            "CI_SERVER_HOST": "gitlab.example",
            "BERTH_GITLAB_TOKEN": gitlab.token,
        }
        yield Setup(gitlab, origin, project, event, env)


def notes(setup: Setup) -> list[str]:
    return [n["body"] for n in setup.gitlab.notes[("merge_requests", 1)] if PLAN in n["body"]]


def test_a_tenant_request_gets_its_note_and_its_generated_files(setup: Setup) -> None:
    sha = setup.merge_request({"tenants/search/tenant.yaml": SEARCH + "  allowFrom: [payments]\n"})

    proc = setup.publish()

    assert proc.returncode == 0, proc.stdout + proc.stderr
    head = setup.branch()
    assert head != sha
    assert git(setup.origin, "log", "-1", "--format=%s%n%P", head).split() == [
        *MESSAGE.split(),
        sha,
    ]
    changed = git(setup.origin, "diff", "--name-only", sha, head).split()
    assert "environments/dev/tenants/payments/guardrails/kustomization.yaml" in changed
    assert all(p.startswith(("environments/", "schemas/")) or p == "CODEOWNERS" for p in changed)
    [note] = notes(setup)
    assert "needs approval from the owners of `payments`" in note

    # The push starts another round: nothing to commit, the same note updated in place.
    setup.gitlab.merge_requests[1]["sha"] = head
    git(setup.origin, "update-ref", "refs/merge-requests/1/head", head)
    again = setup.publish()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "generated files are current" in again.stdout
    assert setup.branch() == head and len(notes(setup)) == 1


def test_a_change_beyond_tenant_requests_gets_a_note_but_no_commit(setup: Setup) -> None:
    values = (REPO / "blueprints/web-service/values.yaml.j2").read_text()
    sha = setup.merge_request(
        {
            "tenants/search/tenant.yaml": SEARCH + "  allowFrom: [payments]\n",
            "blueprints/web-service/values.yaml.j2": values + "# edited\n",
        }
    )
    proc = setup.publish()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "changes more than tenant requests" in proc.stdout
    assert setup.branch() == sha
    assert len(notes(setup)) == 1


def test_a_tracked_berth_folder_is_refused_before_any_render(setup: Setup) -> None:
    journal = '[["delete", "../victim"]]'
    sha = setup.merge_request({".berth/journal.json": journal})
    victim = setup.project.parent / "victim"
    victim.write_text("keep me")
    proc = setup.publish()
    assert proc.returncode == 1
    assert "tracks files under .berth/" in proc.stdout
    assert victim.read_text() == "keep me" and setup.branch() == sha
    assert notes(setup) == []


def test_a_closed_merge_request_or_a_moved_head_publishes_nothing(setup: Setup) -> None:
    sha = setup.merge_request({"tenants/search/tenant.yaml": SEARCH + "  allowFrom: [payments]\n"})
    setup.gitlab.merge_requests[1]["state"] = "merged"
    assert "nothing to publish" in setup.publish().stdout
    setup.gitlab.merge_requests[1].update(state="opened", sha="0" * 40)
    proc = setup.publish()
    assert proc.returncode == 0 and "moved on" in proc.stdout
    assert setup.branch() == sha and notes(setup) == []


def test_without_the_protected_token_it_stops(setup: Setup) -> None:
    setup.merge_request({"tenants/search/tenant.yaml": SEARCH + "  allowFrom: [payments]\n"})
    del setup.env["BERTH_GITLAB_TOKEN"]
    proc = setup.publish()
    assert proc.returncode == 1 and "must be a protected variable" in proc.stdout


def test_git_variables_do_not_reach_the_publish_scripts_git(setup: Setup, tmp_path: Path) -> None:
    # The job's variable check refuses these first; publish.sh does not rely on it: its git
    # (fetch, worktree, commit, push) and Berth's run without them.
    sha = setup.merge_request({"tenants/search/tenant.yaml": SEARCH + "  allowFrom: [payments]\n"})
    attack = tmp_path / "attack"
    attack.mkdir()
    pwned = attack / "pwned"
    setup.env |= {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "core.fsmonitor",
        "GIT_CONFIG_VALUE_0": f"echo pwned > {pwned}; false",
        "GIT_CONFIG_KEY_1": "core.hooksPath",
        "GIT_CONFIG_VALUE_1": str(attack),
        "GIT_TRACE": str(attack / "trace"),
    }
    (attack / "pre-commit").write_text(f"#!/bin/sh\necho pwned > {pwned}\n")
    (attack / "pre-commit").chmod(0o755)

    proc = setup.publish()

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in attack.iterdir()) == ["pre-commit"]
    assert setup.branch() != sha  # the generated files were committed as without them

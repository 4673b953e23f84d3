"""Atomic writes: an interrupted render never leaves a mixed tree behind."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from generator import write
from generator.write.strays import stray_problem
from tests.support.cli import berth
from tests.support.example import example
from tests.support.trees import snapshot

EXAMPLE = example()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    for name in (
        "tenants",
        "blueprints",
        "environments",
        "catalog",
        ".github/ISSUE_TEMPLATE",
        ".gitlab/issue_templates",
    ):
        shutil.copytree(EXAMPLE / name, tmp_path / name)
    return tmp_path


def change_every_quota(repo: Path) -> None:
    platform = repo / "platform.yaml"
    platform.write_text(platform.read_text().replace('small:  {cpu: "2"', 'small:  {cpu: "3"'))


class Crash(Exception):
    pass


def test_crash_while_staging_leaves_the_old_tree(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo / "environments")
    change_every_quota(repo)
    real_open = open
    staged = 0

    def crashing_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        nonlocal staged
        if "staging" in str(path) and ("w" in mode or "x" in mode):
            staged += 1
            if staged == 3:
                raise Crash("killed while writing")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(write, "open", crashing_open, raising=False)
    with pytest.raises(Crash):
        write.apply_changes(*_plan(repo))
    assert snapshot(repo / "environments") == before
    monkeypatch.undo()

    # The next run cleans the staging area and renders normally.
    code, out, _ = berth(repo, "render")
    assert code == 0, out
    assert not (repo / ".berth" / "staging").exists()
    assert snapshot(repo / "environments") != before
    assert berth(repo, "render", "--check")[0] == 0


def test_crash_during_the_swap_is_finished_by_the_next_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change_every_quota(repo)
    real_replace = write.os.replace
    swapped = 0

    def crashing_replace(src: str, dst: str) -> None:
        nonlocal swapped
        if "staging" in str(src):
            swapped += 1
            if swapped == 2:
                raise Crash("killed between two renames")
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", crashing_replace)
    with pytest.raises(Crash):
        write.apply_changes(*_plan(repo))
    monkeypatch.undo()
    assert (repo / ".berth" / "journal.json").exists()
    code, _out, _ = berth(repo, "render", "--check")
    assert code == 1  # a half-swapped tree is never reported as current

    code, _, _ = berth(repo, "render")
    assert code == 0
    assert not (repo / ".berth" / "journal.json").exists()
    assert berth(repo, "render", "--check")[0] == 0
    quota = (
        repo / "environments" / "dev" / "tenants" / "checkout" / "guardrails" / "kustomization.yaml"
    ).read_text()
    assert 'requests.cpu: "3"' in quota


def test_no_temporary_files_are_left_in_the_tree(repo: Path) -> None:
    change_every_quota(repo)
    assert berth(repo, "render")[0] == 0
    names = [p.name for p in (repo / "environments").rglob("*")]
    assert not [n for n in names if "tmp" in n or n.startswith(".")]


def test_invalid_input_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    (repo / "tenants" / "search" / "tenant.yaml").write_text("kind: Tenant\n")
    before = snapshot(repo)
    code, _, err = berth(repo, "render")
    assert code == 1
    assert "tenants/search/tenant.yaml:1:1: apiVersion: is required" in err
    after = snapshot(repo)
    assert after.pop(".berth/lock") == b""  # the (empty) render lock itself
    assert after == before


def _plan(repo: Path) -> tuple[str, write.Outcome, dict[str, bytes], write.Workspace, write.Cache]:
    from generator.load import load_repo
    from generator.render.tree import units
    from generator.validate import validate_repo

    valid, problems = validate_repo(load_repo(str(repo)))
    assert valid is not None, problems
    workspace = write.Workspace(str(repo))
    outcome, writes, cache = write.plan_tree(str(repo), units(valid), {}, workspace)
    assert outcome.changes
    return str(repo), outcome, writes, workspace, cache


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.repo import atomic

    target = tmp_path / "cache.json"
    target.write_text("old")

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_atomic(str(target), "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.json"]


def test_render_removes_every_file_it_did_not_write(repo: Path) -> None:
    before = snapshot(repo / "environments")
    tenant = repo / "environments" / "dev" / "tenants" / "payments"
    (tenant / "notes.md").write_text("on-call: alice\n")
    (tenant / "extra" / "deep").mkdir(parents=True)
    (tenant / "extra" / "deep" / "x.yaml").write_text("kind: ConfigMap\n")
    (repo / "environments" / ".hidden").write_text("x\n")
    (repo / "environments" / "prod" / "link").symlink_to(repo / "platform.yaml")
    stale = repo / "environments" / "staging" / "tenants" / "gone" / "argocd.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("# Generated by berth from tenants/gone/tenant.yaml.\n[]\n")

    code, out, err = berth(repo, "render", "--check")
    assert code == 1
    for path in (
        "environments/.hidden",
        "environments/prod/link",
        "environments/dev/tenants/payments/notes.md",
    ):
        assert (
            f"{path}:1:1: not written by berth: every file under environments/ is rendered" in err
        )
    assert "environments/dev/tenants/payments/extra/deep/x.yaml:1:1: not written by berth" in err
    assert "stale: environments/staging/tenants/gone/argocd.yaml (would delete)" in out
    assert "gone/argocd.yaml:1:1" not in err  # a file Berth generated is only stale

    code, out, err = berth(repo, "render")
    assert code == 0, err
    assert "environments/prod/link:1:1: warning: not written by berth" in err
    assert "removed" in err
    assert snapshot(repo / "environments") == before
    assert (repo / "platform.yaml").exists()  # the link went, not what it pointed at
    assert berth(repo, "render", "--check")[0] == 0


def test_an_override_file_is_named_as_such() -> None:
    # (validate refuses one anywhere first; this is the message for one Git ignores)
    problem = stray_problem("environments/dev/.argocd-source-x.yaml", removed=False)
    assert problem.message.startswith(
        "an Argo CD parameter override (.argocd-source*) not written by berth"
    )


def test_plan_and_verify_helper_names_the_strays(repo: Path) -> None:
    from generator.write.strays import tree_problems

    assert tree_problems(str(repo)) == []
    (repo / "environments" / "dev" / "extra.yaml").write_text("x: 1\n")
    assert [str(p) for p in tree_problems(str(repo))] == [
        "environments/dev/extra.yaml:1:1: not written by berth: every file under environments/"
        " is rendered from the requests, and Argo CD syncs whatever is there; `berth render`"
        " removes it (keep hand-written files outside environments/)"
    ]


def test_environments_must_be_a_real_folder(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(repo / "environments", elsewhere)
    (repo / "environments").symlink_to(elsewhere)
    before = snapshot(elsewhere)
    change_every_quota(repo)
    code, _, err = berth(repo, "render")
    assert code == 1
    assert "environments:1:1: must be a real folder, not a link or a file" in err
    assert snapshot(elsewhere) == before


def test_codeowners_needs_a_catch_all_first(repo: Path) -> None:
    owners = repo / "CODEOWNERS"
    owners.write_text(owners.read_text().replace("* @acme/platform-team\n", ""))
    before = snapshot(repo)
    code, _, err = berth(repo, "render")
    assert code == 1
    assert "CODEOWNERS:11:1: the first rule must be a catch-all for the platform team" in err
    after = snapshot(repo)
    after.pop(".berth/lock")
    assert after == before


OUTSIDE = "../../outside.txt"
BAD_JOURNALS: dict[str, tuple[object, str]] = {
    "absolute": (
        [["delete", "/etc/passwd"]],
        '[0]: ["delete", "/etc/passwd"]: the target is absolute',
    ),
    "dotdot": (
        [["delete", f"environments/../{OUTSIDE}"]],
        "the target has an empty, '.' or '..' part",
    ),
    "not generated": (
        [["delete", "platform.yaml"]],
        "the target platform.yaml is not a generated path",
    ),
    "hook": (
        [["replace", ".git/hooks/pre-commit", ".berth/staging/0"]],
        "the target .git/hooks/pre-commit is not a generated path",
    ),
    "staged elsewhere": (
        [["replace", "environments/x.yaml", "platform.yaml"]],
        "the staged file platform.yaml is not directly under .berth/staging/",
    ),
    "staged deeper": (
        [["replace", "environments/x.yaml", ".berth/staging/a/b"]],
        "the staged file .berth/staging/a/b is not directly under .berth/staging/",
    ),
    "unknown action": ([["chmod", "environments/dev"]], 'an entry is ["replace", target, staged]'),
    "not a list": ({"delete": "environments"}, "is not a list of entries"),
    "not json": ("[[", "cannot be read as JSON"),
    "link on the way": (
        [["delete", "environments/dev/out/outside.txt"]],
        "the target's path runs through environments/dev/out, which is a symbolic link",
    ),
    "staged link": (
        [["replace", "environments/x.yaml", ".berth/staging/0"]],
        "the staged file .berth/staging/0 is not a regular file",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_JOURNALS))
def test_a_journal_berth_could_not_have_written_is_refused(
    name: str, repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ops, message = BAD_JOURNALS[name]
    outside = tmp_path_factory.mktemp("outside")
    (outside / "outside.txt").write_text("keep me\n")
    staging = repo / ".berth" / "staging"
    staging.mkdir(parents=True)
    (staging / "0").write_text("#!/bin/sh\n") if name != "staged link" else (
        staging / "0"
    ).symlink_to(outside / "outside.txt")
    (repo / "environments" / "dev" / "out").symlink_to(outside)
    journal_file = repo / ".berth" / "journal.json"
    journal_file.write_text(ops if isinstance(ops, str) else json.dumps(ops))
    before = snapshot(repo), snapshot(outside)

    code, _, err = berth(repo, "render")
    assert code == 1, err
    assert message in err
    assert ".berth/journal.json:1:1: was not written by berth, so none of it was carried out" in err
    assert (snapshot(repo), snapshot(outside)) == ({**before[0], ".berth/lock": b""}, before[1])
    assert (outside / "outside.txt").read_text() == "keep me\n"


def test_a_journal_through_a_link_it_deletes_first_is_berths_own(
    repo: Path, tmp_path: Path
) -> None:
    """A hand-made link where a tenant folder belongs: the swap deletes the link, then writes
    the real folder; nothing lands where the link pointed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tenant = repo / "environments" / "dev" / "tenants" / "payments"
    shutil.rmtree(tenant)
    tenant.symlink_to(elsewhere)
    code, _, err = berth(repo, "render")
    assert code == 0, err
    assert "environments/dev/tenants/payments:1:1: warning: not written by berth" in err
    assert not tenant.is_symlink() and (tenant / "argocd.yaml").is_file()
    assert list(elsewhere.iterdir()) == []
    assert berth(repo, "render", "--check")[0] == 0


def test_a_second_render_waits_for_the_first_then_gives_up(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "LOCK_WAIT_SECONDS", 0.3)
    (repo / ".berth").mkdir()
    with open(repo / ".berth" / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running render holds it
        code, _, err = berth(repo, "render")
        assert code == 1
        assert ".berth/lock:1:1: another berth render is running" in err
        assert berth(repo, "render", "--check")[0] == 1

        def release() -> None:
            time.sleep(0.1)
            fcntl.flock(held, fcntl.LOCK_UN)

        releaser = threading.Thread(target=release)
        releaser.start()
        code, _, err = berth(repo, "render")  # waits for the lock, then renders
        releaser.join()
    assert code == 0, err


def test_a_cache_entry_never_hides_an_edit(repo: Path) -> None:
    """An edit that keeps the size and restores the modification time is still seen."""
    assert berth(repo, "render", "--check")[0] == 0  # fills both caches
    generated = repo / "environments" / "dev" / "tenants" / "payments" / "argocd.yaml"
    _edit_keeping_size_and_mtime(generated, "platform-dev", "platform-prd")
    code, out, _ = berth(repo, "render", "--check")
    assert code == 1
    assert "stale: environments/dev/tenants/payments/argocd.yaml (would update)" in out
    assert berth(repo, "render")[0] == 0

    request = repo / "tenants" / "search" / "tenant.yaml"
    _edit_keeping_size_and_mtime(request, "size: small", "size: smoll")
    code, _, err = berth(repo, "render", "--check")
    validate_code, validate_out, _ = berth(repo, "validate")
    assert (code, validate_code) == (1, 1)
    assert "spec.environments.dev.size: unknown size 'smoll'" in validate_out
    assert "spec.environments.dev.size: unknown size 'smoll'" in err


def _edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    assert len(old) == len(new)
    st = path.stat()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_read_only_tree_is_a_user_error_and_stays_as_it_was(repo: Path) -> None:
    """environments/ read-only (as root, which ignores permissions: a read-only bind mount in a
    private mount namespace): exit 1 naming the folders, no file changed, no journal left."""
    change_every_quota(repo)
    before = snapshot(repo / "environments")
    render = [sys.executable, "-m", "generator", "--root", str(repo), "render"]
    env_dir = str(repo / "environments")
    if os.geteuid() == 0:
        script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, env_dir]
        command += render
        folders: list[Path] = []
    else:
        command = render
        folders = [
            repo / "environments",
            *(p for p in (repo / "environments").rglob("*") if p.is_dir()),
        ]
    for folder in folders:
        folder.chmod(0o555)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(
        r"^environments/dev/tenants/\S+:1:1: is not writable; berth render must create,"
        " replace and delete files here$",
        proc.stderr,
        re.M,
    ), proc.stderr
    assert "environments:1:1: nothing was changed" in proc.stderr
    assert "internal error" not in proc.stderr
    assert snapshot(repo / "environments") == before
    assert not (repo / ".berth" / "journal.json").exists()
    assert not (repo / ".berth" / "staging").exists()


def test_render_check_writes_nothing(repo: Path) -> None:
    shutil.rmtree(repo / ".berth", ignore_errors=True)
    before = snapshot(repo)
    code, out, _ = berth(repo, "render", "--check")
    assert (code, out) == (0, "berth: generated files are up to date\n")
    assert snapshot(repo) == before  # no cache, no lock file, no .berth/ at all
    assert not (repo / ".berth").exists()


def test_the_journal_may_touch_the_generated_files_and_nothing_near_them() -> None:
    from generator.models import forms as fields
    from generator.repo import layout

    labels = {form.label for form in fields.FORMS}
    assert labels == set(layout.FORM_LABELS)  # the forms render writes are the ones it may swap
    for path in (
        "CODEOWNERS",
        "environments/dev/shards.yaml",
        "environments/dev/shards/d/payments.yaml",
        "catalog/tenants/payments.yaml",
        ".github/ISSUE_TEMPLATE/app-request.yml",
        ".gitlab/issue_templates/tenant-request.md",
    ):
        assert layout.is_generated_path(path), path
    for path in (
        ".github/workflows/berth-pr.yml",
        ".github/ISSUE_TEMPLATE/config.yml",
        ".gitlab-ci.yml",
        "catalogue/x.yaml",
        "environments",
        "generator/cli.py",
    ):
        assert not layout.is_generated_path(path), path

"""`berth verify --base REF` with the real tools: it follows what a change can affect (and still
fails on it), and builds nothing else; counted by wrappers around kubectl and helm on PATH."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.repo import berth, copy_example
from tests.support.tools import tool

PAYMENTS = "environments/dev/tenants/payments"
API_VALUES = f"{PAYMENTS}/apps/api.values.yaml"


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """kubectl and helm on PATH are wrappers that log each run to the returned file."""
    log = tmp_path / "runs.log"
    log.touch()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("kubectl", "helm"):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\necho "{name} $*" >>{log}\nexec {tool(name)} "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
    return log


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example repository, committed: the base every test changes."""
    return copy_example(tmp_path / "repo", commit=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def logged(log: Path) -> list[str]:
    lines = log.read_text().splitlines()
    log.write_text("")
    return lines


def verify(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    code, out, err = berth(root, "verify", "--format", "json", *args)
    assert err == ""
    report = json.loads(out)
    return code, report["problems"], json.dumps(report)


@pytest.mark.tools
def test_a_broken_value_file_is_reported_and_nothing_unchanged_is_built(
    example: Path, runs: Path
) -> None:
    edit(example / API_VALUES, "replicas: 1", 'replicas: "one"')
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert code == 1
    assert [(p["file"], p["line"]) for p in problems] == [(API_VALUES, 1)], problems
    assert "`helm template api ...` failed: " in str(problems[0]["message"])
    # The one Application reading the file: no guardrails, no other app. Followed on the way,
    # with no tool run: the shard Application and the tenant's -argocd Application.
    assert logged(runs) == [
        "helm template api blueprints/chart --namespace payments-dev --kube-version 1.34"
        f" --values {API_VALUES}",
    ]
    edit(example / API_VALUES, 'replicas: "one"', "replicas: 2")
    code, out, err = berth(example, "verify", "--env", "dev", "--changed-from", "HEAD")
    assert (code, err) == (0, ""), out
    assert out.startswith("berth: 1 environment(s), 3 Applications, "), out
    assert len(logged(runs)) == 1


@pytest.mark.tools
def test_without_a_change_nothing_is_built(example: Path, runs: Path) -> None:
    code, out, err = berth(example, "verify", "--base", "HEAD")
    assert (code, err) == (0, ""), out
    assert out.startswith("berth: 3 environment(s), 0 Applications, 0 objects: "), out
    assert logged(runs) == []


@pytest.mark.tools
def test_a_changed_root_file_is_checked(example: Path, runs: Path) -> None:
    # The root reads bootstrap.yaml and shards.yaml as a plain directory: one shard moved into
    # a project nobody defines is reported (and what it holds is followed again).
    shards = example / "environments/dev/shards.yaml"
    edit(shards, "project: berth-dev-tenants", "project: nobody")
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert code == 1
    assert {p["file"] for p in problems} == {"environments/dev/shards.yaml"}, problems
    assert any("project 'nobody' is not defined" in str(p["message"]) for p in problems)


@pytest.mark.tools
def test_a_changed_project_rechecks_its_applications(example: Path, runs: Path) -> None:
    # The tenant's AppProject no longer whitelists Deployments: its app, whose own files did
    # not change, now creates a kind its project refuses.
    argocd = example / PAYMENTS / "argocd.yaml"
    edit(argocd, "  - group: apps\n    kind: Deployment\n", "")
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert code == 1
    assert (
        "project payments-dev does not whitelist apps/Deployment (Application payments-api-dev)"
        in {p["message"] for p in problems}
    ), problems
    assert any(line.startswith("helm template api ") for line in logged(runs))


@pytest.mark.tools
def test_a_hand_edited_root_entry_is_reported(example: Path, runs: Path) -> None:
    # Each tenant's -argocd Application is its own file in a shard; one moved into a project
    # no Application of the environment defines.
    [entry] = example.glob("environments/dev/shards/*/payments.yaml")
    edit(entry, "project: berth-dev-tenants", "project: nobody")
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert code == 1
    assert {(p["field"], p["message"]) for p in problems} == {
        (
            "Application/payments-dev-argocd.spec.project",
            "project 'nobody' is not defined by any Application of this environment",
        )
    }, problems


@pytest.mark.tools
def test_a_blueprint_change_builds_exactly_the_applications_reading_it(
    example: Path, runs: Path
) -> None:
    limits = example / "blueprints/tenant/limitrange.yaml"
    edit(limits, "kind: LimitRange", "kind: LimitRange\nbogus: field")
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert code == 1
    assert {p["field"] for p in problems} == {"LimitRange/defaults.bogus"}, problems
    built = logged(runs)
    assert not any(line.startswith("helm ") for line in built), built
    assert sum("guardrails" in line or "berth-verify-" in line for line in built) >= 1
    # The chart is read by every app and by no guardrails.
    limits.write_text(limits.read_text().replace("\nbogus: field", ""))
    chart = example / "blueprints/chart/templates/service.yaml"
    chart.write_text(chart.read_text() + "\n")
    code, problems, _ = verify(example, "--env", "dev", "--base", "HEAD")
    assert (code, problems) == (0, [])
    built = logged(runs)
    assert sorted(line.split()[2] for line in built if line.startswith("helm ")) == [
        "api",
        "cart-worker",
        "nightly-report",
    ]
    assert all("guardrails" not in line for line in built), built


@pytest.mark.tools
def test_a_platform_change_means_the_full_verify(example: Path, runs: Path) -> None:
    platform = example / "platform.yaml"
    platform.write_text(platform.read_text() + "\n")
    code, out, _ = berth(example, "verify", "--env", "dev", "--base", "HEAD")
    assert code == 0, out
    full_code, full_out, _ = berth(example, "verify", "--env", "dev", "--all")
    assert (full_code, full_out) == (code, out)
    assert "not followed" not in out


@pytest.mark.tools
def test_parallel_findings_equal_serial_findings(example: Path) -> None:
    # Several findings in several builds of every kind, in every environment.
    for env in ("dev", "prod"):
        folder = example / "environments" / env / "tenants/payments"
        edit(folder / "guardrails/kustomization.yaml", f"namespace: payments-{env}", "namespace: x")
        edit(folder / "argocd.yaml", "  - group: apps\n    kind: Deployment\n", "")
    serial = verify(example, "--jobs", "1")
    parallel = verify(example, "--jobs", "4")
    assert serial[0] == 1 and len(serial[1]) > 3, serial
    assert parallel == serial


@pytest.mark.tools
def test_jobs_must_be_positive(example: Path) -> None:
    code, out, err = berth(example, "verify", "--jobs", "0")
    assert (code, out) == (2, "")
    assert "--jobs 0: give at least 1" in err


@pytest.mark.tools
def test_with_an_output_file_the_log_gets_annotations_under_actions(
    example: Path, runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(example / API_VALUES, "replicas: 1", 'replicas: "one"')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    report = example.parent / "verify.md"
    code, out, _ = berth(
        example,
        "verify",
        "--env",
        "dev",
        "--base",
        "HEAD",
        "--format",
        "markdown",
        "--output",
        str(report),
    )
    assert code == 1
    assert out.startswith(f"::error file={API_VALUES},line=1,"), out
    assert API_VALUES in report.read_text()


def test_a_change_naming_thousands_of_folders_is_asked_in_chunks(example: Path) -> None:
    # A blueprint change names every folder reading it: one git grep argument would pass
    # Linux's 128 KiB limit for a single argument ("Argument list too long").
    from generator.verify.changed import _grep

    tokens = [f"environments/dev/tenants/team{i:05d}/apps" for i in range(4000)]
    assert _grep(str(example), "HEAD", [*tokens, "environments/dev/tenants/payments"])
    assert _grep(str(example), "HEAD", tokens) == []

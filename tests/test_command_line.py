"""The command line behaves like git: it finds the repository from a subfolder, takes global
options before or after the command, refuses paths it cannot check, and says every usage
mistake with exit 2 (docs/commands.md)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.commands.progress import Progress
from tests.support.cli import run as berth
from tests.support.hosts import proposing
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, commit_all, make_repo, tree, write


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("cli") / "repo", commit=False)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    assert berth("--root", str(root), "render")[0] == 0
    commit_all(root)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", commit=False)


def test_the_root_is_found_from_a_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "tenants" / "payments")
    code, out, err = berth("validate", "--format", "text")
    assert (code, err) == (0, ""), out
    assert out == "berth: platform.yaml and 3 tenant(s) are valid\n"
    # Paths are the current folder's, as git takes them; the root itself filters nothing.
    assert berth("validate", "--format", "text", "../..")[1] == out
    assert berth("validate", "--format", "text", ".")[1] == (
        "berth: tenants/payments: valid; other tenants not reported\n"
    )


def test_outside_any_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = berth("validate")
    assert (code, out) == (2, "")
    assert err == (
        f"berth: error: no platform.yaml in {tmp_path} or any folder above it; run berth inside"
        " a platform repository, or pass --root DIR\n"
    )


def test_root_after_the_command(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert berth("validate", "--root", str(repo), "--format", "text")[:2] == (
        0,
        "berth: platform.yaml and 3 tenant(s) are valid\n",
    )
    # Given twice, the one after the command wins, as its position says it is the command's.
    assert berth("--root", str(tmp_path), "validate", "--root", str(repo))[0] == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tenants/nosuch.yaml", "tenants/nosuch.yaml: no such file or folder"),
        ("/etc/passwd", "/etc/passwd: not inside the repository {root}"),
    ],
)
def test_a_path_validate_cannot_check_is_a_usage_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch, path: str, message: str
) -> None:
    monkeypatch.chdir(repo)
    code, out, err = berth("validate", path)
    assert (code, out) == (2, "")
    assert err == f"berth: error: {message.format(root=repo.resolve())}\n"


def test_bump_without_an_image_is_a_usage_error_like_without_an_environment(repo: Path) -> None:
    assert berth("--root", str(repo), "bump", "payments/api", "--env", "dev") == (
        2,
        "",
        "berth: error: give --tag TAG, --digest sha256:<64 hex digits>, or both (--version for a"
        " chart app)\n",
    )
    assert berth("--root", str(repo), "bump", "payments/api", "--tag", "1.0") == (
        2,
        "",
        "berth: error: give TENANT/APP and --env ENV (or --event FILE, or --from-variables)\n",
    )


def test_a_message_naming_berth_is_not_prefixed_twice(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.commands import validate
    from generator.problems import UsageError

    def refuse(*_: object, **__: object) -> int:
        raise UsageError("berth: error: the index is locked")

    monkeypatch.setattr(validate, "run", refuse)
    assert berth("--root", str(repo), "validate")[2] == "berth: error: the index is locked\n"


def test_a_dry_run_bump_changes_no_file_and_lists_only_what_differs(rendered: Path) -> None:
    before = tree(rendered)
    for _ in range(2):  # two dry runs see the same tree: nothing piles up
        code, out, err, files = proposing(
            rendered, "bump", "payments/api", "--env", "dev", "--tag", "1.5.0"
        )
        assert (code, err) == (0, ""), out
        assert tree(rendered) == before
        values = "environments/dev/tenants/payments/apps/api.values.yaml"
        assert sorted(files) == [values, PAYMENTS_API_FILE]
        assert "would commit those of 2 file(s) that differ" in out
        assert f"+++ b/{values}" in out and f"+++ b/{PAYMENTS_API_FILE}" in out
        assert "berth: bump payments/api to 1.5.0 in dev: dry-run://pull/" in out
        assert "berth: berth:" not in out


@pytest.mark.parametrize("command", [["cost"], ["status"]])
def test_output_is_the_report_in_format_and_stdout_the_text(
    rendered: Path, tmp_path: Path, command: list[str]
) -> None:
    report = tmp_path / "report.json"
    code, out, _ = berth(
        "--root", str(rendered), *command, "--format", "json", "--output", str(report)
    )
    assert code == 0
    json.loads(report.read_text())
    assert (code, out) == berth("--root", str(rendered), *command)[:2]  # the text report


def test_render_prints_json_when_asked(rendered: Path, tmp_path: Path) -> None:
    code, out, err = berth("--root", str(rendered), "render", "--check", "--format", "json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["ok"] and report["valid"] and report["changes"] == []
    assert report["summary"] == ["berth: generated files are up to date"]
    saved = tmp_path / "render.json"
    args = (
        "--root",
        str(rendered),
        "render",
        "--check",
        "--format",
        "json",
        "--output",
        str(saved),
    )
    code, out, err = berth(*args)
    assert (code, out, err) == (0, "berth: generated files are up to date\n", "")
    assert json.loads(saved.read_text()) == report


def test_progress_is_quiet_for_a_short_run_then_throttled() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, clock=lambda: now[0])
    progress.planned(10)
    for step in range(10):
        now[0] = step * 0.9  # one Application every 0.9 s
        progress.done("dev" if step < 5 else "prod")
    assert stream.getvalue() == (
        "berth: verify: dev: 4 of 10 Applications built and checked\n"
        "berth: verify: prod: 7 of 10 Applications built and checked\n"
        "berth: verify: prod: 10 of 10 Applications built and checked\n"
    )
    quick = io.StringIO()
    fast = Progress(quick, clock=lambda: 0.5)
    fast.planned(3)
    for _ in range(3):
        fast.done("dev")
    assert quick.getvalue() == ""


def test_progress_goes_to_a_terminal_or_ci_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def spy(
        args: object, out: object, err: object, environ: object, connect: object, progress: object
    ) -> int:
        seen.append(progress)
        return 0

    monkeypatch.setattr("generator.cli.dispatch", spy)
    main(["validate"], environ={"CI": "true"})
    main(["validate"], environ={})  # pytest's stderr is no terminal
    main(["validate"], err=io.StringIO(), environ={"CI": "true"})  # a caller's own stream
    import sys

    assert seen == [sys.stderr, None, None]


def test_make_demo_ends_by_saying_how_to_run_berth() -> None:
    import subprocess

    from tests.support.tools import REPO

    # --no-print-directory: under a make that runs this suite with -C (.ci/run's second run),
    # the inherited `w` flag would add "Leaving directory" after the last line.
    shown = subprocess.run(
        ["make", "--no-print-directory", "-n", "-s", "demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert shown[-1].startswith("echo 'berth is installed in .venv/: run it as .venv/bin/berth")


@pytest.mark.tools
def test_verify_reports_each_application_to_its_progress(
    rendered: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []

    class Recorded:
        def __init__(self, stream: object) -> None:
            assert stream is given

        def planned(self, count: int) -> None:
            calls.append(("planned", count))

        def done(self, env: str) -> None:
            calls.append(("done", env))

    given = io.StringIO()
    monkeypatch.setattr("generator.commands.verify.Progress", Recorded)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(rendered), "verify", "--env", "dev"], out, err, progress=given)
    assert code == 0, out.getvalue() + err.getvalue()
    planned = sum(int(str(n)) for kind, n in calls if kind == "planned")
    done = [env for kind, env in calls if kind == "done"]
    assert planned == len(done) > 1 and set(done) == {"dev"}
    # Quiet unless asked: without a progress stream, verify gets none.
    calls.clear()
    assert main(["--root", str(rendered), "verify", "--env", "dev"], out, err) == 0
    assert calls == []


def test_json_says_what_was_checked_on_success(repo: Path) -> None:
    code, out, _ = berth("--root", str(repo), "validate", "--format", "json")
    assert (code, json.loads(out)) == (
        0,
        {
            "valid": True,
            "problems": [],
            "summary": ["berth: platform.yaml and 3 tenant(s) are valid"],
        },
    )

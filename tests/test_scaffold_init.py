"""`berth --version` and `berth init`: a new platform repository from flags (or prompts on a
terminal), with no Berth source in it, valid and rendered for no tenants."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import pytest
import yaml

from generator.commands import init
from generator.scaffold.version import version
from tests.support.cli import berth, run
from tests.support.scaffold import GLOBEX
from tests.support.tools import REPO


def test_version_is_pyprojects_and_has_a_changelog_section() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert version() == pyproject["project"]["version"]
    # Every release has its section in the changelog.
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    assert f"## {version()}" in changelog


def test_version_flag_prints_berth_and_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse's version action prints to stdout and exits 0 before any command runs.
    from generator.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"berth {version()}\n"


def test_init_with_the_four_flags_makes_dev_staging_prod(tmp_path: Path) -> None:
    target = tmp_path / "globex"
    code, out, err = run("init", str(target), *GLOBEX)
    assert (code, err) == (0, ""), err
    assert "berth 0.2.0" in out
    platform = yaml.safe_load((target / "platform.yaml").read_text(encoding="utf-8"))
    envs = platform["spec"]["environments"]
    assert [(e["name"], e["domain"], e["sync"]) for e in envs] == [
        ("dev", "dev.globex.example", "auto"),
        ("staging", "staging.globex.example", "auto"),
        ("prod", "globex.example", "manual"),
    ]
    assert {e["server"] for e in envs} == {"https://kubernetes.default.svc"}
    assert platform["spec"]["registries"] == ["ghcr.io/globex/"]
    assert platform["spec"]["maintainers"] == ["alice"]
    assert platform["berth"] == {"version": version()}
    lock = json.loads((target / "berth.lock").read_text(encoding="utf-8"))
    assert lock["berth"] == version() and lock["host"] == "github"
    assert set(lock["blueprints"]) == {
        p.relative_to(REPO).as_posix() for p in (REPO / "blueprints").rglob("*") if p.is_file()
    }
    # No Berth source: the generator, its tests, benchmarks and docs stay in Berth's package.
    for absent in ("generator", "tests", "bench", "docs", "pyproject.toml", ".gitlab-ci.yml"):
        assert not (target / absent).exists(), absent
    for present in (
        ".github/workflows/berth-pr.yml",
        ".github/actions/bump/action.yml",
        ".ci/install-tools",
        "schemas/platform.schema.json",
        "environments/prod/bootstrap.yaml",
        "tenants/README.md",
        "README.md",
    ):
        assert (target / present).is_file(), present
    assert (target / ".gitignore").read_text(encoding="utf-8").splitlines()[1:3] == [
        ".berth/",
        ".venv/",
    ]
    codeowners = (target / "CODEOWNERS").read_text(encoding="utf-8")
    rules = [line for line in codeowners.splitlines() if line and not line.startswith("#")]
    assert rules[0] == "* @alice"
    pr = (target / ".github/workflows/berth-pr.yml").read_text(encoding="utf-8")
    assert f"pip install --quiet --disable-pip-version-check 'berth=={version()}'" in pr
    assert "install --quiet --disable-pip-version-check .\n" not in pr
    assert berth(target, "validate")[0] == 0
    assert berth(target, "render", "--check")[:2] == (0, "berth: generated files are up to date\n")


def test_init_for_gitlab_writes_the_pipeline_and_no_workflows(tmp_path: Path) -> None:
    code, _, err = run("init", str(tmp_path / "r"), *GLOBEX, "--host", "gitlab")
    assert code == 0, err
    pipeline = (tmp_path / "r" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert f"--only-binary=:all: ''berth=={version()}''" in pipeline
    assert (tmp_path / "r" / ".gitlab" / "requirements.txt").is_file()
    assert not (tmp_path / "r" / ".github" / "workflows").exists()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, _, err = run("init", str(tmp_path), *GLOBEX)
    assert code == 2
    assert (
        err
        == f"berth: error: {tmp_path} is not an empty folder; berth init makes a new repository\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("missing", ["--name", "--domain", "--registry", "--maintainer"])
def test_a_missing_value_without_a_terminal_is_a_usage_error(tmp_path: Path, missing: str) -> None:
    argv = list(GLOBEX)
    at = argv.index(missing)
    del argv[at : at + 2]
    code, _, err = run("init", str(tmp_path / "r"), *argv)
    assert (code, err) == (
        2,
        f"berth: error: {missing} is required (berth init asks only on a terminal)\n",
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--registry", "ghcr.io/globex", "--registry:"),
        ("--domain", "Globex", "--domain:"),
        ("--name", "Globex Inc", "--name:"),
    ],
)
def test_a_bad_value_names_its_flag(tmp_path: Path, flag: str, value: str, message: str) -> None:
    argv = list(GLOBEX)
    argv[argv.index(flag) + 1] = value
    code, _, err = run("init", str(tmp_path / "r"), *argv)
    assert code == 2 and err.startswith(f"berth: error: {message}"), err
    assert not (tmp_path / "r").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_missing_values_are_asked_for(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    answers = _Terminal("initech\ninitech.example\nregistry.initech.example/\nbob\n")
    code = init.run(
        str(tmp_path / "r"),
        name=None,
        domain=None,
        registries=[],
        maintainers=[],
        host="github",
        repo_url=None,
        stdin=answers,
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    assert err.getvalue().count(": ") == 4  # the four questions
    platform = yaml.safe_load((tmp_path / "r" / "platform.yaml").read_text(encoding="utf-8"))
    assert platform["metadata"]["name"] == "initech"
    assert platform["spec"]["environments"][0]["domain"] == "dev.initech.example"
    assert platform["spec"]["registries"] == ["registry.initech.example/"]
    assert platform["spec"]["repoURL"] == "https://github.com/initech/platform.git"


def test_validate_warns_when_the_running_berth_is_not_the_pinned_one(tmp_path: Path) -> None:
    target = tmp_path / "globex"
    assert run("init", str(target), *GLOBEX)[0] == 0
    code, out, _ = berth(target, "validate", "--format", "text")
    assert (code, "warning" in out) == (0, False), out
    platform = target / "platform.yaml"
    text = platform.read_text(encoding="utf-8")
    pin = f"version: {version()}"
    assert text.count(pin) == 1
    platform.write_text(text.replace(pin, "version: 0.1.0"), encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if pin in s)
    col = text.splitlines()[line - 1].index("version:") + len("version: ") + 1
    code, out, _ = berth(target, "validate", "--format", "text")
    assert code == 0
    assert out.splitlines()[0] == (
        f"platform.yaml:{line}:{col}: warning: berth.version: this repository's CI runs berth"
        f" 0.1.0 and you run {version()}; checks may differ: `pip install berth==0.1.0`, or"
        " move the repository with `berth upgrade` (docs/upgrading.md)"
    )

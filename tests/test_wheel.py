"""Berth as a platform team gets it: the sdist and the wheel built from this checkout,
offline, installed into a fresh virtual environment; from there `berth init` makes a
repository, a tenant with a database is added, and validate, render, `render --check`,
verify and `plan --base` run in it. The workflows it wrote pass zizmor, actionlint and the
workflow schema, as the root's own do (tests/test_workflows.py), and the GitLab pipeline the
GitLab schema.

The wheel is built from the unpacked sdist, so both carry the templates (setup.py copies them
in; Git has one copy). Berth's dependencies are not installed again: the new environment
reads the shared one's site-packages through a .pth file, which does not run that
environment's own .pth hooks, so the editable install of the checkout is not seen and every
`generator` module comes from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from generator.scaffold import manifest
from generator.scaffold.manifest import owned_paths
from generator.scaffold.version import version
from tests.support.scaffold import GLOBEX, add_shop
from tests.support.tools import REPO, reference, tool

# What the sdist is built from: the package, its build files and what setup.py ships.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "generator")


def _build(tmp: Path) -> Path:
    """The wheel, built from the sdist, built from a copy of the checkout's sources."""
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in (*SOURCES, *manifest.shipped_paths(REPO)):
        if (src / name).exists():
            continue
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, src / name)
    sdist = f"from setuptools import build_meta as b; print(b.build_sdist({str(tmp / 'dist')!r}))"
    name = _python(sys.executable, "-c", sdist, cwd=src).strip().splitlines()[-1]
    with tarfile.open(tmp / "dist" / name) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    _python(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", str(tmp / "wheels"), str(unpacked), cwd=tmp,
    )  # fmt: skip
    (wheel,) = (tmp / "wheels").glob("berth-*.whl")
    return wheel


def _python(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{argv}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    _python(sys.executable, "-m", "venv", str(venv), cwd=tmp)
    python = venv / "bin" / "python"
    purelib = _python(
        str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp
    ).strip()
    shared = sysconfig.get_paths()["purelib"]
    Path(purelib, "berth-test-deps.pth").write_text(shared + "\n", encoding="utf-8")
    _python(
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        str(wheel),
        cwd=tmp,
    )
    return venv


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    tools = os.pathsep.join(str(Path(tool(name)).parent) for name in ("kubectl", "helm", "nca"))
    env["PATH"] = os.pathsep.join([str(venv / "bin"), tools, "/usr/bin", "/bin"])
    env["CI"] = "true"
    return env


def _git(root: Path, *argv: str) -> None:
    _python(
        "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
        *argv, cwd=root,
    )  # fmt: skip


@pytest.mark.tools
def test_the_wheel_makes_and_runs_a_platform_repository(tmp_path: Path) -> None:
    wheel = _build(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if "/scaffold/shipped/" in n}
    prefix = "generator/scaffold/shipped/"
    assert shipped == {prefix + p for p in manifest.shipped_paths(REPO)}
    # The merge bases of earlier releases (berth upgrade) and the CRDs (berth verify).
    assert "generator/scaffold/releases/0.1.0.json" in names
    assert any(n.startswith("generator/crds/cloudnative-pg/") for n in names)
    venv = _venv(tmp_path, wheel)
    env = _env(venv)

    def berth(*argv: str, cwd: Path) -> str:
        return _python(str(venv / "bin" / "berth"), *argv, cwd=cwd, env=env)

    where = _python(
        str(venv / "bin" / "python"),
        "-c",
        "import generator; print(generator.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert where.startswith(str(venv)), where
    assert berth("--version", cwd=tmp_path) == f"berth {version()}\n"

    root = tmp_path / "globex"
    berth("init", str(root), *GLOBEX, cwd=tmp_path)
    assert not {"generator", "tests", "bench", "docs"} & {p.name for p in root.iterdir()}
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "add", "-A")
    _git(root, "commit", "--quiet", "-m", "berth init")
    add_shop(root)
    berth("validate", cwd=root)
    berth("render", cwd=root)
    assert berth("render", "--check", cwd=root) == "berth: generated files are up to date\n"
    berth("verify", cwd=root)
    plan = json.loads(berth("plan", "--base", "HEAD", "--format", "json", cwd=root))
    assert "shop" in json.dumps(plan)
    _lint_workflows(root)
    upgraded = berth("upgrade", cwd=root).splitlines()
    assert upgraded[-1].startswith(f"berth: {version()} -> {version()}: 0 file(s) changed")

    gitlab = tmp_path / "initech"
    berth("init", str(gitlab), *GLOBEX, "--host", "gitlab", cwd=tmp_path)
    header, pipeline = (gitlab / ".gitlab-ci.yml").read_text(encoding="utf-8").split("\n---\n", 1)
    parts = [tmp_path / "header.yml", tmp_path / "pipeline.yml"]
    parts[0].write_text(header + "\n", encoding="utf-8")
    parts[1].write_text(pipeline, encoding="utf-8")
    _python(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.gitlab-ci",
        *map(str, parts),
        cwd=tmp_path,
    )


def _lint_workflows(root: Path) -> None:
    workflows = sorted(
        str(p.relative_to(root)) for p in (root / ".github" / "workflows").glob("*.yml")
    )
    # Every workflow Berth owns for GitHub, and nothing else.
    assert workflows == [p for p in owned_paths("github") if p.startswith(".github/workflows/")]
    out = _python(tool("actionlint"), "-no-color", *workflows, cwd=root)
    assert not out.strip(), out
    findings = _python(
        tool("zizmor"), "--offline", "--no-config", "--no-progress", "--persona", "auditor",
        "--format", "json", ".github/workflows", cwd=root,
    )  # fmt: skip
    assert json.loads(findings) == []
    schema = reference("github", "schemas", "github-workflow.json")
    _python(tool("check-jsonschema"), "--schemafile", str(schema), *workflows, cwd=root)

"""The attack catalogue: changes a tenant with write access could push, each refused.

Every folder here with a `case.yaml` is one attack (the format is in README.md). The runner
builds the example repository (tests/support/example.py: its platform.yaml, CODEOWNERS,
.gitignore, tenants/, blueprints/ and rendered tree) as a real Git repository, commits it as
`base`, lays the case's change over it (committed on top, as a pull request would bring
it, unless the case says otherwise), and then runs each command the case names. Each must
exit 1 and print the expected lines, and afterwards nothing may have changed anywhere: not
the repository (but Berth's own cache and lock in `.berth/`), not `.git/hooks` or
`.git/config`, not the folder around the repository.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import cli
from tests.support.example import example
from tests.support.repo import git
from tests.support.tools import tool

pytestmark = pytest.mark.tools

CASES = Path(__file__).parent
# What Berth may write while refusing: its own lock and caches, never the journal or staging.
BERTH_STATE = frozenset({".berth/lock", ".berth/cache.json", ".berth/requests.json"})
KEYS = frozenset({"why", "commit", "expect", "after_render", "must_exist", "must_not_exist"})


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "case.yaml").is_file())


def load_case(name: str) -> dict[str, Any]:
    case = yaml.safe_load((CASES / name / "case.yaml").read_text())
    assert isinstance(case, dict) and set(case) <= KEYS, f"{name}: keys are {sorted(KEYS)}"
    assert case.get("why"), f"{name}: say in `why` what the attack would achieve"
    assert case.get("expect"), f"{name}: `expect` names at least one command"
    return case


def on_disk(rel: Path) -> Path:
    """A case file's path in the repository: `dot-x` parts become `.x` (so that this
    repository never holds a real `.berth/` or `.argocd-source*` file), `symlink-x` is a link."""
    parts = [("." + p.removeprefix("dot-")) if p.startswith("dot-") else p for p in rel.parts]
    return Path(*parts)


def lay_over(case: Path, repo: Path) -> None:
    files = case / "files"
    for src in sorted(files.rglob("*")) if files.is_dir() else []:
        if src.is_dir():
            continue
        dest = repo / on_disk(src.relative_to(files))
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.name.startswith("symlink-"):
            link = dest.with_name(dest.name.removeprefix("symlink-"))
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(src.read_text().strip())
        else:
            shutil.copyfile(src, dest)
    script = case / "setup.py"
    if script.is_file():
        spec = importlib.util.spec_from_file_location(f"attack_{case.name}", script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.apply(repo)


def commit(repo: Path, message: str, *, force: bool = False) -> None:
    git(repo, "add", "-A", *(["-f", "."] if force else []))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def state(top: Path) -> dict[str, bytes]:
    """Every file below `top` (links as their target), but Berth's caches and lock and Git's
    object store; `.git/hooks` and `.git/config` are kept, they are what an attack aims at."""
    files: dict[str, bytes] = {}
    for path in sorted(top.rglob("*")):
        rel = path.relative_to(top).as_posix()
        inside_git = "/.git/" in f"/{rel}/"
        if inside_git and not ("/.git/hooks/" in f"/{rel}" or rel.endswith(".git/config")):
            continue
        if rel.removeprefix("repo/") in BERTH_STATE:
            continue
        if path.is_symlink():
            files[rel] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            files[rel] = path.read_bytes()
    return files


def berth(repo: Path, command: str) -> tuple[int, str]:
    args = shlex.split(command)
    if args[0] == "plan" and "--base" not in args:
        args += ["--base", "base"]
    code, out, err = cli.berth(repo, *args)
    return code, out + err


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/repo, the example committed as `base`; tmp/victim, a file outside the repository."""
    # `verify` builds with the real kubectl and helm.
    dirs = sorted({str(Path(tool(name)).parent) for name in ("kubectl", "helm")})
    monkeypatch.setenv("PATH", os.pathsep.join([*dirs, os.environ.get("PATH", "")]))
    repo = tmp_path / "repo"
    shutil.copytree(example(), repo, ignore=shutil.ignore_patterns(".git", ".berth"))
    (tmp_path / "victim").write_text("a file outside the repository\n")
    git(repo, "-c", "init.defaultBranch=main", "init", "-q")
    commit(repo, "base")
    git(repo, "tag", "base")
    return tmp_path


@pytest.mark.parametrize("name", case_names())
def test_attack_is_refused(name: str, world: Path) -> None:
    case = load_case(name)
    repo = world / "repo"
    example = state(repo)
    lay_over(CASES / name, repo)
    if case.get("commit", True):
        commit(repo, f"attack: {name}", force=True)
    before = state(world)

    for command, lines in case["expect"].items():
        code, output = berth(repo, command)
        assert "internal error" not in output, f"{command}:\n{output}"
        assert code == 1, f"`berth {command}` exited {code}:\n{output}"
        printed = output.splitlines()
        for line in lines:
            assert any(p.startswith(line) for p in printed), (
                f"`berth {command}` did not print a line starting with\n  {line}\n"
                f"it printed:\n{output}"
            )
        assert state(world) == before, f"`berth {command}` changed files"

    for rel in case.get("must_exist", []):
        assert (repo / rel).exists(), rel
    for rel in case.get("must_not_exist", []):
        assert not (repo / rel).exists() and not (repo / rel).is_symlink(), rel

    if case.get("after_render") == "restored":
        # `berth render` removes what the attack added under environments/ and nothing else.
        code, output = berth(repo, "render")
        assert code == 0, output
        after = state(repo)
        generated = ("environments/", "CODEOWNERS")
        assert {k: v for k, v in after.items() if k.startswith(generated)} == {
            k: v for k, v in example.items() if k.startswith(generated)
        }
        outside = {k: v for k, v in after.items() if not k.startswith(generated)}
        assert outside == {
            k.removeprefix("repo/"): v
            for k, v in before.items()
            if k.startswith("repo/") and not k.startswith(("repo/environments/", "repo/CODEOWNERS"))
        }
        assert berth(repo, "render --check")[0] == 0


def test_the_example_itself_passes(world: Path) -> None:
    """The runner's base is valid and current, so every failure above is the attack's."""
    repo = world / "repo"
    for command in ("validate", "render --check"):
        code, output = berth(repo, command)
        assert code == 0, output
    code, output = berth(repo, "plan")
    assert code == 0, output

"""The real command-line tools the tests run, found where `.ci/install-tools` puts them.

Locally a missing tool skips the test that needs it; under CI (`CI` set) it fails, so a
green CI run can never mean "the tool wasn't there".

A test that looks a tool up here or starts one (directly, or through `berth verify`) must carry
the `tools` marker: tests/conftest.py fails it otherwise, naming the tool. So
`pytest -m "not tools"` needs none of them, and a new test cannot forget the marker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# Upstream webhook payloads and JSON Schemas, vendored with their provenance (tests/upstream/README.md).
REFERENCE = REPO / "tests" / "upstream"
# The CRDs ship inside the package: `berth verify` validates against them.
CRDS = REPO / "generator" / "crds"
_SEARCH_PATH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ.get("PATH", "")]
)


# The programs that make a test slow or need an install: `tools` tests only.
TOOLS = frozenset(
    {
        "actionlint", "check-jsonschema", "checkov", "hadolint", "helm", "kubectl", "kustomize",
        "nca", "node", "npm", "npx", "promtool", "zizmor",
    }
)  # fmt: skip
_used: set[str] = set()  # what the running test looked up or started


def used() -> list[str]:
    """The tools the running test looked up or started so far, sorted."""
    return sorted(_used)


def forget() -> None:
    """A new test starts (tests/conftest.py)."""
    _used.clear()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # subprocess.Popen reports (executable, args, cwd, env), os.exec and os.posix_spawn (path, ...):
    # the program's file name says which tool it is, wrappers of the same name included.
    if event in ("subprocess.Popen", "os.exec", "os.posix_spawn") and args and args[0]:
        name = os.path.basename(os.fsdecode(args[0]))
        if name in TOOLS:
            _used.add(name)


def watch() -> None:
    """Note every tool this process starts from now on (an audit hook: it stays for the run)."""
    sys.addaudithook(_audit)


def tool(name: str) -> str:
    _used.add(name)
    found = shutil.which(name, path=_SEARCH_PATH)
    if found is None:
        message = f"{name} is not installed (run .ci/install-tools)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def reference(*parts: str) -> Path:
    """A vendored upstream file: `crds/...` from the package, the rest from tests/upstream."""
    path = CRDS.joinpath(*parts[1:]) if parts[:1] == ("crds",) else REFERENCE.joinpath(*parts)
    if not path.exists():
        # Vendored in the repository, so a missing file is a broken checkout: never a skip.
        pytest.fail(f"vendored upstream data missing: {path}")
    return path


def run(
    args: list[str], *, cwd: Path | str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        )
    return proc


def kustomize_build(path: Path | str) -> str:
    return run([tool("kubectl"), "kustomize", str(path)]).stdout


def helm_template(chart: Path | str, values: list[Path | str], *, name: str, namespace: str) -> str:
    args = [tool("helm"), "template", name, str(chart), "--namespace", namespace]
    for v in values:
        args += ["--values", str(v)]
    return run(args).stdout

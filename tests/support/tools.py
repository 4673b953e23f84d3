"""The real command-line tools the tests run, found where `.ci/install-tools` puts them.

Locally a missing tool skips the test that needs it; under CI (`CI` set) it fails, so a
green CI run can never mean "the tool wasn't there".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Upstream webhook payloads and JSON Schemas, vendored with their provenance (tests/upstream/README.md).
REFERENCE = REPO / "tests" / "upstream"
# The CRDs ship inside the package: `berth verify` validates against them.
CRDS = REPO / "generator" / "crds"
_SEARCH_PATH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ.get("PATH", "")]
)


def tool(name: str) -> str:
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

"""The example company the suite tests against, independent of the repository root's.

A platform team that adopts Berth replaces the root's platform.yaml and tenants/ with its own
company's, and the suite must still pass (.ci/run checks that with tests/fixtures/globex). So
tests read the example from tests/fixtures/acme (its platform.yaml, tenants/ and the
hand-written head of CODEOWNERS), rendered once per run with this checkout's blueprints/ into a
folder of its own: `example()`. Only tests/test_example.py reads the root's company (what
`validate`, `render --check` and `schema --check` say about it); tests/support/rootguard.py
fails any other test that opens it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from tests.support.cli import berth
from tests.support.tools import REPO

FIXTURE = REPO / "tests" / "fixtures" / "acme"


def copy_inputs(root: Path) -> Path:
    """The example's requests (tests/fixtures/acme) with this checkout's blueprints/ and
    schemas/ (its requests point editors at them), unrendered."""
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    for name in ("blueprints", "schemas"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / ".gitignore", root / ".gitignore")  # .berth/ is never committed
    return root


@functools.cache
def example() -> Path:
    """The example rendered and committed on `main` (a Git repository), once per run, in a
    temporary folder: read it, run read-only commands on it, never change it (copy it:
    tests/support/repo.py's `copy_example`)."""
    from tests.support.repo import commit_all  # repo.py builds on this module

    folder = Path(tempfile.mkdtemp(prefix="berth-example-"))
    atexit.register(shutil.rmtree, folder, True)
    root = copy_inputs(folder / "acme")
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    commit_all(root)
    return root

"""Benchmark: `berth bump` of one app on a repository of N synthetic tenants.

Run: `.venv/bin/python bench/release_bench.py [--tenants 1000] [--apps 1]`

The repository comes from bench/render_bench.py's generator (N tenants, A apps each),
rendered and committed; then one `berth bump` is timed as the release workflow runs it:
edit the request, validate the repository with it, render the tenant and plan against HEAD
(all in memory: the working tree is never written) and propose, here as a dry run (no
token). The target is under 5 s wall for 1,000 tenants.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from render_bench import REPO, make_repo

from generator.cli import main as berth


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def bench(tenants: int, apps: int) -> None:
    with tempfile.TemporaryDirectory(
        prefix="berth-release-bench-", ignore_cleanup_errors=True
    ) as tmp:
        root = Path(tmp)
        make_repo(root, tenants, apps)
        shutil.copy(REPO / ".gitignore", root / ".gitignore")  # .berth/ is never committed
        assert berth(["--root", tmp, "render"], io.StringIO(), io.StringIO()) == 0
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
        git(root, "add", "-A")
        git(root, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")
        target = f"team{tenants // 2:04d}/app0"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
        os.environ.clear()
        os.environ.update(env)  # a dry run: no Git host
        out, err = io.StringIO(), io.StringIO()
        wall, cpu = time.perf_counter(), time.process_time()
        code = berth(["--root", tmp, "bump", target, "--env", "dev", "--tag", "9.9.9"], out, err)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert code == 0, err.getvalue()
        assert "9.9.9 in dev" in out.getvalue()
        print(
            f"bump + render + plan of {target} on {tenants} tenants x {apps} app(s):"
            f" {wall:.2f} s wall, {cpu:.2f} s CPU (target: under 5 s wall)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--apps", type=int, default=1)
    args = parser.parse_args()
    bench(args.tenants, args.apps)


if __name__ == "__main__":
    main()

"""Benchmark: `berth plan` of a one-tenant change on a repository of N synthetic tenants.

Run: `.venv/bin/python bench/plan_bench.py [--tenants 1000] [--apps 1] [--repeat 3] [--no-full]`

The repository comes from bench/render_bench.py's generator (N tenants, A apps each),
rendered and committed; then one tenant's size changes in the working tree and this prints,
best of --repeat runs (CPU and wall seconds):

- `make_plan`: the whole `berth plan --base HEAD` (renders both revisions, compares them);
- `compare`: comparing the two rendered snapshots only (files, objects, costs);
- `objects`: of that, naming the objects in the files that differ (plan/objects.py);
- `scoped_plan`: the plan a release runs (`berth bump`), which renders the one tenant only.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from render_bench import make_repo

from generator.cli import main as berth
from generator.load import load_repo
from generator.plan.build import compare, make_plan
from generator.plan.diff import file_changes, object_changes
from generator.plan.objects import Rendered
from generator.plan.one_tenant import scoped_plan
from generator.plan.snapshot import snapshot_of, snapshot_of_revision
from generator.validate import ValidRepo, validate_repo


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def best(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    runs = []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        runs.append((time.process_time() - cpu, time.perf_counter() - wall, result))
    return min(runs, key=lambda run: run[1])


def validated(root: str) -> ValidRepo:
    valid, problems = validate_repo(load_repo(root))
    assert valid is not None, problems[:5]
    return valid


def bench(tenants: int, apps: int, repeat: int, full: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="berth-plan-bench-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        make_repo(root, tenants, apps)
        assert berth(["--root", tmp, "render"], io.StringIO(), io.StringIO()) == 0
        (root / ".gitignore").write_text(".berth/\n")  # Berth's private state, as in any repo
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
        git(root, "add", "-A")
        git(root, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")
        before = validated(tmp)
        target = f"team{tenants // 2:04d}"
        request = root / "tenants" / target / "tenant.yaml"
        text = request.read_text()
        for size in ("small", "medium"):
            text = text.replace(f"dev: {{size: {size}}}", "dev: {size: large}")
        request.write_text(text)
        after = validated(tmp)

        print(f"plan of one tenant's change ({target}) on {tenants} tenants x {apps} app(s):")
        if full:
            cpu, wall, _ = best(repeat, lambda: make_plan(tmp, "HEAD"))
            print(f"  make_plan    {cpu:6.2f} s CPU {wall:6.2f} s wall")
        sha, base = snapshot_of_revision(tmp, "HEAD")
        head = snapshot_of(tmp)
        cpu, wall, plan = best(repeat, lambda: compare(base, head, base_ref="HEAD", base_sha=sha))
        objects = sum(len(row.objects) for row in plan.rows)
        print(f"  compare      {cpu:6.2f} s CPU {wall:6.2f} s wall  ({objects} objects)")
        assert objects > 0
        changes = file_changes(base.files, head.files)

        def named() -> int:
            sides = (Rendered(base.valid, base.tenant_base), Rendered(head.valid, head.tenant_base))
            return sum(len(object_changes(change, sides)) for change in changes)

        cpu, wall, count = best(repeat, named)
        print(f"  objects      {cpu:6.2f} s CPU {wall:6.2f} s wall  ({len(changes)} files)")
        assert count == objects
        cpu, wall, _ = best(
            repeat,
            lambda: scoped_plan(
                tmp, before, after, frozenset({target}), base_ref="HEAD", base_sha=sha
            ),
        )
        print(f"  scoped_plan  {cpu:6.2f} s CPU {wall:6.2f} s wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--apps", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-full", action="store_true", help="skip the whole make_plan")
    args = parser.parse_args()
    bench(args.tenants, args.apps, args.repeat, not args.no_full)


if __name__ == "__main__":
    main()

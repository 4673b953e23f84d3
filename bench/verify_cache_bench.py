"""Benchmark: `berth verify --cache DIR` on N synthetic tenants: cold, warm, after a change.

Run: `.venv/bin/python bench/verify_cache_bench.py [--tenants 100] [--apps 2] [--composition]`

For each N: a repository from bench/render_bench.py (3 environments, `--apps` applications a
tenant), rendered; then, each as its own process, a full `berth verify --cache .berth/verify-cache`
with an empty cache (cold), again with nothing changed (warm), and again after one tenant's
request changed and was rendered (one tenant); `berth validate` runs (untimed) before each, as
in the main workflow. Each row: wall seconds, user and sys CPU seconds
of the process and every process it waited for (os.wait4), peak RSS of the largest. With
`--composition`, the warm run once more in this process with a timer on each part: loading and
checking the requests, the tree's stray check, the schemas, the cache's run digest, the keys
(files read and hashed, once each), reading the entries, the rest of the walk.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render_bench import make_repo, render, write_tenant  # noqa: E402

SEARCH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ["PATH"]]
)
CACHE = ".berth/verify-cache"
HEADER = f"  {'step':<44}{'wall s':>9}{'user s':>9}{'sys s':>8}{'peak MB':>9}"


def timed(label: str, root: Path, *extra: str) -> tuple[float, float]:
    """Run `berth verify --cache` in `root`; print its row and its last lines."""
    args = [sys.executable, "-m", "generator", "--root", str(root), "verify", "--cache", CACHE]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*args, *extra],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PATH": SEARCH, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    print(
        f"  {label:<44}{wall:>9.1f}{usage.ru_utime:>9.1f}{usage.ru_stime:>8.1f}"
        f"{usage.ru_maxrss / 1024:>9.0f}",
        flush=True,
    )
    for line in out.strip().splitlines()[-2:]:
        print(f"    {line[:160]}", flush=True)
    assert os.waitstatus_to_exitcode(status) == 0, out[-2000:]
    return wall, usage.ru_utime


def validate(root: Path) -> None:
    """`berth validate`, untimed: the main workflow runs it before verify, and verify --cache
    reads the requests through what it keeps in .berth/requests.json."""
    args = [sys.executable, "-m", "generator", "--root", str(root), "validate"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(args, check=True, capture_output=True, env=env)


def composition(root: Path) -> None:
    """The warm run in this process, its time split by part (wall seconds, one thread)."""
    os.environ["PATH"] = SEARCH
    os.chdir(root)
    from generator.commands import verify as command
    from generator.verify import cache, flow_check, follow

    spent: dict[str, float] = {}
    calls: dict[str, int] = {}

    def clock(owner: Any, name: str, label: str) -> None:
        real: Callable[..., Any] = getattr(owner, name)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
                calls[label] = calls.get(label, 0) + 1

        setattr(owner, name, timed_call)

    clock(command, "check_requests", "requests: load and check")
    clock(command, "tree_problems", "tree: stray check")
    clock(command, "Schemas", "schemas: index the CRDs")
    clock(cache.BuildCache, "__init__", "cache: the run's digest (code, CRDs)")
    clock(cache, "tool_identity", "cache: hashing kubectl's and helm's executables")
    clock(cache.BuildCache, "key", "cache: keys (reading and hashing inputs)")
    clock(cache.BuildCache, "get", "cache: reading entries")
    clock(cache.BuildCache, "prune", "cache: removing unused entries")
    clock(follow, "root_build", "roots: read (every run)")
    clock(follow.convergence, "walk_problems", "convergence checks (every run)")
    clock(flow_check.RuntimeFlows, "check", "runtime flows: each run recalled or judged")
    start = time.perf_counter()
    code = command.run(
        str(root), envs=[], fmt="text", output=None, out=io.StringIO(), err=io.StringIO(),
        cache=CACHE, environ=os.environ,
    )  # fmt: skip
    total = time.perf_counter() - start
    assert code == 0
    print(f"\n  warm run in-process, {total:.1f} s wall:")
    for label, seconds in spent.items():
        per = f"{seconds / calls[label] * 1e3:.3f} ms x {calls[label]}"
        print(f"    {label:<44}{seconds:>8.2f} s  ({per})")
    nested = ("schemas", "cache: hashing")  # inside other timed parts
    rest = total - sum(v for k, v in spent.items() if not k.startswith(nested))
    print(f"    {'everything else (the walk, startup)':<44}{rest:>8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="*", default=[100])
    parser.add_argument("--apps", type=int, default=2, help="applications per tenant")
    parser.add_argument("--composition", action="store_true", help="split the warm run's time")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s); user and sys CPU include kubectl's and helm's")
    for n in args.tenants:
        with tempfile.TemporaryDirectory(prefix="berth-cache-bench-") as tmp:
            root = Path(tmp)
            make_repo(root, n, args.apps)
            assert render(root) == 0
            validate(root)
            print(f"\n{n} tenants x {args.apps} application(s) x 3 environments\n" + HEADER)
            cold, _ = timed("verify --cache, cold (empty cache)", root)
            files = [p for p in (root / CACHE).rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files) / 1e6
            print(f"    the cache: {len(files)} files, {size:.1f} MB", flush=True)
            warm, _ = timed("verify --cache, warm (nothing changed)", root)
            write_tenant(
                root, "team0003", "large", ["team0004"], description="Changed by the bench"
            )
            assert render(root) == 0
            validate(root)
            changed, _ = timed("verify --cache, one tenant changed", root)
            print(f"  warm / cold: {warm / cold:.1%}; one tenant / cold: {changed / cold:.1%}")
            if args.composition:
                composition(root)


if __name__ == "__main__":
    main()

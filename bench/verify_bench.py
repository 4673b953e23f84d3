"""Benchmark: `berth verify` on the example repository and on N synthetic tenants.

Run: `.venv/bin/python bench/verify_bench.py [--tenants 1000] [--apps 1] [--no-floor]`

Each run is `berth verify` as a child process, so the figures include kubectl and helm: wall
time, user+sys CPU of the process and its children (RUSAGE_CHILDREN), and the peak resident set
of the largest of them. The synthetic tenants come from bench/render_bench.py (3 environments,
`--apps` applications each). The floor is the bare loop of the same tool runs verify makes
(every `kubectl kustomize` and `helm template`), in a thread pool of the same size, without
reading a line of their output: what verify costs on top of the tools is the difference.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render_bench import make_repo, render, write_tenant  # noqa: E402
from generator.commands.verify import MAX_WORKERS  # noqa: E402
from generator.verify.kube_schema import DEFAULT_KUBERNETES_VERSION  # noqa: E402

SEARCH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ["PATH"]]
)


def _which(name: str) -> str:
    found = shutil.which(name, path=SEARCH)
    assert found, f"{name} not found; run .ci/install-tools"
    return found


def children() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(label: str, fn: object) -> tuple[float, float]:
    cpu0, _ = children()
    start = time.perf_counter()
    assert callable(fn)
    fn()
    wall = time.perf_counter() - start
    cpu1, peak = children()
    print(f"  {label:<44}{wall:>9.1f}{cpu1 - cpu0:>10.1f}{peak:>10.0f}")
    return wall, cpu1 - cpu0


def run_verify(root: Path, *extra: str) -> None:
    env = {**os.environ, "PATH": SEARCH}
    proc = subprocess.run(
        [_which("berth"), "--root", str(root), "verify", *extra],
        capture_output=True,
        text=True,
        env=env,
    )
    tail = proc.stdout.strip().splitlines()[-1:] or proc.stderr.strip().splitlines()[-1:]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(f"    {tail[0] if tail else ''}")


def tool_runs(root: Path) -> list[list[str]]:
    """Every tool run verify makes on a Berth tree (the roots, their shards and the argocd.yaml
    reads are plain directories: no tool runs)."""
    kubectl, helm = _which("kubectl"), _which("helm")
    runs = []
    for env_dir in sorted(p for p in (root / "environments").iterdir() if p.is_dir()):
        env = env_dir.name
        for tenant_dir in sorted((env_dir / "tenants").iterdir()):
            tenant = tenant_dir.name
            runs.append([kubectl, "kustomize", f"environments/{env}/tenants/{tenant}/guardrails"])
            for values in sorted((tenant_dir / "apps").glob("*.values.yaml")):
                app = values.name.removesuffix(".values.yaml")
                runs.append(
                    [helm, "template", app, "blueprints/chart", "--namespace", f"{tenant}-{env}",
                     "--kube-version", DEFAULT_KUBERNETES_VERSION, "--values",
                     values.relative_to(root).as_posix()]
                )  # fmt: skip
    return runs


def floor(root: Path) -> None:
    runs = tool_runs(root)
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1))

    def one(args: list[str]) -> None:
        subprocess.run(args, cwd=root, capture_output=True, check=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, runs))
    print(f"    {len(runs)} tool runs in {workers} threads")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def changed_only(root: Path) -> None:
    """Commit, change one tenant's request, render, and verify only what changed."""
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")
    write_tenant(root, "team0003", "large", ["team0004"], description="Changed by the benchmark")
    assert render(root) == 0
    measure(
        "berth verify --changed-from HEAD (1 tenant)",
        lambda: run_verify(root, "--changed-from", "HEAD"),
    )


def bench_repo(label: str, root: Path, with_floor: bool, full: bool = True) -> None:
    print(f"\n{label}")
    print(f"  {'step':<44}{'wall s':>9}{'cpu s':>10}{'peak MB':>10}")
    if not full:
        return
    wall, cpu = measure("berth verify (all environments)", lambda: run_verify(root))
    if with_floor:
        f_wall, f_cpu = measure("floor: the same kustomize/helm runs, bare", lambda: floor(root))
        print(f"  verify / floor: {wall / f_wall:.2f}x wall, {cpu / f_cpu:.2f}x CPU")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="*", default=[1000])
    parser.add_argument("--apps", type=int, default=1, help="applications per tenant")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--no-full", action="store_true", help="only the changed-only run")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s); peak MB is the largest child process so far")
    if not args.no_full:
        bench_repo("example repository", REPO, not args.no_floor)
    for n in args.tenants:
        with tempfile.TemporaryDirectory(prefix="berth-verify-bench-") as tmp:
            root = Path(tmp)
            make_repo(root, n, args.apps)
            assert render(root) == 0
            label = f"{n} tenants x {args.apps} application(s) x 3 environments"
            bench_repo(label, root, not args.no_floor, full=not args.no_full)
            changed_only(root)


if __name__ == "__main__":
    main()

"""Benchmark: `berth verify` on the example repository and on N synthetic tenants, next to the floor.

Run: `.venv/bin/python bench/verify_bench.py [--tenants 1000] [--apps 2] [--floor-every K]`

Every step is a separate process; for each: wall time, user+sys CPU of it and every process it
waited for (os.wait4's rusage of the child), and the peak resident set of the largest of them.
The steps: the example repository (full); N synthetic tenants from bench/render_bench.py
(3 environments, `--apps` applications each) full with `--jobs 1` and `--jobs 2`; `--base HEAD`
after a one-tenant change. The floor is a bare loop of the same `kubectl kustomize` and
`helm template` calls a one-by-one verify makes (every tenant's guardrails, every app), reading
nothing of their output, serial and in 2 threads (`--floor-threads`); with `--floor-every K`
only every K-th call runs and the figures are multiplied by K (labelled so). The last floor row
runs them as verify does: the guardrails `batch.SIZE` to a `kubectl kustomize`, both tools with
verify's tuned Go runtime and locale; what verify takes beyond it is its own work (reading,
checking) and the cores it leaves idle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render_bench import make_repo, render, write_tenant  # noqa: E402
from generator.verify import batch  # noqa: E402
from generator.verify.kube_schema import DEFAULT_KUBERNETES_VERSION  # noqa: E402
from generator.verify.sources import tool_env  # noqa: E402

SEARCH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ["PATH"]]
)
HEADER = f"  {'step':<52}{'wall s':>9}{'cpu s':>10}{'peak MB':>10}"


def _which(name: str) -> str:
    found = shutil.which(name, path=SEARCH)
    assert found, f"{name} not found; run .ci/install-tools --flows"
    return found


def timed(args: Sequence[str], cwd: Path | None = None) -> tuple[float, float, float, str]:
    """(wall s, CPU s of the process tree, peak MB of its largest process, last output line)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PATH": SEARCH},
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    lines = out.strip().splitlines()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def row(label: str, wall: float, cpu: float, peak: float) -> None:
    print(f"  {label:<52}{wall:>9.1f}{cpu:>10.1f}{peak:>10.0f}", flush=True)


def verify_step(label: str, root: Path, *extra: str) -> tuple[float, float]:
    wall, cpu, peak, tail = timed([_which("berth"), "--root", str(root), "verify", *extra])
    row(label, wall, cpu, peak)
    print(f"    {tail}", flush=True)
    return wall, cpu


def tool_runs(root: Path, batches: Path | None = None) -> list[list[str]]:
    """Every tool run a one-by-one verify makes on a Berth tree (argocd.yaml is no tool run);
    with `batches` (an empty folder), the guardrails in verify's batches, written there."""
    runs = _one_by_one(root)
    if batches is None:
        return runs
    guardrails = [run[2] for run in runs if run[1] == "kustomize"]
    batched = []
    for i in range(0, len(guardrails), batch.SIZE):
        folder = batches / str(i)
        folder.mkdir()
        batch.write_batch(str(folder), str(root), guardrails[i : i + batch.SIZE])
        batched.append([_which("kubectl"), "kustomize", str(folder)])
    return batched + [run for run in runs if run[1] != "kustomize"]


def _one_by_one(root: Path) -> list[list[str]]:
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


FLOOR = """
import json, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
with open(sys.argv[2]) as fh:
    runs = [line.split("\\0") for line in fh.read().split("\\n") if line]
env = json.loads(sys.argv[3])
def one(args): subprocess.run(args, capture_output=True, check=True, env=env)
with ThreadPoolExecutor(max_workers=int(sys.argv[1])) as pool: list(pool.map(one, runs))
print(f"{len(runs)} tool runs in {sys.argv[1]} thread(s)")
"""


def floor_step(
    root: Path, threads: int, every: int, as_verify: bool = False
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="berth-floor-") as tmp:
        runs = tool_runs(root, Path(tmp) if as_verify else None)[::every]
        listing = Path(tmp) / "runs"
        listing.write_text("\n".join("\0".join(args) for args in runs))
        env = tool_env() if as_verify else dict(os.environ)
        wall, cpu, peak, tail = timed(
            [sys.executable, "-c", FLOOR, str(threads), str(listing), json.dumps(env)], root
        )
    scaled = f", 1 in {every} run, x{every}" if every > 1 else ""
    how = "as verify runs them" if as_verify else "bare tool loop"
    row(f"floor: {how}, {threads} thread(s){scaled}", wall * every, cpu * every, peak)
    print(f"    {tail}", flush=True)
    return wall * every, cpu * every


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def commit_base(root: Path) -> None:
    (root / ".gitignore").write_text(".berth/\n")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="*", default=[1000])
    parser.add_argument("--apps", type=int, default=2, help="applications per tenant")
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="full verify with each")
    parser.add_argument("--floor-every", type=int, default=1, metavar="K")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--floor-threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--no-change", action="store_true", help="leave out the --base step")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s); CPU is user+sys of the step's whole process tree")
    print("\nexample repository\n" + HEADER)
    verify_step("berth verify", REPO)
    if not args.no_floor:
        floor_step(REPO, 1, 1)
    for n in args.tenants:
        with tempfile.TemporaryDirectory(prefix="berth-verify-bench-") as tmp:
            root = Path(tmp)
            make_repo(root, n, args.apps)
            assert render(root) == 0
            commit_base(root)
            print(f"\n{n} tenants x {args.apps} application(s) x 3 environments\n" + HEADER)
            for jobs in args.jobs:
                verify_step(f"berth verify --all --jobs {jobs}", root, "--all", "--jobs", str(jobs))
            if not args.no_floor:
                for threads in args.floor_threads:
                    floor_step(root, threads, args.floor_every)
                floor_step(root, os.cpu_count() or 1, args.floor_every, as_verify=True)
            if args.no_change:
                continue
            write_tenant(
                root, "team0003", "large", ["team0004"], description="Changed by the bench"
            )
            assert render(root) == 0
            verify_step("berth verify --base HEAD (one tenant changed)", root, "--base", "HEAD")


if __name__ == "__main__":
    main()

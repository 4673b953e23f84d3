"""Benchmark: what a pull request waits for, at 1,000 and 10,000 synthetic tenants.

Run: `.venv/bin/python bench/pr_bench.py [--tenants 1000 10000] [--changes tenant app]
[--steps validate render-check verify plan] [--skip verify@platform] [--cold-only] [--keep DIR]`

For each N it writes a repository of N tenants (1 to 3 applications each, 3 environments,
from bench/render_bench.py), renders it (timed: the full render into an empty tree) and
commits it as tag `base`, then one branch per change, each rendered and committed the way
an author would: `tenant` (a quota), `app` (a tag), `blueprint` (a default in a blueprint's
values template) and `platform` (a ceiling). For each change it clones the branch afresh
(cold: no `.berth/`) and runs every step of the PR workflow as its own process, then runs
them again in the same clone (warm). Every figure is from /usr/bin/time: wall seconds, user
CPU seconds of the process and everything it waited for (kubectl, helm), and peak RSS. Next
to them, in the same run: the libyaml floor (PyYAML's CSafeLoader reading every request file,
CSafeDumper writing every rendered object), a full `validate`, `render --check` and `plan` for
the linearity targets, and each environment root read as Argo CD's repo server would
(bench/argocd_root.py).
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.argocd_root import read_root  # noqa: E402
from bench.render_bench import all_objects, validated, write_app, write_tenant  # noqa: E402

SEARCH = os.pathsep.join(
    [str(REPO / ".tools" / "bin"), str(REPO / ".venv" / "bin"), os.environ["PATH"]]
)
BERTH = str(REPO / ".venv" / "bin" / "berth")
# The flag each step takes the PR's base with, None while the step has none (then the step
# runs over the whole repository). Switch a step on once its flag exists.
BASE_FLAG: dict[str, str | None] = {
    "validate": "--base",
    "render-check": "--base",
    "verify": "--base",
    "plan": "--base",
}
STEPS = tuple(BASE_FLAG)
BASE = "base"  # the tag of the base commit


def base_args(step: str) -> list[str]:
    flag = BASE_FLAG[step]
    return [flag, BASE] if flag else []


def command(step: str, scratch: Path) -> list[str]:
    """The step's berth arguments; the plan goes to `scratch`, outside the clone (a file left
    in the clone would be a change of its own)."""
    return {
        "validate": ["validate", *base_args("validate")],
        "render-check": ["render", "--check", *base_args("render-check")],
        "verify": ["verify", *base_args("verify")],
        "plan": ["plan", *base_args("plan"), "--format", "json", "--output", str(scratch)],
    }[step]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# Each change: what an author edits on a branch from `base`.
CHANGES: dict[str, Callable[[Path], None]] = {
    "tenant": lambda r: _edit(
        r / "tenants/team0003/tenant.yaml", 'quota: {cpu: "3"}', 'quota: {cpu: "4"}'
    ),
    "app": lambda r: _edit(
        r / "tenants/team0004/apps/app0.yaml", 'prod: {tag: "1.0.0"', 'prod: {tag: "1.0.1"'
    ),
    "blueprint": lambda r: _edit(
        r / "blueprints/worker/values.yaml.j2", "healthPath: /healthz", "healthPath: /health"
    ),
    "platform": lambda r: _edit(r / "platform.yaml", 'ceiling: {cpu: "64"', 'ceiling: {cpu: "96"'),
}


@dataclass(frozen=True)
class Run:
    label: str
    wall: float
    user: float
    rss_mb: float
    code: int


def timed(label: str, args: list[str], cwd: Path, timeout: float, ok: tuple[int, ...]) -> Run:
    """One process under /usr/bin/time: wall, user CPU with children, peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        cmd = ["/usr/bin/time", "-o", out.name, "-f", "%e %U %M", *args]
        env = {**os.environ, "PATH": SEARCH}
        env.pop("GITHUB_ACTIONS", None)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return Run(label, time.perf_counter() - start, float("nan"), float("nan"), -1)
        fields = out.read().split()[-3:]
    wall, user, rss = float(fields[0]), float(fields[1]), float(fields[2]) / 1024
    if proc.returncode not in ok:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        print(f"    ! {label}: exit {proc.returncode}: {' | '.join(tail)}", flush=True)
    return Run(label, wall, user, rss, proc.returncode)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_tree(root: Path, n: int) -> None:
    """N tenants with 1-3 applications each (render_bench's tenants and apps)."""
    shutil.copy(REPO / "platform.yaml", root / "platform.yaml")
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    for i in range(n):
        name = f"team{i:04d}"
        peers = [f"team{(i + k) % n:04d}" for k in (1, 7) if (i + k) % n != i]
        write_tenant(root, name, ("small", "medium", "large")[i % 3], peers, f"Synthetic team {i}")
        for k in range(1 + i % 3):
            write_app(root, name, k, database=i % 2 == 0)


def floor(root: Path) -> Run:
    """libyaml alone: load every request file, dump every object a render writes."""
    requests = [root / "platform.yaml", *sorted((root / "tenants").rglob("*.yaml"))]
    repo = validated(root)
    objects = all_objects(repo)
    cpu, wall = time.process_time(), time.perf_counter()
    for path in requests:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    text = yaml.dump_all(objects, Dumper=yaml.CSafeDumper, sort_keys=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Run(f"floor: libyaml ({len(requests)} files, {len(text) / 1e6:.0f} MB)", wall, cpu, 0, 0)


def build_repository(work: Path, n: int, changes: list[str], timeout: float) -> list[Run]:
    make_tree(work, n)
    runs = [timed("full render (empty tree, no cache)", [BERTH, "render"], work, timeout, (0,))]
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "bench@example.invalid")
    git(work, "config", "user.name", "bench")
    (work / ".gitignore").write_text(".berth/\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    git(work, "tag", BASE)
    for change in changes:
        git(work, "checkout", "-q", "-b", f"change-{change}", BASE)
        CHANGES[change](work)
        # The author's render is scoped as the PR's own would be: it is not a PR step.
        author = [BERTH, "render", "--base", BASE]
        runs.append(timed(f"author's render: {change}", author, work, timeout, (0,)))
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", f"change: {change}")
    git(work, "checkout", "-q", "main")
    return runs


def clone(work: Path, branch: str, into: Path) -> None:
    if into.exists():
        shutil.rmtree(into)
    subprocess.run(
        ["git", "clone", "-q", "--branch", branch, str(work), str(into)],
        check=True,
        capture_output=True,
    )


def pr_steps(
    work: Path, branch: str, into: Path, steps: list[str], timeout: float, warm: bool
) -> list[tuple[str, list[Run]]]:
    """Every step cold (fresh clone), then again warm (same clone)."""
    clone(work, branch, into)
    out = []
    for temperature in ("cold", "warm") if warm else ("cold",):
        runs = [
            timed(step, [BERTH, *command(step, into.parent / "plan.json")], into, timeout, (0, 1))
            for step in steps
        ]
        out.append((temperature, runs))
    return out


def full_rows(work: Path, into: Path, timeout: float) -> list[Run]:
    """The whole-repository figures of the linearity targets, each in a fresh clone of base."""
    clone(work, BASE, into)
    rows = [timed("validate (full)", [BERTH, "validate"], into, timeout, (0,))]
    rows.append(
        timed("render --check (full, cold)", [BERTH, "render", "--check"], into, timeout, (0,))
    )
    clone(work, BASE, into)
    # `--all`: both revisions rendered whole, what a plan costs without a scope.
    scratch = str(into.parent / "plan-all.json")
    plan = [BERTH, "plan", "--base", "HEAD", "--all", "--format", "json", "--output", scratch]
    rows.append(timed("plan --base HEAD --all (cold)", plan, into, timeout, (0,)))
    return rows


def show(title: str, runs: list[Run]) -> None:
    print(f"  {title}")
    print(f"    {'step':<40}{'wall s':>9}{'user s':>9}{'RSS MB':>9}{'exit':>6}")
    for r in runs:
        print(f"    {r.label:<40}{r.wall:>9.1f}{r.user:>9.1f}{r.rss_mb:>9.0f}{r.code:>6}")
    total = sum(r.wall for r in runs)
    print(f"    {'total wall':<40}{total:>9.1f}", flush=True)


def bench(
    n: int,
    changes: list[str],
    steps: list[str],
    timeout: float,
    keep: Path | None,
    skip: set[str],
    warm: bool,
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"berth-pr-{n}-", dir=keep))
    work, into = tmp / "work", tmp / "clone"
    work.mkdir()
    print(f"\nN = {n} tenants (1-3 apps each) x 3 environments; flags: {BASE_FLAG}", flush=True)
    built = build_repository(work, n, changes, timeout)
    show("building the repository", built)
    result: dict[str, Any] = {"tenants": n, "flags": BASE_FLAG, "build": [asdict(r) for r in built]}
    floor_run = floor(work)
    full = [floor_run, *full_rows(work, into, timeout)]
    show("whole repository (linearity targets)", full)
    result["full"] = [asdict(r) for r in full]
    roots = []
    for env in ("dev", "staging", "prod"):
        reads = read_root(str(work), env)
        roots.append(
            {
                "env": env,
                "root_s": reads[0].seconds,
                "shards_s": sum(r.seconds for r in reads[1:]),
                "slowest_s": max(r.seconds for r in reads),
                "objects": sum(r.objects for r in reads),
                "largest_mb": max(r.included_bytes for r in reads) / 1e6,
            }
        )
        print(
            f"  root {env} read as Argo CD would: root {reads[0].seconds:.2f} s +"
            f" {len(reads) - 1} shards {roots[-1]['shards_s']:.2f} s (slowest single"
            f" Application {roots[-1]['slowest_s']:.2f} s), {roots[-1]['objects']} objects,"
            f" largest Application {roots[-1]['largest_mb']:.2f} MB of the 10 MB cap",
            flush=True,
        )
    result["roots"] = roots
    result["changes"] = {}
    for change in changes:
        chosen = [step for step in steps if f"{step}@{change}" not in skip]
        per = pr_steps(work, f"change-{change}", into, chosen, timeout, warm)
        for temperature, runs in per:
            show(f"{change} change, {temperature}", runs)
        result["changes"][change] = {t: [asdict(r) for r in runs] for t, runs in per}
    if keep is None:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changes", nargs="*", choices=list(CHANGES), default=list(CHANGES))
    parser.add_argument("--steps", nargs="+", choices=list(STEPS), default=list(STEPS))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    parser.add_argument("--keep", type=Path, help="keep the repositories under this folder")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        metavar="STEP@CHANGE",
        help="leave out one step of one change (verify@platform: the full verify)",
    )
    parser.add_argument("--cold-only", action="store_true", help="no warm runs")
    args = parser.parse_args()
    results = [
        bench(
            n, args.changes, args.steps, args.timeout, args.keep, set(args.skip), not args.cold_only
        )
        for n in args.tenants
    ]
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = large["tenants"] / small["tenants"]
        print(f"\n{large['tenants']} vs {small['tenants']} tenants ({ratio:.0f}x): user CPU ratio")
        for a, b in zip(small["full"], large["full"], strict=True):
            print(
                f"  {a['label']:<40}{b['user'] / a['user'] if a['user'] else float('nan'):>8.1f}x"
            )
        a, b = small["build"][0], large["build"][0]
        print(f"  {a['label']:<40}{b['user'] / a['user']:>8.1f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Kill and concurrency check of `berth render` (a script, not a timed test).

Run: `.venv/bin/python bench/kill_bench.py [--tenants 300] [--trials 20] [--seed 7]`

On N synthetic tenants (bench/render_bench.py's generator) it renders an old tree, then
changes the input (every tenant's dev quota, one tenant removed, one added) and:

1. Kill: starts `berth render` and SIGKILLs it at a random moment: in turn anywhere in a
   render's time, within the staging of the new files (from when `.berth/staging` appears),
   and within the swap (from when the journal appears); the phases' lengths are timed on
   one watched render first. After
   each kill the tree on disk must be the old one, the new one, or a swap in progress with
   its journal present; `render --check` must exit 0 exactly when the tree is the new one
   and no journal is pending; the next `berth render` must then leave the new tree, byte for
   byte, and `render --check` must pass.
2. Concurrency: two `berth render` at once, and a render with a `render --check` beside it.
   The second waits on `.berth/lock`; neither may fail with an internal error, and the
   result must be the new tree.

It prints the figures and exits 1 if any trial broke a rule.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_bench import REPO, SIZES, make_repo, write_tenant

Tree = dict[str, bytes]


def berth(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(root: Path, *args: str) -> tuple[int, str, float]:
    start = time.perf_counter()
    proc = berth(root, *args)
    out, err = proc.communicate()
    return proc.returncode, out + err, time.perf_counter() - start


def tree(root: Path) -> Tree:
    files = {"CODEOWNERS": (root / "CODEOWNERS").read_bytes()}
    for path in sorted((root / "environments").rglob("*")):
        if path.is_file() or path.is_symlink():
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def change_input(root: Path, n: int) -> None:
    platform = root / "platform.yaml"
    platform.write_text(platform.read_text().replace('small:  {cpu: "2"', 'small:  {cpu: "3"'))
    shutil.rmtree(root / "tenants" / "team0001")
    for i in (0, n - 6):  # the two tenants whose allowFrom names it (see render_bench)
        peers = [f"team{(i + k) % n:04d}" for k in (1, 7) if (i + k) % n not in (i, 1)]
        write_tenant(
            root, f"team{i:04d}", SIZES[i % 3], peers, description=f"Synthetic team number {i}"
        )
    write_tenant(root, f"team{n:04d}", "small", ["team0002"], description="Added by the bench")


def reset(root: Path, pristine: Path) -> None:
    """The repository as it was before the change: old inputs, old tree, no .berth/."""
    for name in ("environments", "tenants", ".berth"):
        shutil.rmtree(root / name, ignore_errors=True)
    shutil.copytree(pristine / "environments", root / "environments", symlinks=True)
    shutil.copytree(pristine / "tenants", root / "tenants", symlinks=True)
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(pristine / name, root / name)


def classify(now: Tree, old: Tree, new: Tree) -> str:
    if now == old:
        return "old"
    if now == new:
        return "new"
    return "mixed"


def phases(root: Path) -> tuple[float, float, float]:
    """One render of the change, watched: when staging starts, when the journal appears (the
    swap), when it ends; the kill trials aim at each phase."""
    proc = berth(root, "render")
    start = time.perf_counter()
    staged = swapped = 0.0
    while proc.poll() is None:
        now = time.perf_counter() - start
        if not staged and (root / ".berth" / "staging").exists():
            staged = now
        if not swapped and (root / ".berth" / "journal.json").exists():
            swapped = now
        time.sleep(0.002)
    proc.communicate()
    end = time.perf_counter() - start
    assert proc.returncode == 0
    return staged or end, swapped or end, end


def kill_trials(
    root: Path,
    pristine: Path,
    old: Tree,
    new: Tree,
    n: int,
    trials: int,
    times: tuple[float, float, float],
    seed: int,
) -> tuple[Counter[str], list[str]]:
    staged, swapped, full = times
    marks = [None, root / ".berth" / "staging", root / ".berth" / "journal.json"]
    spans = [0.95 * full, swapped - staged, full - swapped]  # anywhere, staging, swap
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    broken: list[str] = []
    for trial in range(trials):
        reset(root, pristine)
        change_input(root, n)
        mark, delay = marks[trial % 3], rng.uniform(0, spans[trial % 3])
        proc = berth(root, "render")
        start = time.perf_counter()
        while mark is not None and not mark.exists() and proc.poll() is None:
            time.sleep(0.001)  # the phase begins: aim within it
        time.sleep(delay)
        delay = time.perf_counter() - start
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        journal = (root / ".berth" / "journal.json").exists()
        state = classify(tree(root), old, new)
        label = f"{state}{' + journal' if journal else ''}{' (finished first)' if finished else ''}"
        outcomes[label] += 1
        check, output, _ = run(root, "render", "--check")
        truthful = (check == 0) == (state == "new" and not journal)
        if (state == "mixed" and not journal) or not truthful or "internal error" in output:
            broken.append(f"trial {trial} at {delay:.2f} s: {label}, check exit {check}: {output}")
        code, output, _ = run(root, "render")
        again, _, _ = run(root, "render", "--check")
        if code != 0 or tree(root) != new or again != 0:
            broken.append(f"trial {trial}: recovery exit {code}, check {again}: {output}")
        phase = ("anywhere", "staging", "swap")[trial % 3]
        print(
            f"  trial {trial:2} ({phase:<8}): killed at {delay:5.2f} s -> {label}; check exit {check}"
        )
    return outcomes, broken


def concurrency(root: Path, pristine: Path, new: Tree, n: int, rounds: int) -> list[str]:
    broken: list[str] = []
    for pair in (("render",), ("render", "--check")):
        for r in range(rounds):
            reset(root, pristine)
            change_input(root, n)
            start = time.perf_counter()
            first, second = berth(root, "render"), berth(root, *pair)
            outputs = [p.communicate() for p in (first, second)]
            results = [
                (p.returncode, o, e) for p, (o, e) in zip((first, second), outputs, strict=True)
            ]
            took = time.perf_counter() - start
            codes = [c for c, _, _ in results]
            texts = " | ".join((o + e).strip().replace("\n", " / ")[:160] for _, o, e in results)
            ok = all("internal error" not in o + e for _, o, e in results) and tree(root) == new
            # A check that got the lock first sees the old tree (1); after the render, 0.
            ok = ok and codes[0] == 0 and codes[1] in ({0} if pair == ("render",) else {0, 1})
            print(
                f"  render + {' '.join(pair):<15} round {r}: exits {codes} in {took:.2f} s: {texts}"
            )
            if not ok:
                broken.append(f"render + {' '.join(pair)} round {r}: {codes} {texts}")
    return broken


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="berth-kill-") as tmp:
        pristine, root = Path(tmp) / "pristine", Path(tmp) / "repo"
        pristine.mkdir()
        make_repo(pristine, args.tenants)
        shutil.copy(REPO / "CODEOWNERS", pristine / "CODEOWNERS")
        code, output, _ = run(pristine, "render")
        assert code == 0, output
        old = tree(pristine)
        shutil.copytree(pristine, root, symlinks=True)
        shutil.rmtree(root / ".berth", ignore_errors=True)
        change_input(root, args.tenants)
        times = phases(root)
        new = tree(root)
        changed = sum(old.get(p) != new.get(p) for p in old.keys() | new.keys())
        print(
            f"N = {args.tenants} tenants: {len(new)} generated files, {changed} change;"
            f" a render of the change takes {times[2]:.2f} s wall (process start included),"
            f" staging from {times[0]:.2f} s, the swap from {times[1]:.2f} s"
        )
        print(f"kill: {args.trials} trials (seed {args.seed})")
        outcomes, broken = kill_trials(
            root, pristine, old, new, args.tenants, args.trials, times, args.seed
        )
        print(f"concurrency: {args.rounds} rounds each")
        broken += concurrency(root, pristine, new, args.tenants, args.rounds)
    print("outcomes after a kill:", ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    print(f"rules broken: {len(broken)}")
    for line in broken:
        print("  " + line)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

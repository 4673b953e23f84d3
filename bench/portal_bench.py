"""Benchmark: the local parts of "New application" with a new repository (docs/portal.md).

Run: `.venv/bin/python bench/portal_bench.py [--runs 5]`

In a copy of the root's platform (platform.yaml, blueprints/, tenants/, committed as `base`) it
writes the request the template writes for payments/orders (a web service, the first
registry's image, the new repository's first commit as its tag) and times each pull-request
step as its own process, the way the checks run them: `berth validate`, `berth render` (the
commit-back), `berth render --check` and `berth plan --base base`. Then the skeleton's part:
templating each blueprint's skeleton the way fetch:template does (tests/support/skeleton.mjs,
nunjucks) and the web-service skeleton's server from start to its first health answer. Each
figure is the median wall time of `--runs` runs. The image build itself needs a Docker
daemon and a registry and is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BERTH = str(REPO / ".venv" / "bin" / "berth")
NODE_PACKAGES = REPO / ".tools" / "backstage"
REQUEST = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: "orders"
spec:
  blueprint: "web-service"
  image: "ghcr.io/acme/payments-orders"
  port: 8080
  resources: {cpu: "250m", memory: "256Mi"}
  healthPath: "/healthz"
  environments:
    "dev":
      tag: "0123456789abcdef0123456789abcdef01234567"
      replicas: 1
"""
VALUES = {
    "name": "orders", "tenant": "payments", "blueprint": "web-service", "port": 8080,
    "healthPath": "/healthz", "schedule": "30 1 * * *", "image": "ghcr.io/acme/payments-orders",
    "registry": "ghcr.io", "environment": "dev", "platformRepository": "acme/platform",
    "platformOwner": "acme", "platformName": "platform", "platformRef": "main",
    "defaultBranch": "main",
}  # fmt: skip


def _timed(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _run(*args: str, cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def _platform(root: Path) -> None:
    for name in ("blueprints", "tenants"):
        shutil.copytree(REPO / name, root / name)
    for name in ("platform.yaml", ".gitignore"):  # .berth/ is never committed
        shutil.copy(REPO / name, root / name)
    _run(BERTH, "render", cwd=root)
    for args in (("init", "-q", "-b", "main"), ("add", "-A")):
        _run("git", *args, cwd=root)
    _run("git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "base", cwd=root)
    _run("git", "tag", "base", cwd=root)
    path = root / "tenants" / "payments" / "apps" / "orders.yaml"
    path.write_text(REQUEST)


def _health(folder: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"PATH": os.environ["PATH"], "PORT": str(port), "PYTHONDONTWRITEBYTECODE": "1"}
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=folder, env=env, stdout=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.005)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "platform"
        _platform(root)
        rows.append(("berth validate", _timed(lambda: _run(BERTH, "validate", cwd=root), runs)))
        rows.append(("berth render", _timed(lambda: _run(BERTH, "render", cwd=root), runs)))
        check = ("render", "--check")
        rows.append(("berth render --check", _timed(lambda: _run(BERTH, *check, cwd=root), runs)))
        plan = ("plan", "--base", "base")
        rows.append(("berth plan --base base", _timed(lambda: _run(BERTH, *plan, cwd=root), runs)))
        script = str(REPO / "tests" / "support" / "skeleton.mjs")
        for blueprint in ("web-service", "worker", "cronjob"):
            out = Path(scratch) / blueprint
            source = str(REPO / "blueprints" / blueprint / "skeleton")
            node = ("node", script, str(NODE_PACKAGES), source, str(out))
            stdin = json.dumps(VALUES)
            seconds = _timed(lambda: _run(*node, cwd=root, stdin=stdin), runs)  # noqa: B023
            rows.append((f"template the {blueprint} skeleton (node + nunjucks)", seconds))
        web = Path(scratch) / "web-service"
        rows.append(("web-service skeleton: start to first health answer", _timed(lambda: _health(web), runs)))  # fmt: skip
    print(f"median of {runs} runs, wall seconds")
    for name, seconds in rows:
        print(f"{seconds:8.3f}  {name}")


if __name__ == "__main__":
    main()

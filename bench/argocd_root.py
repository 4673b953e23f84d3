"""What Argo CD's repo server does with one environment root: the root and its shards.

The root and every shard are plain-directory Applications, so the repo server walks the
folder, keeps the files the `include` glob matches, checks their combined size against its cap
(`reposerver.max.combined.directory.manifests.size`, 10M by default) and splits every file
into objects. This follows the root from `bootstrap.yaml` with verify's own reader (the same
walk, glob and libyaml split) and reports, per Application, the seconds, the objects and the
bytes it reads; a kustomize source (there is none in the root) would be `kubectl kustomize`.

Run: `.venv/bin/python bench/argocd_root.py REPO [--env prod]` on a rendered repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.repo import layout  # noqa: E402
from generator.verify.globs import glob  # noqa: E402
from generator.verify.sources import Tools, build, read_directory  # noqa: E402

ARGOCD_DIRECTORY_CAP = 10_000_000  # resource.Quantity "10M"


@dataclass(frozen=True)
class Read:
    name: str
    seconds: float
    objects: int
    included_bytes: int


def included_bytes(root: str, app: dict[str, Any]) -> int:
    """What Argo CD counts against its cap: the sizes of the files the include glob keeps."""
    source = app["spec"]["source"]
    directory = source.get("directory") or {}
    top = os.path.join(root, source["path"])
    total = 0
    for folder, dirs, files in os.walk(top):
        if directory.get("recurse") is not True:
            dirs.clear()
        rel_dir = os.path.relpath(folder, top)
        for name in files:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            include = directory.get("include")
            if name.endswith((".yaml", ".yml", ".json")) and (not include or glob(include, rel)):
                total += os.path.getsize(os.path.join(folder, name))
    return total


def read_root(root: str, env: str) -> list[Read]:
    """The root Application of `env` and each Application it holds that reads a plain
    directory (its shards), read as the repo server would, one after the other."""
    tools = Tools(kubectl="kubectl", helm="helm")  # never run: every source here is a directory
    bootstrap = layout.bootstrap_file(env)
    applied = read_directory(root, layout.env_root(env), {"include": "bootstrap.yaml"}, bootstrap)
    root_app = next(
        at.obj for at in applied if at.obj["metadata"]["name"] == layout.root_application(env)
    )
    reads: list[Read] = []
    queue = [root_app]
    while queue:
        app = queue.pop(0)
        start = time.perf_counter()
        built = build(root, app, tools, bootstrap, "1.34.0")
        took = time.perf_counter() - start
        assert not built.errors, built.errors
        reads.append(
            Read(app["metadata"]["name"], took, len(built.objects), included_bytes(root, app))
        )
        if app is root_app:
            queue += [
                at.obj
                for at in built.objects
                if at.obj.get("kind") == "Application"
                and at.obj["metadata"]["name"] != layout.root_application(env)
                and "directory" in at.obj["spec"]["source"]
                and at.obj["spec"]["source"]["path"].startswith(layout.shards_dir(env))
            ]
    return reads


def report(root: str, env: str) -> list[str]:
    reads = read_root(root, env)
    shards = reads[1:]
    slowest = max(shards, key=lambda r: r.seconds) if shards else reads[0]
    biggest = max(reads, key=lambda r: r.included_bytes)
    return [
        f"root {reads[0].name}: {reads[0].seconds:.2f} s, {reads[0].objects} objects,"
        f" {reads[0].included_bytes / 1e3:.0f} kB",
        f"{len(shards)} shards: {sum(r.seconds for r in shards):.2f} s together,"
        f" {sum(r.objects for r in shards)} Applications; slowest {slowest.name}"
        f" {slowest.seconds:.2f} s; largest {biggest.name} {biggest.included_bytes / 1e6:.2f} MB"
        f" of Argo CD's {ARGOCD_DIRECTORY_CAP / 1e6:.0f} MB cap",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--env", default="prod")
    args = parser.parse_args()
    for line in report(args.repo, args.env):
        print(line)


if __name__ == "__main__":
    main()

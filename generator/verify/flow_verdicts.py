"""A runtime-flow run's verdict, kept by the digest of everything it was judged from.

A warm `verify --cache` finds every analyzer map in the cache; what is left is cutting each
run from the builds' views and holding its map to the requests (flows.check_run), which costs
more than reading the tree. Its findings are a function of: the views of the run's namespaces
(their digests, runtime.Cluster.shard_digest: the run's pods and policies are cut from them),
its stranger namespaces, the platform's settings (its own pods among them), the analyzer's
identity, Berth's code (the store's keys hold it), and the requests of the tenants whose
namespaces the run holds: `check_run` looks up no other tenant (a peer outside the run is not
in its map). Those requests are named by their tenant folders' trees, which also hold the
lines the findings point at; the blueprints' tree stands for the defaults an app takes from
them. A run whose parts cannot all be named is judged, never recalled.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Sequence

from generator.problems import Problem
from generator.repo import layout
from generator.verify.cache_entry import problem_rows, problems_of
from generator.verify.flows import Checker
from generator.verify.nca import Memo

KIND = "runtime-flow verdict/2"


def _tenant_folder(check: Checker, tenant: str) -> str | None:
    """The request folder a tenant (or a scenario standing as one) is read from."""
    doc = check.raw.tenants.get(tenant)
    if doc is None:
        return None
    parts = doc.path.split("/")
    return posixpath.join(*parts[:2]) if parts[0] == layout.TENANTS_DIR else None


def verdict_parts(
    memo: Memo, check: Checker, namespaces: Sequence[str], shard: str, platform: str
) -> list[str] | None:
    """The key parts of the verdict of the run of `namespaces` (`shard`: the digest of what
    it is cut from; `platform`: the JSON of the platform's model, every setting the checks
    read); None when a request folder cannot be named."""
    tenants = sorted({check.namespaces[n][1] for n in namespaces if n in check.namespaces})
    folders = []
    for tenant in tenants:
        folder = _tenant_folder(check, tenant)
        found = None if folder is None else memo.store.folder_digest(folder)
        if folder is None or found is None:
            return None
        folders.append([tenant, folder, found])
    blueprints = memo.store.folder_digest(layout.BLUEPRINTS_DIR)
    if blueprints is None:
        return None
    judged = {
        "analyzer": memo.identity,
        "shard": shard,
        "envs": sorted({env for env, _ in check.namespaces.values()}),
        "platform": platform,
        "blueprints": blueprints,
        "requests": folders,
    }
    return [KIND, json.dumps(judged, sort_keys=True)]


def recall(memo: Memo, parts: Sequence[str]) -> list[Problem] | None:
    """The verdict judged before from `parts`. The map it was judged from is kept too: a
    change to the requests alone (a new port) is judged again from the same map."""
    text = memo.store.recall_text(parts)
    if text is None:
        return None
    try:
        data = json.loads(text)
        found, kept = problems_of(data["problems"]), str(data["map"])
    except (ValueError, TypeError, KeyError):
        return None
    if found is None:
        return None
    memo.store.keep(kept)
    return list(found)


def remember(memo: Memo, parts: Sequence[str], map_key: str, problems: Iterable[Problem]) -> None:
    """Keep the verdict of a run judged from the map kept under `map_key`."""
    rows = problem_rows(sorted(problems))
    memo.store.remember_text(parts, json.dumps({"problems": rows, "map": map_key}))

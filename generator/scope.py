"""Which tenants a change can affect: the units the `--base` checks load, render and compare.

Sound only when the base is consistent (every check passed on it in full, which the
main-branch workflow does on every push): then a tenant's generated files can differ from
what `render` makes of the head only if something they depend on changed, and they depend on

- its own requests (`tenants/<t>/`): a changed file there puts `t` in scope;
- its own generated files: a hand edit puts `t` in scope;
- its neighbours' `allowFrom` (network policies go both ways): when `tenant.yaml` of `t`
  changes, every tenant `t` names, before or after, and every tenant that names `t` is in
  scope;
- the blueprints of its applications: a changed file inside a blueprint's folder or its
  chart puts every tenant with an application of that blueprint in scope;
- `platform.yaml`, the tenant base (`blueprints/tenant`), Berth's own code and anything this
  module does not recognise: everything is in scope (the full check).

The checks that compare names across tenants (Argo CD Application names, namespaces) read
every tenant, and a new name can only collide with a tenant whose name is a dash-prefix of
another's: those tenants come into scope with it. Hosts need no such rule: a tenant's hosts
lie in its own space or are granted to it by platform.yaml, so two tenants never claim one.
The environments' own files, CODEOWNERS and the shared front-door files are always rebuilt
in full. docs/ci.md has the argument and what keeps the base consistent.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import layout
from generator.changes import ChangeSet
from generator.yaml_load import Document, LoadError, parse_request

# Paths no render reads: documentation. Tenant folders' READMEs are never loaded either.
_NO_EFFECT_DIRS = ("docs/", f"{layout.STATE_DIR}/")


@dataclass(frozen=True)
class Scope:
    change: ChangeSet
    full: str | None  # why everything is checked; None: the check is scoped
    tenants: frozenset[str]  # their request or generated files changed
    requests: frozenset[str]  # their tenant.yaml changed (or appeared, or went)
    blueprint_paths: tuple[str, ...]  # changed files under blueprints/

    def describe(self) -> str:
        if self.full is not None:
            return f"everything ({self.full})"
        return f"{len(self.tenants)} changed tenant(s)" + (
            f" and the users of {len(self.blueprint_paths)} changed blueprint file(s)"
            if self.blueprint_paths
            else ""
        )


def scope_of(change: ChangeSet) -> Scope:
    """The seeds of a change: what its paths say before any request is read."""
    tenants: set[str] = set()
    requests: set[str] = set()
    blueprints: list[str] = []
    for path in change.paths:
        why = _classify(path, tenants, requests, blueprints)
        if why is not None:
            return Scope(change, why, frozenset(), frozenset(), ())
    return Scope(change, None, frozenset(tenants), frozenset(requests), tuple(blueprints))


def _classify(
    path: str, tenants: set[str], requests: set[str], blueprints: list[str]
) -> str | None:
    """Record what `path` touches; the reason for a full check when it may touch anything."""
    parts = path.split("/")
    if path == layout.PLATFORM_FILE:
        return f"{layout.PLATFORM_FILE} changed"
    if parts[0] == layout.TENANTS_DIR and len(parts) >= 3:
        tenants.add(parts[1])
        if len(parts) == 3 and parts[2] in (layout.TENANT_FILE, layout.APPS_DIR):
            requests.add(parts[1])
        return None
    if parts[0] == layout.TENANTS_DIR:  # a file directly in tenants/: load reports it
        return None
    if path.startswith(f"{layout.TENANT_BASE_DIR}/"):
        return f"the tenant base {layout.TENANT_BASE_DIR}/ changed"
    if parts[0] == layout.BLUEPRINTS_DIR:
        blueprints.append(path)
        return None
    owner = layout.generated_tenant(path)
    if owner is not None:
        tenants.add(owner)
        return None
    if layout.is_generated_path(path):  # the environments' own files, the shared ones
        return None
    if path.startswith(_NO_EFFECT_DIRS) or ("/" not in path and path.endswith(".md")):
        return None
    return f"{path} changed"


def apps_to_load(scope: Scope, docs: Mapping[str, Document]) -> Collection[str]:
    """The tenant folders whose applications a scoped check reads: the seeds, their
    neighbours and name relatives; every folder when a blueprint changed (its users are
    known only once every application is read)."""
    if scope.full is not None or scope.blueprint_paths:
        return docs.keys()
    return expand(scope, docs)


def expand(scope: Scope, docs: Mapping[str, Document]) -> frozenset[str]:
    """The seeds, with the neighbours of those whose tenant.yaml changed and the tenants
    whose names are dash-prefixes of theirs (or have theirs as one)."""
    found = set(scope.tenants)
    head = {name: _allow_from(doc) for name, doc in docs.items()}
    for name in scope.requests:
        found.update(head.get(name, ()))
        found.update(_base_allow_from(scope.change, name))
        found.update(other for other, allowed in head.items() if name in allowed)
    for name in list(found):
        found.update(_dash_relatives(name, docs.keys()))
    return frozenset(found)


def with_blueprint_users(
    scope: Scope, tenants: frozenset[str], users: Mapping[str, Iterable[str]]
) -> frozenset[str]:
    """`tenants` and every tenant with an application of a blueprint a changed file belongs
    to (`users`: blueprint folder or chart folder -> the tenants using it)."""
    found = set(tenants)
    for path in scope.blueprint_paths:
        for folder, who in users.items():
            if path.startswith(f"{folder}/"):
                found.update(who)
    return frozenset(found)


def unowned_blueprint_paths(scope: Scope, folders: Iterable[str]) -> list[str]:
    """Changed paths under blueprints/ inside no blueprint's folder or chart: a file any
    template might include, so their change means a full check."""
    known = tuple(f"{f}/" for f in folders)
    return [p for p in scope.blueprint_paths if not p.startswith(known)]


def _dash_relatives(name: str, names: Iterable[str]) -> set[str]:
    return {
        other for other in names if other.startswith(f"{name}-") or name.startswith(f"{other}-")
    }


def _allow_from(doc: Document) -> tuple[str, ...]:
    data: Any = json.loads(doc.model_json) if doc.model_json is not None else doc.data
    spec = data.get("spec") if isinstance(data, dict) else None
    allowed = spec.get("allowFrom") if isinstance(spec, dict) else None
    return tuple(a for a in allowed if isinstance(a, str)) if isinstance(allowed, list) else ()


def _base_allow_from(change: ChangeSet, tenant: str) -> tuple[str, ...]:
    before = change.before.get(layout.tenant_file(tenant))
    if before is None or before.kind != "file":
        return ()
    try:
        return _allow_from(parse_request(before.data, layout.tenant_file(tenant)))
    except LoadError:
        return ()

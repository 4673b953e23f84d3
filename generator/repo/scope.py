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
- nothing of a tenant's: an entry directly in `tenants/` that is no folder (a file, a link)
  is read by every check, scoped or not (generator/load/ reports it);
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
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.repo import layout
from generator.repo.changes import ChangeSet
from generator.repo.scope_apis import consumers_of, providers_of
from generator.repo.view import RepoView
from generator.yamlio.reader import MAX_FILE_BYTES, Document, LoadError, parse_request

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
    if parts[0] == layout.TENANTS_DIR:  # directly in tenants/: every scope's load reports it
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


def closure(
    scope: Scope, view: RepoView, folders: Collection[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(the tenants in scope, the tenants read besides them), of the tenant folders `folders`.

    In scope: the seeds, the neighbours of those whose tenant.yaml changed, and the dash
    relatives of all of them. Read besides: the neighbours of the tenants in scope, which
    their network policies name (a tenant's files depend on which of its neighbours run in
    each environment), but whose own files cannot change. A tenant names another in
    `allowFrom` only if its tenant.yaml holds that name's bytes, or spells something some
    other way (an escape, a tag, a byte outside ASCII): only those files are parsed.
    """
    texts = {name: _read(view, layout.tenant_file(name)) for name in folders}
    parsed: dict[str, tuple[str, ...]] = {}

    def allows(name: str) -> tuple[str, ...]:
        if name not in parsed:
            parsed[name] = _allowed_in(texts.get(name), layout.tenant_file(name))
        return parsed[name]

    def named_by(targets: Collection[str]) -> set[str]:
        suspects = {n for n, raw in texts.items() if raw is not None and _SUSPECT.search(raw)}
        found: set[str] = set()
        for target in targets:
            key = target.encode()
            for name in suspects | {n for n, raw in texts.items() if raw and key in raw}:
                if target in allows(name):
                    found.add(name)
        return found

    in_scope = set(scope.tenants)
    for name in scope.requests:
        in_scope.update(allows(name))
        in_scope.update(_base_allow_from(scope.change, name))
    in_scope |= named_by(scope.requests)
    # An application's check reads the applications it consumes (generator/repo/scope_apis.py).
    in_scope |= consumers_of(view, scope.tenants, folders)
    in_scope |= providers_of(view, in_scope, folders)
    for name in list(in_scope):
        in_scope |= _dash_relatives(name, folders)
    around = {n for name in in_scope if name in texts for n in allows(name)}
    around |= named_by(in_scope)
    return frozenset(in_scope), frozenset((around - in_scope) & set(folders))


_SUSPECT = re.compile(rb"[\\!\x00\x80-\xff]")


def _read(view: RepoView, path: str) -> bytes | None:
    try:
        return view.read(path, MAX_FILE_BYTES + 1) if view.kind(path) == "file" else None
    except OSError:
        return None


def _allowed_in(raw: bytes | None, path: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    try:
        return _allow_from(parse_request(raw, path))
    except LoadError:
        return ()


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
    return _allowed_in(before.data, layout.tenant_file(tenant))

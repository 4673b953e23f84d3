"""Load and validate what a change can affect (`--base REF`), or everything.

The tenants' own documents are always all read: the cross-tenant checks (names, namespaces,
`allowFrom` targets) and the environments' shared files need every tenant. Applications are
read for the tenants in scope only, unless a blueprint changed (then every application is
read and checked against it, and the tenants using it come into scope). `generator/scope.py`
says why that is enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator import layout
from generator.load import RawRepo, RequestCache, load_repo
from generator.problems import Problem
from generator.repo_view import RepoView
from generator.scope import (
    Scope,
    apps_to_load,
    expand,
    unowned_blueprint_paths,
    with_blueprint_users,
)
from generator.validate import ValidRepo, validate_repo


@dataclass(frozen=True)
class Checked:
    valid: ValidRepo | None
    problems: list[Problem]
    tenants: frozenset[str] | None  # the tenants whose units to build; None: all of them
    note: str  # what was checked, for the log
    raw: RawRepo


def check(
    source: str | RepoView,
    scope: Scope | None,
    cache: RequestCache | None = None,
    *,
    blueprints_root: str | None = None,
    tenants: frozenset[str] | None = None,
) -> Checked:
    """What `scope` can affect (everything without one), or the tenants `tenants` when given
    (the base side of a scoped plan renders the head's scope)."""
    if tenants is not None:
        chosen = tenants
        every = scope is not None and bool(scope.blueprint_paths)
        raw = load_repo(
            source,
            cache,
            apps_of=lambda docs: docs.keys() if every else chosen,
            blueprints_root=blueprints_root,
        )
        valid, problems = validate_repo(raw)
        return Checked(valid, problems, tenants, f"checked {len(tenants)} tenants", raw)
    if scope is None or scope.full is not None:
        raw = load_repo(source, cache, blueprints_root=blueprints_root)
        valid, problems = validate_repo(raw)
        note = "" if scope is None else f"checked {scope.describe()}"
        return Checked(valid, problems, None, note, raw)
    raw = load_repo(
        source,
        cache,
        apps_of=lambda docs: apps_to_load(scope, docs),
        blueprints_root=blueprints_root,
    )
    in_scope: frozenset[str] | None = expand(scope, raw.tenants)
    folders = _blueprint_folders(raw)
    if unowned_blueprint_paths(scope, folders):
        in_scope = None
    valid, problems = validate_repo(raw)
    if valid is not None and in_scope is not None and scope.blueprint_paths:
        users: dict[str, set[str]] = {}
        for tenant, apps in valid.apps.items():
            for app in apps.values():
                blueprint = valid.blueprints[app.spec.blueprint]
                for folder in (blueprint.chart, layout.blueprint_dir(blueprint.name)):
                    users.setdefault(folder, set()).add(tenant)
        in_scope = with_blueprint_users(scope, in_scope, users)
    if in_scope is None:
        note = f"checked everything ({len(raw.tenants)} tenants: a changed blueprint file belongs to no blueprint)"
    else:
        note = f"checked {len(in_scope)} of {len(raw.tenants)} tenants ({scope.describe()})"
    return Checked(valid, problems, in_scope, note, raw)


def _blueprint_folders(raw: RawRepo) -> list[str]:
    folders: list[str] = []
    for name, blueprint in raw.blueprints.items():
        folders.append(layout.blueprint_dir(name))
        if blueprint is not None:
            folders.append(blueprint.chart)
    return folders

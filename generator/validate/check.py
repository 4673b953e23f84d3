"""Load and validate what a change can affect (`--base REF`), or everything.

The tenants' own documents are always all read: the cross-tenant checks (names, namespaces,
`allowFrom` targets) and the environments' shared files need every tenant. Applications are
read for the tenants in scope only, unless a blueprint changed (then every application is
read and checked against it, and the tenants using it come into scope). `generator/repo/scope.py`
says why that is enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.load import RawRepo, RequestCache, load_repo
from generator.models.errors import validate_model
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.repo.scope import Scope, closure, unowned_blueprint_paths, with_blueprint_users
from generator.repo.selection import Selection
from generator.repo.view import DiskView, RepoView
from generator.validate import ValidRepo, validate_repo


@dataclass(frozen=True)
class Checked:
    valid: ValidRepo | None
    problems: list[Problem]
    tenants: frozenset[str] | None  # the tenants whose units to build; None: all of them
    note: str  # what was checked, for the log
    raw: RawRepo
    around: frozenset[str] = frozenset()  # read besides them: their neighbours


def check(
    source: str | RepoView,
    scope: Scope | None,
    cache: RequestCache | None = None,
    *,
    blueprints_root: str | None = None,
    tenants: frozenset[str] | None = None,
    around: frozenset[str] = frozenset(),
) -> Checked:
    """What `scope` can affect (everything without one), or the tenants `tenants` (with their
    neighbours `around`) when given: the base side of a scoped plan renders the head's."""
    view = DiskView(source) if isinstance(source, str) else source
    change = scope.change if scope is not None else None
    every_app = scope is not None and bool(scope.blueprint_paths)

    def load_for(in_scope: frozenset[str], context: frozenset[str]) -> RawRepo:
        """The tenants `in_scope` with their applications, `context` without (everything
        when a blueprint changed: its users are known once every application is read)."""
        return load_repo(
            view,
            cache,
            apps_of=None if every_app else (lambda _docs: in_scope),
            tenants=None if every_app else in_scope | context,
            blueprints_root=blueprints_root,
            change=change,
        )

    if tenants is not None:
        raw = load_for(tenants, around)
        valid, problems = validate_repo(raw, Selection(tenants))
        return Checked(valid, problems, tenants, f"checked {len(tenants)} tenants", raw, around)
    if scope is None or scope.full is not None:
        raw = load_repo(view, cache, blueprints_root=blueprints_root)
        valid, problems = validate_repo(raw)
        note = "" if scope is None else f"checked {scope.describe()}"
        return Checked(valid, problems, None, note, raw)
    folders = [
        name
        for name, kind in view.entries(layout.TENANTS_DIR)
        if kind == "dir" and not name.startswith(".")
    ]
    in_scope, context = closure(scope, view, folders)
    raw = load_for(in_scope, context)
    found: frozenset[str] | None = in_scope
    if unowned_blueprint_paths(scope, _blueprint_folders(raw)):
        found = None
    valid, problems = validate_repo(raw, Selection(found))
    if valid is not None and found is not None and every_app:
        users: dict[str, set[str]] = {}
        for tenant, apps in valid.apps.items():
            for app in apps.values():
                blueprint = valid.blueprints[app.spec.blueprint]
                for folder in (blueprint.chart, layout.blueprint_dir(blueprint.name)):
                    users.setdefault(folder, set()).add(tenant)
        found = with_blueprint_users(scope, found, users)
    everyone = len(folders)
    if found is None:
        note = f"checked everything ({everyone} tenants: a changed blueprint file belongs to no blueprint)"
    else:
        note = f"checked {len(found)} of {everyone} tenants ({scope.describe()})"
    return Checked(valid, problems, found, note, raw, context)


def _blueprint_folders(raw: RawRepo) -> list[str]:
    folders: list[str] = []
    for name, blueprint in raw.blueprints.items():
        folders.append(layout.blueprint_dir(name))
        if blueprint is not None:
            folders.append(blueprint.chart)
    return folders


def read_tenants(view: RepoView, names: frozenset[str]) -> dict[str, Tenant]:
    """The valid tenants among `names`, read on their own (what a scoped render needs of a
    tenant it did not read, when the base's CODEOWNERS lacks its line)."""
    raw = load_repo(view, tenants=names, apps_of=lambda _docs: ())
    found: dict[str, Tenant] = {}
    for name, doc in raw.tenants.items():
        tenant, _ = validate_model(Tenant, doc)
        if tenant is not None:
            found[name] = tenant
    return found

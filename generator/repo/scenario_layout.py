"""Where scenarios live (tenants/<tenant>/scenarios/<name>.yaml) and the names they take.

A scenario's namespace is `<tenant>-<scenario>-<env>`: the same shape as a tenant's own
(`<tenant>-<env>`), so every Argo CD and namespace name still ends in its environment's name
(what generator/repo/layout.py relies on), and validation refuses the few spellings that could
meet another name (docs/decisions.md, "A scenario's namespace").
"""

from __future__ import annotations

from collections.abc import Collection

from generator.repo import layout
from generator.repo.changes import ChangeSet
from generator.repo.view import RepoView

SCENARIOS_DIR = "scenarios"
SCENARIO_SUFFIX = ".yaml"


def scenarios_dir(tenant: str) -> str:
    return f"{layout.TENANTS_DIR}/{tenant}/{SCENARIOS_DIR}"


def scenario_file(tenant: str, name: str) -> str:
    return f"{scenarios_dir(tenant)}/{name}{SCENARIO_SUFFIX}"


def scenario_namespace(tenant: str, name: str, env: str) -> str:
    return f"{tenant}-{name}-{env}"


def scenario_host(app: str, name: str, tenant: str, domain: str) -> str:
    """An app's host in a scenario: inside its tenant's space, one level below the tenant's
    own `<app>.<tenant>.<domain>`, so it never equals a host of the base environment."""
    return f"{app}.{name}.{tenant}.{domain}"


def is_scenario_file(path: str) -> bool:
    parts = path.split("/")
    return (
        len(parts) == 4
        and parts[0] == layout.TENANTS_DIR
        and parts[2] == SCENARIOS_DIR
        and parts[3].endswith(SCENARIO_SUFFIX)
    )


def changed_scenarios(view: RepoView, change: ChangeSet) -> frozenset[str]:
    """The scenario files of `change` whose content in `view` is not the base's: what the
    date rules judge as written now. In the base's own view (a plan's other side) none is."""
    found = set()
    for path in change.paths:
        if not is_scenario_file(path) or view.kind(path) != "file":
            continue
        before = change.before.get(path)
        try:
            now = view.read(path)
        except OSError:
            continue
        if before is None or before.data != now:
            found.add(path)
    return frozenset(found)


def owned_by(owner: str | None, tenants: Collection[str]) -> bool:
    """Whether generated files attributed to `owner` (`layout.generated_tenant`) belong with
    `tenants`: one of them, or a name one of them prefixes with a dash. A scenario renders as
    `<tenant>-<scenario>` (generator/render/scenario.py), so its files go with its tenant; a
    tenant folder so named is always in scope together with its dash relative
    (generator/repo/scope.py), so nothing is taken from a tenant left out."""
    if owner is None:
        return False
    return owner in tenants or any(owner.startswith(f"{t}-") for t in tenants)

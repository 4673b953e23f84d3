"""An edited request issue updates only what its form asks for.

The forms (generator/intake/__init__.py) cover part of a request. Fields that are not on a
form (a tenant's `allowFrom` and quota overrides, an application's `env`, `secrets`,
`database`, digests) are edited in the pull request or later, and an edit of the issue
must not drop them. So for a request file that exists, the form's values are merged into
it: the paths below belong to the form (a value the form leaves out is removed), everything
else is kept, and generator/yamlio/edit.py changes only the values that differ, keeping the
file's comments and layout.
"""

from __future__ import annotations

import copy
from typing import Any

Path = tuple[str, ...]

_HEAD: tuple[Path, ...] = (("apiVersion",), ("kind",), ("metadata", "name"))
OWNED: dict[str, tuple[Path, ...]] = {
    "Tenant": (
        *_HEAD,
        ("spec", "description"),
        ("spec", "owners"),
        ("spec", "group"),
        ("spec", "costCenter"),
        ("spec", "budget", "monthly"),
    ),
    "Application": (
        *_HEAD,
        ("spec", "blueprint"),
        ("spec", "image"),
        ("spec", "port"),
        ("spec", "resources", "cpu"),
        ("spec", "resources", "memory"),
        ("spec", "healthPath"),
        ("spec", "schedule"),
    ),
    "Scenario": (
        *_HEAD,
        ("spec", "description"),
        ("spec", "base"),
        ("spec", "expires"),
        ("spec", "size"),
    ),
}
# Of each environment the form ticks; environments it does not tick are removed.
OWNED_IN_ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "Tenant": ("size",),
    "Application": ("tag", "replicas", "host"),
}


def merge_form(existing: dict[str, Any], form: dict[str, Any], kind: str) -> dict[str, Any]:
    """`existing` with the form's fields taken from `form`."""
    merged = copy.deepcopy(existing)
    for path in OWNED[kind]:
        found, value = _get(form, path)
        if found:
            _set(merged, path, copy.deepcopy(value))
        else:
            _delete(merged, path)
    if kind == "Scenario":
        return _scenario_apps(merged, form)
    wanted = _get(form, ("spec", "environments"))[1]
    wanted = wanted if isinstance(wanted, dict) else {}
    spec = merged.setdefault("spec", {})
    current = spec.get("environments")
    current = current if isinstance(current, dict) else {}
    environments: dict[str, Any] = {}
    for env in [*(e for e in current if e in wanted), *(e for e in wanted if e not in current)]:
        old = current.get(env)
        entry: dict[str, Any] = copy.deepcopy(old) if isinstance(old, dict) else {}
        asked = wanted[env] if isinstance(wanted[env], dict) else {}
        for key in OWNED_IN_ENVIRONMENT[kind]:
            if key in asked:
                entry[key] = copy.deepcopy(asked[key])
            else:
                entry.pop(key, None)
        environments[env] = entry
    spec["environments"] = environments
    return merged


def _scenario_apps(merged: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """A scenario's apps are the form's names; an app the file already has keeps its pins."""
    wanted = _get(form, ("spec", "apps"))[1]
    if not isinstance(wanted, dict):
        _delete(merged, ("spec", "apps"))
        return merged
    current = _get(merged, ("spec", "apps"))[1]
    current = current if isinstance(current, dict) else {}
    apps = {app: copy.deepcopy(current[app]) if app in current else {} for app in wanted}
    _set(merged, ("spec", "apps"), apps)
    return merged


def _get(data: Any, path: Path) -> tuple[bool, Any]:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def _set(data: dict[str, Any], path: Path, value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[path[-1]] = value


def _delete(data: dict[str, Any], path: Path) -> None:
    """Remove `path`, and the mappings it leaves empty."""
    parents = []
    for part in path[:-1]:
        if not isinstance(data.get(part), dict):
            return
        parents.append((data, part))
        data = data[part]
    data.pop(path[-1], None)
    for parent, part in reversed(parents):
        if parent[part]:
            break
        del parent[part]

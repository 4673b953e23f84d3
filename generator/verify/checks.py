"""One Application and its build held to its AppProject, as Problems (the rules: `project`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from generator.models.platform import Platform
from generator.problems import Problem
from generator.render.chart_app import chart_repo
from generator.verify import project as rules
from generator.verify.kube_schema import Schemas, json_path
from generator.verify.sources import Build, Located


def _what(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return "?"
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return f"{obj.get('kind', '?')}/{meta.get('name', '?')}"


def located_problem(at: Located, path: tuple[str | int, ...], message: str) -> Problem:
    return Problem(at.file, at.line, 1, json_path(path, _what(at.obj)), message)


def application_problems(
    platform: Platform,
    env: str,
    declared: Located,
    built: Build,
    projects: Mapping[str, Mapping[str, Any]],
    schemas: Schemas,
    tenants: AbstractSet[str],
    fresh: Callable[[Located], bool] | None = None,
) -> list[Problem]:
    """The Application's own problems, its build's errors, and its objects' (those `fresh`
    accepts) against its project."""
    app = declared.obj
    project = projects.get(str((app.get("spec") or {}).get("project")))
    found = [
        located_problem(declared, path, msg)
        for path, msg in rules.app_issues(
            app, project, platform.spec.repoURL, platform.spec.targetRevision, platform.spec.charts
        )
    ]
    found += [Problem(f, line, 1, where, msg) for f, line, where, msg in built.errors]
    if project is None:
        return found
    ctx = rules.Context(
        env=env,
        app=app,
        project=project,
        role=rules.role_of(app, env, tenants),
        backup_namespace=platform.spec.backupNamespace,
        repo_url=platform.spec.repoURL,
        chart_repos=frozenset(chart_repo(c.repoURL) for c in platform.spec.charts.values()),
    )
    name = app["metadata"]["name"]
    for at in built.objects:
        if not isinstance(at.obj, Mapping) or (fresh is not None and not fresh(at)):
            continue
        cluster = bool(schemas.cluster_scoped(at.obj))
        found += [
            Problem(
                at.file, at.line, 1, json_path(path, _what(at.obj)), f"{msg} (Application {name})"
            )
            for path, msg in rules.object_issues(ctx, at.obj, cluster)
        ]
    return found

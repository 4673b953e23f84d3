"""Following the generated tree as Argo CD would, level by level, into Problems.

For each environment: read `bootstrap.yaml` (what a person applies), build the root
Application found there as Argo CD would (a plain directory), take the AppProjects and
Applications it holds, build every Application's source, and so on down (a tenant's
`argocd.yaml` holds more Applications). Every object is validated against its schema and held
to its Application and project. Builds run in a small thread pool (they are subprocesses, so
threads are enough); the checks are pure and run on the main thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from generator import layout
from generator.models.platform import Platform
from generator.problems import Problem
from generator.verify import convergence
from generator.verify import project as rules
from generator.verify.kube_schema import Schemas, json_path
from generator.verify.sources import Build, BuildError, Located, Tools, build, read_directory


@dataclass
class Summary:
    environments: int = 0
    applications: int = 0
    objects: int = 0
    skipped: int = 0  # not built: none of their files changed


@dataclass(frozen=True)
class _Job:
    env: str
    app: Located  # the Application and the file that holds it


def _what(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return "?"
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return f"{obj.get('kind', '?')}/{meta.get('name', '?')}"


def _problem(at: Located, path: tuple[str | int, ...], message: str) -> Problem:
    return Problem(at.file, at.line, 1, json_path(path, _what(at.obj)), message)


def verify(
    root: str,
    platform: Platform,
    envs: Sequence[str],
    tools: Tools,
    *,
    schemas: Schemas,
    tenants: Sequence[str],
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
    build_only: Callable[[Mapping[str, Any]], bool] | None = None,
) -> tuple[list[Problem], Summary]:
    """Every problem of the environments `envs`, and what was followed. With `build_only`,
    helm and kustomize sources it refuses are not built (plain directories always are)."""
    problems: list[Problem] = []
    summary = Summary()
    version = platform.spec.kubernetesVersion
    checked: set[int] = set()  # objects already schema-checked (by id), each once
    batches: list[tuple[str, list[Located]]] = []  # (env, Argo CD objects of one build)
    creates: dict[tuple[str, str], frozenset[str] | None] = {}  # namespaces an app's build makes

    def schema_check(found: list[Located]) -> None:
        for at in found:
            if id(at) not in checked:
                checked.add(id(at))
                problems.extend(_problem(at, path, msg) for path, msg in schemas.problems(at.obj))

    def run(job: _Job, roots: Mapping[str, Build]) -> Build:
        if job.app.obj["metadata"]["name"] == layout.root_application(job.env):
            return roots[job.env]  # built as the first level already
        source = (job.app.obj.get("spec") or {}).get("source") or {}
        if build_only is not None and "directory" not in source and not build_only(job.app.obj):
            return Build(skipped=True)
        return build(root, job.app.obj, tools, job.app.file, version)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        roots: dict[str, Build] = dict(
            zip(envs, pool.map(lambda e: _root_build(root, e, tools, version), envs), strict=True)
        )
        projects: dict[str, dict[str, Mapping[str, Any]]] = {env: {} for env in envs}
        seen: set[tuple[str, str]] = set()
        level: list[_Job] = []
        for env in envs:
            built = roots[env]
            if built.errors:
                problems += [
                    Problem(f, line, 1, where, msg) for f, line, where, msg in built.errors
                ]
                continue
            summary.environments += 1
            schema_check(built.objects)
            batches.append((env, _argocd_objects(built)))
            jobs = _collect(env, built, projects[env], seen)
            if not any(
                job.app.obj["metadata"]["name"] == layout.root_application(env) for job in jobs
            ):
                problems.append(
                    Problem(
                        layout.bootstrap_file(env),
                        1,
                        1,
                        "",
                        f"holds no Application {layout.root_application(env)}: Argo CD would not manage this environment",
                    )
                )
            level += jobs
        while level:
            builds = list(pool.map(lambda job: run(job, roots), level))
            next_level: list[_Job] = []
            for job, built in zip(level, builds, strict=True):
                next_level += _collect(job.env, built, projects[job.env], seen)
                name = str(job.app.obj["metadata"]["name"])
                creates[(job.env, name)] = None if built.skipped else _namespaces(built)
                if name != layout.root_application(job.env):
                    batches.append((job.env, _argocd_objects(built)))
            for job, built in zip(level, builds, strict=True):
                name = str(job.app.obj["metadata"]["name"])
                if built.skipped:
                    summary.skipped += 1
                elif name != layout.root_application(job.env):
                    summary.applications += 1
                    summary.objects += len(built.objects)
                if progress:
                    progress(name)
                problems += _application_problems(
                    platform, job, built, projects[job.env], schemas, tenants
                )
                schema_check(built.objects)
            level = next_level
    problems += _convergence_problems(batches, creates)
    return sorted(set(problems)), summary


def _argocd_objects(built: Build) -> list[Located]:
    return [
        at
        for at in built.objects
        if isinstance(at.obj, Mapping) and at.obj.get("kind") in ("Application", "AppProject")
    ]


def _namespaces(built: Build) -> frozenset[str]:
    return frozenset(
        str((at.obj.get("metadata") or {}).get("name"))
        for at in built.objects
        if isinstance(at.obj, Mapping) and at.obj.get("kind") == "Namespace"
    )


def _convergence_problems(
    batches: list[tuple[str, list[Located]]],
    creates: Mapping[tuple[str, str], frozenset[str] | None],
) -> list[Problem]:
    found: list[Problem] = []
    for env, batch in batches:
        where = {id(at.obj): at for at in batch}
        made = {name: namespaces for (e, name), namespaces in creates.items() if e == env}
        for obj, (path, message) in convergence.batch_issues([at.obj for at in batch], made):
            found.append(_problem(where[id(obj)], path, message))
    return found


def _root_build(root: str, env: str, tools: Tools, version: str) -> Build:
    """The root Application of `bootstrap.yaml`, built from its own source."""
    bootstrap = layout.bootstrap_file(env)
    name = layout.root_application(env)
    try:
        applied = read_directory(
            root, layout.env_root(env), {"include": bootstrap.rpartition("/")[2]}, bootstrap
        )
    except BuildError as exc:
        return Build(errors=[(exc.file, exc.line, exc.where, str(exc))])
    found = [
        at
        for at in applied
        if isinstance(at.obj, Mapping)
        and at.obj.get("kind") == "Application"
        and isinstance(at.obj.get("metadata"), Mapping)
        and at.obj["metadata"].get("name") == name
    ]
    if not found:
        message = f"holds no Application {name}: Argo CD would not manage this environment"
        return Build(errors=[(bootstrap, 1, "", message)])
    return build(root, found[0].obj, tools, found[0].file, version)


def _collect(
    env: str, built: Build, projects: dict[str, Mapping[str, Any]], seen: set[tuple[str, str]]
) -> list[_Job]:
    """Register the AppProjects of a build; return its Applications not yet followed."""
    found: list[_Job] = []
    for at in built.objects:
        obj = at.obj
        if (
            not isinstance(obj, Mapping)
            or str(obj.get("apiVersion", "")).rpartition("/")[0] != "argoproj.io"
        ):
            continue
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if not isinstance(name, str):
            continue
        if obj.get("kind") == "AppProject":
            projects[name] = obj
        elif obj.get("kind") == "Application" and (env, name) not in seen:
            seen.add((env, name))
            found.append(_Job(env, at))
    return found


def _application_problems(
    platform: Platform,
    job: _Job,
    built: Build,
    projects: Mapping[str, Mapping[str, Any]],
    schemas: Schemas,
    tenants: Sequence[str],
) -> list[Problem]:
    app = job.app.obj
    project = projects.get(str((app.get("spec") or {}).get("project")))
    found = [
        _problem(job.app, path, msg)
        for path, msg in rules.app_issues(
            app, project, platform.spec.repoURL, platform.spec.targetRevision
        )
    ]
    found += [Problem(f, line, 1, where, msg) for f, line, where, msg in built.errors]
    if project is None:
        return found
    ctx = rules.Context(
        env=job.env,
        app=app,
        project=project,
        role=rules.role_of(app, job.env, tenants),
        backup_namespace=platform.spec.backupNamespace,
        repo_url=platform.spec.repoURL,
    )
    name = app["metadata"]["name"]
    for at in built.objects:
        if not isinstance(at.obj, Mapping):
            continue
        cluster = bool(schemas.cluster_scoped(at.obj))
        found += [
            Problem(
                at.file, at.line, 1, json_path(path, _what(at.obj)), f"{msg} (Application {name})"
            )
            for path, msg in rules.object_issues(ctx, at.obj, cluster)
        ]
    return found

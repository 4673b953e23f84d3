"""Whether Argo CD gets there alone: retries and sync waves within each batch it syncs.

A batch is what one Application's build holds (the environment root's, a tenant's
`argocd.yaml`). Within it, an Application must sync in a later wave than the sibling that
creates its namespace and than its AppProject, when that project is in the same batch: Argo CD
applies a wave only after the earlier ones are healthy, and objects of one wave in no useful
order. An automated Application needs `syncPolicy.retry`, or a failed sync of the same
commit (its namespace not there yet, a webhook not ready) is never tried again. And one that
prunes needs `syncPolicy.automated.allowEmpty` where its source can come to hold nothing (a
shard of the root when its last tenant leaves): Argo CD's automated sync never prunes an
Application down to no resources without it ("auto-sync will wipe out all resources"), so
decommissioning would stall with everything still deployed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from generator.problems import Problem
from generator.repo import layout
from generator.verify.checks import located_problem
from generator.verify.sources import Located

WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"

Issue = tuple[tuple[str | int, ...], str]


def wave(obj: Mapping[str, Any]) -> int | None:
    """The object's sync wave (0 when unset), or None when the annotation is not a number."""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    value = annotations.get(WAVE_ANNOTATION, "0") if isinstance(annotations, Mapping) else "0"
    try:
        return int(str(value))
    except ValueError:
        return None


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name")) if isinstance(meta, Mapping) else "?"


def can_become_empty(app_file: str, source_files: Sequence[str]) -> bool:
    """Whether an Application's source can come to hold nothing, from the files its build read
    (one per object): it holds nothing now, or everything in it was written for tenants other
    than the one whose file declares the Application (`layout.generated_tenant`), so those
    tenants leaving empties it. A tenant's own files last as long as its Applications do."""
    owners = {layout.generated_tenant(f) for f in source_files}
    return None not in owners and layout.generated_tenant(app_file) not in owners


def _empty_issue(policy: Mapping[str, Any], may_empty: bool | None) -> Issue | None:
    automated = policy.get("automated")
    if not isinstance(automated, Mapping) or not automated.get("prune") or not may_empty:
        return None
    if automated.get("allowEmpty") is True:
        return None
    return (
        ("spec", "syncPolicy", "automated", "allowEmpty"),
        "prunes automatically without allowEmpty, and its source can come to hold nothing (it"
        " holds only other tenants' files, or nothing now): Argo CD's automated sync never"
        " prunes an Application down to no resources, so when the last of them leaves their"
        " Applications and namespaces stay; set allowEmpty: true",
    )


def batch_issues(
    batch: Sequence[Mapping[str, Any]],
    creates: Mapping[str, frozenset[str] | None],
    may_empty: Mapping[str, bool | None] | None = None,
) -> Iterator[tuple[Mapping[str, Any], Issue]]:
    """What stops one batch from converging: (the object, its issue).

    `creates` maps each Application of the batch to the namespaces its own build creates, and
    `may_empty` to whether its source can come to hold nothing (None where it was not built
    in full, so nothing is known).
    """
    apps = [o for o in batch if o.get("kind") == "Application"]
    projects = {_name(o): o for o in batch if o.get("kind") == "AppProject"}
    for obj in batch:
        if obj.get("kind") in ("Application", "AppProject") and wave(obj) is None:
            yield obj, (_WAVE_PATH, "is not a whole number")
    yield from _app_issues(apps, projects, creates, may_empty or {})


def _app_issues(
    apps: Sequence[Mapping[str, Any]],
    projects: Mapping[str, Mapping[str, Any]],
    creates: Mapping[str, frozenset[str] | None],
    may_empty: Mapping[str, bool | None],
) -> Iterator[tuple[Mapping[str, Any], Issue]]:
    """Each Application's sync policy, then its wave against its siblings and its project."""
    makers = _namespace_makers(apps, creates)
    for app in apps:
        spec = _mapping(app.get("spec"))
        policy = _mapping(spec.get("syncPolicy"))
        for issue in _sync_policy_issues(policy, may_empty.get(_name(app))):
            yield app, issue
        own = wave(app)
        if own is not None:
            for issue in _wave_issues(app, own, spec, makers, projects):
                yield app, issue


_WAVE_PATH = ("metadata", "annotations", WAVE_ANNOTATION)
# Namespace -> the Applications whose build creates it, with their (numeric) waves.
_Makers = dict[str, list[tuple[Mapping[str, Any], int]]]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _namespace_makers(
    apps: Sequence[Mapping[str, Any]], creates: Mapping[str, frozenset[str] | None]
) -> _Makers:
    """Which siblings create each namespace, once: a root holds thousands of Applications."""
    makers: _Makers = {}
    for other in apps:
        other_wave = wave(other)
        for namespace in creates.get(_name(other)) or ():
            if other_wave is not None:
                makers.setdefault(namespace, []).append((other, other_wave))
    return makers


def _sync_policy_issues(policy: Mapping[str, Any], may_empty: bool | None) -> Iterator[Issue]:
    if policy.get("automated") is not None and not policy.get("retry"):
        yield (
            ("spec", "syncPolicy", "retry"),
            "an automated Application without a retry: Argo CD never tries a failed"
            " sync of the same commit again",
        )
    empty = _empty_issue(policy, may_empty)
    if empty is not None:
        yield empty


def _wave_issues(
    app: Mapping[str, Any],
    own: int,
    spec: Mapping[str, Any],
    makers: _Makers,
    projects: Mapping[str, Mapping[str, Any]],
) -> Iterator[Issue]:
    """An Application's wave against the siblings creating its namespace and its AppProject."""
    namespace = str(_mapping(spec.get("destination")).get("namespace", ""))
    for other, other_wave in makers.get(namespace, ()):
        if other is not app and own <= other_wave:
            yield (
                _WAVE_PATH,
                f"wave {own} is not after wave {other_wave} of Application {_name(other)},"
                f" which creates its namespace {namespace}",
            )
    project = projects.get(str(spec.get("project", "")))
    project_wave = wave(project) if project is not None else None
    if project is not None and project_wave is not None and own <= project_wave:
        yield (
            _WAVE_PATH,
            f"wave {own} is not after wave {project_wave} of its AppProject"
            f" {_name(project)}, created in the same sync",
        )


def walk_problems(
    batches: list[tuple[str, list[Located]]],
    creates: Mapping[tuple[str, str], frozenset[str] | None],
    may_empty: Mapping[tuple[str, str], bool | None],
) -> list[Problem]:
    """The convergence issues of every complete batch of a verify's walk, as Problems: `creates`
    holds the namespaces each Application's build creates, `may_empty` whether its source can
    come to hold nothing (None where it was not built whole)."""
    found: list[Problem] = []
    made_in: dict[str, dict[str, frozenset[str] | None]] = {}
    for (e, name), namespaces in creates.items():
        made_in.setdefault(e, {})[name] = namespaces
    empty_in: dict[str, dict[str, bool | None]] = {}
    for (e, name), can_empty in may_empty.items():
        empty_in.setdefault(e, {})[name] = can_empty
    for env, one in batches:
        where = {id(at.obj): at for at in one}
        made, empties = made_in.get(env, {}), empty_in.get(env, {})
        objs = [at.obj for at in one]
        for obj, (path, message) in batch_issues(objs, made, empties):
            found.append(located_problem(where[id(obj)], path, message))
    return found

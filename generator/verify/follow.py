"""Following the generated tree as Argo CD would, level by level, into Problems.

For each environment: build `environments/<env>` (the root), take the AppProjects and
Applications it holds, build every Application's source, and so on down (a tenant's
`argocd.yaml` holds more Applications). Every object is validated against its schema and held
to its Application and project.

Builds run in a pool of `jobs` threads (each waits on a kubectl or helm process), kustomize
sources `batch.SIZE` at a time. Each build is checked as soon as it is done and then dropped:
only its Argo CD objects (for the next level and the sync-wave checks) and the namespaces it
creates are kept, so memory holds one level's Argo CD objects, not the tree. An Application's
project comes from the levels above it, or, when it is new in its own level, after that level.
What the next level follows is decided in declaration order and the findings are sorted, so the
report is the same whatever order the builds finish in.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from generator.models.platform import Platform
from generator.problems import Problem
from generator.repo import layout
from generator.verify import batch, convergence
from generator.verify.cache import BuildCache
from generator.verify.changed import VerifyScope
from generator.verify.checks import application_problems, located_problem
from generator.verify.focus import Focus, Fresh, app_focus
from generator.verify.folders import Folders
from generator.verify.kube_schema import Schemas
from generator.verify.prerequisites import Needs, build_needs
from generator.verify.runtime import Network, View, network_view
from generator.verify.sources import (
    Build,
    BuildError,
    Located,
    Tools,
    build,
    root_build,
    source_type,
)


class ProgressSink(Protocol):
    """Told how many Applications a level adds and each one done (the root's included)."""

    def planned(self, count: int) -> None: ...

    def done(self, env: str) -> None: ...


@dataclass
class Summary:
    environments: int = 0
    applications: int = 0
    objects: int = 0
    skipped: int = 0  # not built: none of their files changed
    needs: Needs = field(default_factory=Needs)  # what the built objects need in the cluster


@dataclass(frozen=True)
class _Job:
    env: str
    app: Located  # the Application and the file that holds it
    focus: Focus = field(default_factory=Focus)

    @property
    def name(self) -> str:
        return str(self.app.obj["metadata"]["name"])


@dataclass
class _Done:
    """What is kept of one finished build."""

    job: _Job
    argocd: list[Located]
    fresh: Fresh | None
    complete: bool  # every object read: the sync-wave checks may look at the batch


def _argocd_objects(objects: Sequence[Located]) -> list[Located]:
    return [
        at
        for at in objects
        if isinstance(at.obj, Mapping)
        and str(at.obj.get("apiVersion", "")).rpartition("/")[0] == "argoproj.io"
        and at.obj.get("kind") in ("Application", "AppProject")
        and isinstance((at.obj.get("metadata") or {}).get("name"), str)
    ]


class _Walk:
    def __init__(
        self,
        root: str,
        platform: Platform,
        tools: Tools,
        schemas: Schemas,
        tenants: Sequence[str],
        scope: VerifyScope | None,
        progress: ProgressSink | None,
        network: Network | None = None,
    ) -> None:
        self.root, self.platform, self.tools, self.schemas = root, platform, tools, schemas
        self.network = network  # collects what the runtime flows need (runtime.py)
        self.tenants, self.scope, self.progress = frozenset(tenants), scope, progress
        self.version = platform.spec.kubernetesVersion
        self.problems: list[Problem] = []
        self.summary = Summary()
        self.projects: dict[str, dict[str, Mapping[str, Any]]] = {}
        self.seen: set[tuple[str, str]] = set()
        self.batches: list[tuple[str, list[Located]]] = []
        self.creates: dict[tuple[str, str], frozenset[str] | None] = {}
        self.may_empty: dict[tuple[str, str], bool | None] = {}
        self.roots: dict[str, tuple[Build, Fresh | None]] = {}
        self.folders = Folders(root)
        self.cache: BuildCache | None = None
        self.keys: dict[int, str] = {}  # id(job) -> its cache key, for the builds to record

    def schema_check(self, objects: Sequence[Located], fresh: Fresh | None) -> None:
        for at in objects:
            if fresh is None or fresh(at):
                self.problems += [
                    located_problem(at, path, msg) for path, msg in self.schemas.problems(at.obj)
                ]

    def start(self, env: str, built: Build) -> list[_Job]:
        """The root of `env`, built: check it and return the Applications it holds."""
        self.projects[env] = {}
        if built.errors:
            self.problems += [Problem(f, n, 1, w, m) for f, n, w, m in built.errors]
            return []
        self.summary.environments += 1
        self.summary.needs.add(env, build_needs(at.obj for at in built.objects))
        # With a scope, the root's objects are fresh where their file changed: an unchanged
        # shard Application is not followed, only the tenants' files that changed are.
        scope = self.scope
        focus = (
            Focus()
            if scope is None or scope.read_all
            else Focus(fresh=lambda at: at.file in scope.changed)
        )
        self.roots[env] = (built, focus.fresh)
        self.schema_check(built.objects, focus.fresh)
        done = _Done(_Job(env, Located({}, "")), _argocd_objects(built.objects), focus.fresh, True)
        self.batches.append((env, done.argocd))
        jobs = self.next_level([done])
        if not any(job.name == layout.root_application(env) for job in jobs):
            self.problems.append(
                Problem(
                    layout.bootstrap_file(env),
                    1,
                    1,
                    "",
                    f"holds no Application {layout.root_application(env)}: Argo CD would not manage this environment",
                )
            )
        return jobs

    def register(self, env: str, argocd: Sequence[Located]) -> None:
        for at in argocd:
            if at.obj.get("kind") == "AppProject":
                self.projects[env][str(at.obj["metadata"]["name"])] = at.obj

    def next_level(self, done: Sequence[_Done]) -> list[_Job]:
        """Register the level's AppProjects; its Applications not yet followed, in order."""
        found: list[_Job] = []
        for one in done:
            env = one.job.env
            self.register(env, one.argocd)
            for at in one.argocd:
                name = str(at.obj["metadata"]["name"])
                if at.obj.get("kind") == "Application" and (env, name) not in self.seen:
                    self.seen.add((env, name))
                    focus = app_focus(self.root, self.scope, at, one.fresh, self.folders)
                    found.append(_Job(env, at, focus))
        return found

    def run(self, job: _Job) -> tuple[Build, Fresh | None, bool]:
        if job.name == layout.root_application(job.env):
            built, fresh = self.roots.pop(job.env)
            return built, fresh, True
        built = build(
            self.root, job.app.obj, self.tools, job.app.file, self.version, job.focus.only,
            self.folders,
        )  # fmt: skip
        return built, job.focus.fresh, job.focus.only is None

    def finish(self, job: _Job, built: Build, fresh: Fresh | None, complete: bool) -> _Done:
        """Check one finished build; keep what the next level and the wave checks need (and
        record it in the cache: what is kept here is what a cache.Entry holds). A check here
        that reads more than the build, its Application and its project must add that to the
        key (cache.BuildCache.key), or run across builds instead."""
        root_app = job.name == layout.root_application(job.env)
        first = len(self.problems)
        if not root_app:
            self.summary.applications += 1
            self.summary.objects += len(built.objects)
            self.schema_check(built.objects, fresh)
        if self.progress:
            self.progress.done(job.env)
        wanted = self.network is not None or self.cache is not None
        view = View.of(network_view(built.objects, job.app.obj) if wanted else [])
        if self.network is not None:
            self.network.add_view(job.env, view)
        self.problems += application_problems(
            self.platform, job.env, job.app, built, self.projects[job.env], self.schemas,
            self.tenants, fresh,
        )  # fmt: skip
        namespaces = frozenset(
            str((at.obj.get("metadata") or {}).get("name"))
            for at in built.objects
            if isinstance(at.obj, Mapping) and at.obj.get("kind") == "Namespace"
        )
        self.creates[(job.env, job.name)] = namespaces
        whole = complete and not root_app and not built.errors
        may_empty = (
            convergence.can_become_empty(job.app.file, [at.file for at in built.objects])
            if whole
            else None
        )
        self.may_empty[(job.env, job.name)] = may_empty
        argocd = _argocd_objects(built.objects)
        needs = build_needs(at.obj for at in built.objects)
        self.summary.needs.add(job.env, needs)
        if self.cache is not None and id(job) in self.keys:
            kept = (self.problems[first:], argocd, namespaces, may_empty, view, needs)
            self.cache.record(self.keys.pop(id(job)), built, *kept)
        return _Done(job, argocd, fresh, complete and not root_app)

    def cacheable(self, job: _Job) -> bool:
        # Not the root (read every time) nor a part of a build (--base's focus).
        root = job.name == layout.root_application(job.env)
        return self.cache is not None and job.focus == Focus() and not root

    def cache_keys(self, jobs: Sequence[_Job], workers: int) -> list[str | None]:
        """Each job's cache key (None: no cache, or not cacheable), all computed at once."""
        if self.cache is None:
            return [None] * len(jobs)
        envs = [(j.env, j.app, self.projects[j.env]) if self.cacheable(j) else None for j in jobs]
        return self.cache.keys(envs, self.tenants, workers)

    def reuse(self, job: _Job, key: str | None) -> _Done | None:
        """The job's recorded verdict, as `finish` would have made it; None to build it."""
        if self.cache is None or not self.cacheable(job):
            return None
        entry = self.cache.lookup(job.env, job.app, key)
        if entry is None:
            if key is not None:
                self.keys[id(job)] = key
            return None
        self.summary.applications += 1
        self.summary.objects += entry.objects
        if self.progress:
            self.progress.done(job.env)
        self.problems += entry.problems
        self.creates[(job.env, job.name)] = entry.namespaces
        self.may_empty[(job.env, job.name)] = entry.may_empty
        if self.network is not None:
            self.network.add_view(job.env, entry.network)
        self.summary.needs.add(job.env, entry.needs)
        return _Done(job, list(entry.argocd), None, True)


def _batchable(walk: _Walk, job: _Job) -> bool:
    try:
        kind, path = source_type(walk.root, job.app.obj, job.app.file, walk.folders)
    except BuildError:
        return False
    return kind == "kustomize" and not walk.folders.argocd_source_files(path)


def _tasks(walk: _Walk, level: Sequence[_Job]) -> Iterator[Callable[[], list[tuple[_Job, Any]]]]:
    """The level's work in units for the pool, in order: one build, or a batch of kustomize
    builds, each as soon as it is known so the tools start while the rest is sorted out."""
    kustomize: list[_Job] = []
    for job in level:
        if job.name != layout.root_application(job.env) and _batchable(walk, job):
            kustomize.append(job)
            if len(kustomize) == batch.SIZE:
                yield partial(_batch, walk, kustomize)
                kustomize = []
        else:
            yield partial(_batch, walk, [job])
    if kustomize:
        yield partial(_batch, walk, kustomize)


def _deliver(
    task: Callable[[], list[tuple[_Job, Any]]],
    results: queue.SimpleQueue[tuple[list[tuple[_Job, Any]], BaseException | None]],
) -> None:
    try:
        results.put((task(), None))
    except BaseException as exc:  # a bug: re-raised on the main thread
        results.put(([], exc))


def _batch(walk: _Walk, chunk: Sequence[_Job]) -> list[tuple[_Job, Any]]:
    found = None
    if len(chunk) > 1:
        paths = [
            source_type(walk.root, job.app.obj, job.app.file, walk.folders)[1] for job in chunk
        ]
        found = batch.build_many(walk.tools.kubectl, walk.root, paths)
    if found is None:
        return [(job, walk.run(job)) for job in chunk]
    return [
        (job, (Build(objects=objects), job.focus.fresh, True))
        for job, objects in zip(chunk, found, strict=True)
    ]


def verify(
    root: str,
    platform: Platform,
    envs: Sequence[str],
    tools: Tools,
    *,
    schemas: Schemas,
    tenants: Sequence[str],
    jobs: int = 2,
    progress: ProgressSink | None = None,
    scope: VerifyScope | None = None,
    cache: BuildCache | None = None,
    network: Network | None = None,
) -> tuple[list[Problem], Summary]:
    """Every problem of the environments `envs`, and what was followed. With a `scope`, only
    what the change can affect (see `changed`); with a `cache`, a build whose key is recorded
    is not built again (see `cache`); with `network`, it collects the objects of every build
    that the runtime flows need."""
    walk = _Walk(root, platform, tools, schemas, tenants, scope, progress, network)
    walk.cache = cache
    if cache is not None:
        cache.folders = walk.folders  # one answer per folder for the walk and the keys
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        level: list[_Job] = []
        for env, built in zip(envs, pool.map(partial(root_build, root), envs), strict=True):
            level += walk.start(env, built)
        while level:
            followed = [job for job in level if job.focus.follow]
            if progress is not None:
                progress.planned(len(followed))
            for job in level:
                if not job.focus.follow:
                    walk.summary.skipped += 1
                    walk.creates[(job.env, job.name)] = None
            order = {id(job): i for i, job in enumerate(followed)}
            done: list[_Done | None] = [None] * len(followed)
            for job, key in zip(followed, walk.cache_keys(followed, jobs), strict=True):
                done[order[id(job)]] = walk.reuse(job, key)
            waiting: list[tuple[_Job, Build, Fresh | None, bool]] = []
            # Results come through a queue, not futures, which would hold every build.
            results: queue.SimpleQueue[tuple[list[tuple[_Job, Any]], BaseException | None]]
            results = queue.SimpleQueue()
            submitted = 0
            for task in _tasks(walk, [job for job in followed if done[order[id(job)]] is None]):
                pool.submit(_deliver, task, results)
                submitted += 1
            for _ in range(submitted):
                found, error = results.get()
                if error is not None:
                    raise error
                for job, (built, fresh, complete) in found:
                    project = str((job.app.obj.get("spec") or {}).get("project"))
                    if project not in walk.projects[job.env]:
                        waiting.append((job, built, fresh, complete))  # after the level
                        continue
                    done[order[id(job)]] = walk.finish(job, built, fresh, complete)
            # The rest once the whole level's projects are known, as Argo CD would see them.
            waiting.sort(key=lambda w: order[id(w[0])])
            early = [(order[id(one.job)], one.job.env, one.argocd) for one in done if one]
            late = [(order[id(w[0])], w[0].env, _argocd_objects(w[1].objects)) for w in waiting]
            for _, env, argocd in sorted(early + late, key=lambda t: t[0]):
                walk.register(env, argocd)
            for job, built, fresh, complete in waiting:
                done[order[id(job)]] = walk.finish(job, built, fresh, complete)
            kept = [one for one in done if one is not None]
            level = walk.next_level(kept)
            walk.batches += [(one.job.env, one.argocd) for one in kept if one.complete]
    walk.problems += convergence.walk_problems(walk.batches, walk.creates, walk.may_empty)
    return sorted(set(walk.problems)), walk.summary

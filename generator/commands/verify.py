"""`berth verify [--env NAME] [--base REF | --all] [--jobs N] [--cache DIR] [--format F]
[--output FILE]`: build the generated tree as Argo CD would and validate every object; exit 0
clean, 1 on any finding. With `--base`, only what changed since REF (generator/verify/changed.py
says why that is enough); with `--cache`, builds whose inputs are unchanged are not run again
(generator/verify/cache.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from generator.commands.collector import without_cycle_collector
from generator.commands.progress import Progress
from generator.commands.report import deliver, with_summary
from generator.hosts import ci
from generator.load import RequestCache
from generator.problems import Problem, UsageError
from generator.problems.reporters import Format, format_problems
from generator.repo import layout
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from generator.repo.selection import Selection
from generator.validate.check import check as check_requests
from generator.verify import Schemas, Summary, find_tools, verify
from generator.verify.cache import BuildCache
from generator.verify.cache_key import Unkeyable
from generator.verify.changed import scope as change_scope
from generator.verify.flow_check import RuntimeFlows, runtime_flows
from generator.verify.nca import AnalyzerError, Memo, analyzer_identity
from generator.write.strays import tree_problems
from generator.yamlio.reader import Document

TITLE = "berth verify"


def crd_dir_problems(root: str, folders: list[str], doc: Document | None) -> list[Problem]:
    """Each of platform.yaml's `crdDirs` must be a real folder inside the repository."""
    found = []
    real_root = os.path.realpath(root)
    for i, folder in enumerate(folders):
        real = os.path.realpath(os.path.join(root, folder))
        if not (real == real_root or real.startswith(real_root + os.sep)):
            message = f"{folder!r} leads out of the repository; name a folder inside it"
        elif not os.path.isdir(real):
            message = f"{folder!r} is not a folder of this repository"
        else:
            continue
        path = ("spec", "crdDirs", i)
        found.append(
            doc.problem(path, message)
            if doc
            else Problem(layout.PLATFORM_FILE, 1, 1, "spec.crdDirs", message)
        )
    return found


def cache_folder_check(root: str, folder: str) -> None:
    """A cache inside the repository must be under `.berth/`, which Git never tracks here
    (generator/write/strays.py): a committed entry would be a verdict no run computed."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(folder)
    state = os.path.join(real_root, layout.STATE_DIR)
    inside = real == real_root or real.startswith(real_root + os.sep)
    if inside and not real.startswith(state + os.sep):
        raise UsageError(
            f"--cache {folder}: a cache inside the repository belongs under {layout.STATE_DIR}/"
            f" (e.g. {layout.STATE_DIR}/verify-cache), which is never committed"
        )


def cache_line(folder: str, builds: BuildCache) -> str:
    stats = builds.stats
    line = (
        f"berth: verify cache {folder}: {stats.hits} build(s) reused, {stats.stored} recorded,"
        f" {stats.uncached} not cacheable"
    )
    if stats.reasons:
        line += " (" + ", ".join(f"{n} {why}" for why, n in sorted(stats.reasons.items())) + ")"
    if stats.pruned:
        line += f", {stats.pruned} unused removed"
    return line


def default_jobs() -> int:
    """One tool run per core the process may use: the runs are CPU-bound."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@without_cycle_collector
def run(
    root: str,
    *,
    envs: list[str],
    fmt: Format,
    output: str | None,
    out: TextIO,
    err: TextIO,
    base: str | None = None,
    jobs: int | None = None,
    cache: str | None = None,
    environ: Mapping[str, str],
    progress: TextIO | None = None,
) -> int:
    """`progress`: where to say how far the builds are (None: quiet; see cli.main)."""
    tools = find_tools()
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give at least 1")
    if cache is not None:
        cache_folder_check(root, cache)
    # With --base, the requests are read as the scoped checks read them (generator/repo/scope.py):
    # the tenants the change can affect, their neighbours, and the names of the others.
    # One change set for both: verify counts untracked files everywhere, as what `render` just
    # wrote is untracked; for the requests that only widens the scope.
    change = None if base is None else change_set(root, base, everywhere=True)
    # With --cache, the requests too are read through their content-addressed cache (what
    # `validate` keeps in .berth/requests.json; read only, as generator/write/strays.py reads it).
    requests = RequestCache(root) if cache is not None else None
    checked = check_requests(root, None if change is None else scope_of(change), requests)
    raw, valid, problems = checked.raw, checked.valid, checked.problems
    if valid is None:
        _report(problems, fmt, output, out, None, environ)
        err.write("berth: verify needs valid requests; fix the problems above\n")
        return 1
    spec = valid.platform.spec
    names = [environ.name for environ in spec.environments]
    unknown = [environ for environ in envs if environ not in names]
    if unknown:
        raise UsageError(
            f"unknown environment {unknown[0]!r}; the platform has: {', '.join(names)}"
        )
    selected = [name for name in names if not envs or name in envs]
    missing = [
        environ
        for environ in selected
        if not os.path.isdir(os.path.join(root, layout.env_root(environ)))
    ]
    if missing:
        err.write(f"berth: {layout.env_root(missing[0])} does not exist; run `berth render`\n")
        return 1
    # Argo CD syncs whatever is in the tree: files berth did not write (an override
    # .argocd-source-*, a hand-written manifest) are findings, and are still followed below so
    # that what they would do is reported too; a half-swapped tree is not worth building.
    untrusted = tree_problems(root, valid, Selection(checked.tenants))
    strays = [p for p in untrusted if p.file.startswith(layout.ENVIRONMENTS_DIR + "/")]
    problems = [p for p in untrusted if p not in strays]
    problems += crd_dir_problems(root, list(spec.crdDirs), raw.platform)
    if problems:
        _report(problems, fmt, output, out, None, environ)
        return 1
    schemas = Schemas(spec.kubernetesVersion, [Path(root, d) for d in spec.crdDirs])
    scope = change_scope(root, change, list(spec.crdDirs)) if change is not None else None
    builds = None
    if cache is not None:
        try:
            builds = BuildCache(cache, root, valid.platform, schemas, tools)
        except Unkeyable as exc:
            err.write(f"berth: verify cache not used: {exc}\n")
    flows = runtime_flows(scope, strict=ci.in_ci(environ))
    with ThreadPoolExecutor(max_workers=1) as aside:
        # The analyzer's version names its maps in the cache; asking it starts a process,
        # which runs while the tree is walked.
        identity = None
        if builds is not None and flows.nca is not None:
            identity = aside.submit(analyzer_identity, flows.nca)
        problems, summary = verify(
            root, valid.platform, selected, tools, schemas=schemas, tenants=valid.tenant_names,
            jobs=jobs or default_jobs(), scope=scope, cache=builds, network=flows.network,
            progress=None if progress is None else Progress(progress),
        )  # fmt: skip
        _flow_memo(flows, builds, identity, err)
    problems += flows.check(valid, raw, selected, jobs or default_jobs())
    if builds is not None:
        # Only a run that saw every build knows which entries the tree no longer needs.
        if scope is None and selected == names:
            builds.prune()
        err.write(cache_line(str(cache), builds) + "\n")
    problems = sorted({*strays, *problems})
    if problems:
        line = f"berth: {len(problems)} problem(s) in what Argo CD would apply\n"
    else:
        line = (
            f"berth: {summary.environments} environment(s), {summary.applications} Applications,"
            f" {summary.objects} objects: valid against their schemas (Kubernetes"
            f" {spec.kubernetesVersion}), each in its destination namespace and allowed by its"
            " project"
        )
        if summary.skipped:
            line += f"; {summary.skipped} unchanged Applications not followed"
        line += f"; {flows.summary}\n"
    _report(problems, fmt, output, out, line, environ, _Needs(summary, selected))
    return 1 if problems else 0


def _flow_memo(
    flows: RuntimeFlows, builds: BuildCache | None, identity: Future[str] | None, err: TextIO
) -> None:
    """The verify cache as the flows' memo, once the analyzer has said which it is."""
    if builds is None or identity is None:
        return
    try:
        flows.memo = Memo(builds, identity.result())
    except AnalyzerError as exc:
        err.write(f"berth: verify cache not used for the runtime flows: {exc}\n")


@dataclass(frozen=True)
class _Needs:
    """What the built tree needs in the cluster (generator/verify/prerequisites.py), as each
    report format shows it."""

    summary: Summary
    envs: list[str]

    def text(self) -> str:
        lines = self.summary.needs.lines(self.envs)
        if lines and self.summary.skipped:
            lines.append(
                "berth: needs in the cluster: read from the Applications this run followed"
                f" ({self.summary.skipped} unchanged ones not read)"
            )
        return "".join(f"{line}\n" for line in lines)

    def json(self) -> dict[str, Any]:
        return {"needs": self.summary.needs.as_json(self.envs)}

    def markdown(self) -> str:
        return self.summary.needs.markdown(self.envs)


def _report(
    problems: list[Problem],
    fmt: Format,
    output: str | None,
    out: TextIO,
    summary: str | None,
    environ: Mapping[str, str],
    needs: _Needs | None = None,
) -> None:
    """The report in `fmt`, with the summary line in text (generator/commands/report.py).
    `needs`: what the tree needs in the cluster, once the tree was followed."""
    after = (summary or "") + (needs.text() if needs else "")
    text = format_problems(problems, "text") + after
    if fmt == "json":
        report = with_summary(
            format_problems(problems, fmt, extra=needs.json() if needs else None), summary or ""
        )
    elif fmt == "markdown":
        report = format_problems(problems, fmt, title=TITLE)
        listed = needs.markdown() if needs else ""
        if listed:  # one blank line between, whether the problems' section lists any or not
            report = report.rstrip("\n") + "\n\n" + listed
    elif fmt == "text":
        report = text
    else:
        report = format_problems(problems, fmt, title=TITLE)
    log = ci.default_format(environ)
    deliver(out, output, report, text if log == "text" else format_problems(problems, log) + after)

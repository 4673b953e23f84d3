"""Following a tenant's third-party chart (`blueprint: chart`) as Argo CD would: pull the chart
from its repository, render it with the Application's inline values, and hold what it renders
to the tenant's project and to the pod rules of the tenant's admission policies.

Argo CD renders a Helm repository's chart from the packaged archive (its dependencies inside
it) with `helm template`, the release name and the inline values: so does this. Pulled
archives are kept in `.berth/charts/` under their sha256 (`<digest>.tgz`), with one small file
per chart reference naming the digest, so a second verify of the same version pulls nothing;
an archive whose bytes no longer match its name is pulled again. Every object the chart
renders is reported against the tenant's request file (`tenants/<tenant>/apps/<app>.yaml`),
which is what the tenant can change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from generator.models.charts import AllowedChart
from generator.render.chart_app import EXPOSE_ANNOTATION, OCI, chart_repo
from generator.repo import layout
from generator.verify.sources import TIMEOUT, Build, BuildError, Located, Tools, run_tool, tool_env

CACHE_DIR = f"{layout.STATE_DIR}/charts"
_POD_FLAGS = ("hostNetwork", "hostPID", "hostIPC")


def is_chart_source(app: Mapping[str, Any]) -> bool:
    spec = app.get("spec")
    source = spec.get("source") if isinstance(spec, Mapping) else None
    return isinstance(source, Mapping) and "chart" in source


def request_file(app: Mapping[str, Any], origin: str) -> str:
    """The request an Application renders (Berth's labels), or where it is declared."""
    labels = (app.get("metadata") or {}).get("labels") or {}
    tenant, name = labels.get("berth.dev/tenant"), labels.get("berth.dev/application")
    if isinstance(tenant, str) and isinstance(name, str):
        return layout.app_file(tenant, name)
    return origin


def chart_app_name(app: Mapping[str, Any]) -> str | None:
    """The chart app an Application of a chart source renders (Berth's label), else None."""
    name = ((app.get("metadata") or {}).get("labels") or {}).get("berth.dev/application")
    return name if is_chart_source(app) and isinstance(name, str) else None


def source_issues(
    source: Mapping[str, Any], charts: Mapping[str, AllowedChart]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What the platform's allow-list refuses about a chart source (repository, chart, version)."""
    repo, chart = str(source.get("repoURL", "")), str(source.get("chart", ""))
    version = str(source.get("targetRevision", ""))
    allowed = [c for c in charts.values() if chart_repo(c.repoURL) == repo and c.chart == chart]
    if not allowed:
        yield (
            ("spec", "source", "chart"),
            f"chart {chart!r} of {repo} is not one platform.yaml spec.charts allows",
        )
    elif not any(c.allows(version) for c in allowed):
        yield (
            ("spec", "source", "targetRevision"),
            f"version {version!r} of chart {chart!r} is not one platform.yaml allows",
        )


def build_chart(root: str, app: Mapping[str, Any], tools: Tools, origin: str, kube: str) -> Build:
    result = Build()
    spec = app.get("spec") or {}
    source = spec.get("source") or {}
    helm = source.get("helm") or {}
    shown = request_file(app, origin)
    release = str(helm.get("releaseName") or (app.get("metadata") or {}).get("name", ""))
    namespace = str((spec.get("destination") or {}).get("namespace", ""))
    try:
        archive = pull(root, source, tools, origin)
        with tempfile.TemporaryDirectory(prefix="berth-values-") as tmp:
            values = os.path.join(tmp, "values.json")
            with open(values, "w", encoding="utf-8") as fh:
                json.dump(helm.get("valuesObject") or {}, fh)
            args = [tools.helm, "template", release, archive, "--namespace", namespace]
            args += ["--kube-version", kube, "--values", values]
            objects = run_tool(args, root, shown)
    except BuildError as exc:
        result.errors.append((exc.file, exc.line, exc.where, str(exc)))
        return result
    result.objects = [Located(at.obj, shown) for at in objects]
    annotations = (app.get("metadata") or {}).get("annotations") or {}
    expose = annotations.get(EXPOSE_ANNOTATION)
    if isinstance(expose, str):
        problem = expose_problem(expose, [at.obj for at in objects])
        if problem:
            result.errors.append((shown, 1, "spec.expose", problem))
    for at in result.objects:
        for path, message in pod_issues(at.obj):
            result.errors.append((shown, 1, "", f"{_what(at.obj)}{path}: {message}"))
    return result


def expose_problem(expose: str, objects: list[Any]) -> str | None:
    """Why the chart does not render the Service and port `expose` (`name:port`) routes to."""
    service, _, port = expose.rpartition(":")
    if not port.isdigit():
        return f"{EXPOSE_ANNOTATION} {expose!r} is not <service>:<port>"
    services = {
        str((o.get("metadata") or {}).get("name")): o
        for o in objects
        if isinstance(o, Mapping) and o.get("kind") == "Service" and o.get("apiVersion") == "v1"
    }
    if service not in services:
        known = ", ".join(sorted(services)) or "none"
        return f"the chart renders no Service {service!r} to route to; its Services: {known}"
    ports = [p.get("port") for p in (services[service].get("spec") or {}).get("ports") or []]
    if int(port) not in ports:
        shown = ", ".join(str(p) for p in ports) or "none"
        return f"the chart's Service {service!r} has no port {port}; its ports: {shown}"
    return None


def pull(root: str, source: Mapping[str, Any], tools: Tools, origin: str) -> str:
    """The chart's archive in the cache (pulled when missing or damaged); its path."""
    repo, chart = str(source.get("repoURL", "")), str(source.get("chart", ""))
    version = str(source.get("targetRevision", ""))
    cache = os.path.join(root, CACHE_DIR)
    os.makedirs(cache, exist_ok=True)
    ref_file = os.path.join(cache, ref_name(repo, chart, version))
    try:
        with open(ref_file, encoding="utf-8") as fh:
            known = fh.read().strip()
        path = os.path.join(cache, f"{known}.tgz")
        if _sha256(path) == known:
            return path
    except OSError:
        pass
    with tempfile.TemporaryDirectory(prefix="berth-pull-", dir=cache) as tmp:
        if not repo.startswith(("https://", "http://")):  # an OCI registry (chart_repo)
            args = [tools.helm, "pull", f"{OCI}{repo}/{chart}", "--version", version]
        else:
            args = [tools.helm, "pull", chart, "--repo", repo, "--version", version]
        args += ["--destination", tmp]
        try:
            proc = subprocess.run(
                args, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=tool_env()
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                f"pulling chart {chart} {version} took over {TIMEOUT} s", origin
            ) from None
        pulled = sorted(os.listdir(tmp))
        if proc.returncode != 0 or len(pulled) != 1:
            tail = " | ".join(proc.stderr.strip().splitlines()[-2:])
            raise BuildError(
                f"cannot pull chart {chart} {version} from {repo}: {tail}",
                origin,
                where="spec.source",
            )
        digest = _sha256(os.path.join(tmp, pulled[0]))
        if digest is None:
            raise BuildError(f"cannot read the pulled chart {pulled[0]}", origin)
        path = os.path.join(cache, f"{digest}.tgz")
        shutil.move(os.path.join(tmp, pulled[0]), path)
    with open(ref_file, "w", encoding="utf-8") as fh:
        fh.write(digest + "\n")
    return path


def ref_name(repo: str, chart: str, version: str) -> str:
    """The cache file naming the digest of one chart reference."""
    return hashlib.sha256(json.dumps([repo, chart, version]).encode()).hexdigest() + ".ref"


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _what(obj: Any) -> str:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name = meta.get("name", "?") if isinstance(meta, Mapping) else "?"
    return f"{obj.get('kind', '?') if isinstance(obj, Mapping) else '?'}/{name}"


def _pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    return pod if isinstance(pod, Mapping) else None


def pod_issues(obj: Any) -> Iterator[tuple[str, str]]:
    """What the tenant's admission rules refuse in a pod a chart renders: host namespaces,
    host paths, privileged or escalating containers (docs/admission.md)."""
    pod = _pod_spec(obj) if isinstance(obj, Mapping) else None
    if pod is None:
        return
    for flag in _POD_FLAGS:
        if pod.get(flag) is True:
            yield f" {flag}", "the admission rules refuse pods in the node's namespaces"
    for i, volume in enumerate(pod.get("volumes") or []):
        if isinstance(volume, Mapping) and "hostPath" in volume:
            yield f" volumes[{i}].hostPath", "the admission rules refuse node folders in pods"
    for field in ("initContainers", "containers"):
        for container in pod.get(field) or []:
            if not isinstance(container, Mapping):
                continue
            context = container.get("securityContext") or {}
            name = container.get("name", "?")
            if context.get("privileged") is True:
                yield f" {field}[{name}]", "the admission rules refuse privileged containers"
            if context.get("allowPrivilegeEscalation") is True:
                yield f" {field}[{name}]", "the admission rules refuse privilege escalation"

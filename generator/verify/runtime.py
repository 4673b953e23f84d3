"""The pods a cluster runs, modelled for the network analyzer from what `verify` builds.

Git holds the NetworkPolicies but not the pods they govern: an application's pods come from its
Deployment or CronJob, a database's from its CloudNativePG Cluster (the operator labels them
`cnpg.io/cluster: <name>`), and the platform's own (the ingress controller, the monitoring
scraper, the CloudNativePG operator, kube-dns) are not in the tree at all. One pod stands for
all replicas: the policies select by labels, which replicas share.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from generator.models.platform import Platform
from generator.render.tenant_net import APP_LABEL, CNPG_OPERATOR, DATABASE_LABEL
from generator.verify.chart_source import chart_app_name
from generator.verify.sources import Located

NAME_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}  # what the guardrails' allow-dns selects
WORKLOAD_KINDS = {
    "Deployment": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    # Third-party charts' workloads too (blueprints/chart renders the first two only).
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
}
# On a workload of a chart app's build (network_view's `owner`): the app its pods are. A
# chart labels its pods as it likes, so their app is the Application's, not a label's.
OWNER_KEY = "berth.dev/application"
CNPG_GROUP = "postgresql.cnpg.io"


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str]
    role: str  # app | database | ingress | monitoring | operator | dns
    app: str = ""  # the application (of a database: the one it belongs to)

    def manifest(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": dict(self.labels),
            },
            "spec": {"containers": [{"name": "main", "image": "model"}]},
        }


@dataclass
class EnvObjects:
    """What the flows need of one environment's builds."""

    policies: list[Mapping[str, Any]] = field(default_factory=list)
    namespaces: dict[str, Mapping[str, str]] = field(default_factory=dict)  # name -> labels
    pods: list[Pod] = field(default_factory=list)


def _dig(obj: Any, path: Sequence[str]) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, Mapping) else None
    return obj


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _sort(view: Sequence[Mapping[str, Any]]) -> EnvObjects:
    """A view's objects as the flows read them: policies, namespaces' labels, pods."""
    into = EnvObjects()
    for obj in view:
        kind, meta = obj.get("kind"), obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        name, namespace = str(meta.get("name", "")), str(meta.get("namespace", ""))
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        if kind == "NetworkPolicy" and group == "networking.k8s.io":
            into.policies.append(obj)
        elif kind == "Namespace" and group == "":
            into.namespaces[name] = {**_labels(meta.get("labels")), NAME_LABEL: name}
        elif kind in WORKLOAD_KINDS and group in ("apps", "batch"):
            labels = _labels(_dig(obj, (*WORKLOAD_KINDS[str(kind)], "metadata", "labels")))
            owner = _labels(meta.get("annotations")).get(OWNER_KEY)
            app = owner or labels.get(APP_LABEL, name)
            pod = f"app-{name}" if kind in ("Deployment", "CronJob") else f"app-{kind}-{name}"
            into.pods.append(Pod(namespace, pod.lower(), labels, "app", app))
        elif kind == "Cluster" and group == CNPG_GROUP:
            labels = _labels(_dig(obj, ("spec", "inheritedMetadata", "labels")))
            labels |= {
                DATABASE_LABEL: name,
                "cnpg.io/instanceName": f"{name}-1",
                "cnpg.io/podRole": "instance",
                "role": "primary",
            }
            into.pods.append(Pod(namespace, f"db-{name}", labels, "database", name))
    return into


def _policy_namespace(policy: Mapping[str, Any]) -> str:
    return str((policy.get("metadata") or {}).get("namespace", ""))


class View:
    """One build's network view (`network_view`), as its JSON text: a verify cache entry
    keeps the text, and a run whose verdict is recalled (flow_verdicts.py) never decodes it.
    `digest` names it in those verdicts' keys; `namespaces` are the ones it holds objects of."""

    def __init__(
        self,
        namespaces: frozenset[str],
        text: str,
    ) -> None:
        self.namespaces, self.text = namespaces, text
        self.digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        self._sorted: EnvObjects | None = None

    @classmethod
    def of(cls, objects: Sequence[Mapping[str, Any]]) -> View:
        """The view of `objects`, read back from its text as a later run reads it (a value
        JSON cannot hold is written as its repr, in both)."""
        text = json.dumps(
            objects, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
        )
        view = cls(frozenset(), text)
        found = view.sorted()
        view.namespaces = frozenset(
            {*found.namespaces, *(p.namespace for p in found.pods)}
            | {_policy_namespace(p) for p in found.policies}
        )
        return view

    def __eq__(self, other: object) -> bool:
        return isinstance(other, View) and (self.namespaces, self.text) == (
            other.namespaces,
            other.text,
        )

    def __hash__(self) -> int:
        return hash(self.digest)

    def sorted(self) -> EnvObjects:
        if self._sorted is None:
            objects = json.loads(self.text) if self.text else []
            items = objects if isinstance(objects, list) else []
            self._sorted = _sort([obj for obj in items if isinstance(obj, Mapping)])
        return self._sorted


class Network:
    """Collects, build by build, the views of each environment the flows need (a few objects
    per tenant: its NetworkPolicies, its Namespace, one pod per workload and database)."""

    def __init__(self) -> None:
        self.views: dict[str, list[View]] = {}

    def add_view(self, env: str, view: View) -> None:
        self.views.setdefault(env, []).append(view)


def network_view(
    objects: Sequence[Located], app: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """What the runtime flows read of a build's objects: its NetworkPolicies and Namespaces
    whole, of a workload or a CloudNativePG Cluster only the names and the labels its pods get.
    Small enough to keep in a verify cache entry, so a reused build still feeds the flows.
    `app`: the build's Argo CD Application; of a chart app's chart, its workloads' pods are
    that app's."""
    owner = chart_app_name(app) if app is not None else None
    # Argo CD puts an object that names no namespace in its Application's destination (a
    # chart's workloads, a chart app's extras).
    destination = _dig(app, ("spec", "destination", "namespace")) if app is not None else None
    view: list[dict[str, Any]] = []
    for at in objects:
        obj = at.obj
        if not isinstance(obj, Mapping):
            continue
        kind, group = obj.get("kind"), str(obj.get("apiVersion", "")).rpartition("/")[0]
        if (kind, group) in (("NetworkPolicy", "networking.k8s.io"), ("Namespace", "")):
            view.append(dict(obj))
            continue
        if kind in WORKLOAD_KINDS and group in ("apps", "batch"):
            path: tuple[str, ...] = (*WORKLOAD_KINDS[str(kind)], "metadata", "labels")
        elif kind == "Cluster" and group == CNPG_GROUP:
            path = ("spec", "inheritedMetadata", "labels")
        else:
            continue
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        slim: dict[str, Any] = {
            "apiVersion": obj.get("apiVersion"),
            "kind": kind,
            "metadata": {k: meta[k] for k in ("name", "namespace") if k in meta},
        }
        if "namespace" not in meta and isinstance(destination, str):
            slim["metadata"]["namespace"] = destination
        if owner is not None and kind in WORKLOAD_KINDS:
            slim["metadata"]["annotations"] = {OWNER_KEY: owner}
        labels = _dig(obj, path)
        if labels is not None:
            nested = slim
            for key in path[:-1]:
                nested = nested.setdefault(key, {})
            nested[path[-1]] = labels
        view.append(slim)
    return view


def platform_pods(platform: Platform) -> list[Pod]:
    """The platform's own pods that tenants' flows start or end at."""
    spec = platform.spec
    return [
        Pod(
            spec.router_namespace(),
            "ingress-controller",
            {APP_LABEL: "ingress-controller"},
            "ingress",
        ),
        Pod(spec.monitoringNamespace, "prometheus", {APP_LABEL: "prometheus"}, "monitoring"),
        Pod(spec.network.cnpgNamespace, "cnpg-operator", dict(CNPG_OPERATOR), "operator"),
        Pod(DNS_NAMESPACE, "kube-dns", dict(DNS_LABELS), "dns"),
    ]


def clusters(platform: Platform, envs: Sequence[str]) -> list[list[str]]:
    """The environments `envs` grouped by the cluster they deploy to (their `server`), in
    platform.yaml's order: environments on one cluster are analysed together, so that one
    reaching into the other shows."""
    groups: dict[str, list[str]] = {}
    for env in platform.spec.environments:
        if env.name in envs:
            groups.setdefault(env.server, []).append(env.name)
    return list(groups.values())


STRANGER = "berth-stranger"  # the namespaces standing for every one a run leaves out


@dataclass
class Shard:
    """One analyzer run: some tenants' namespaces (with the peers they name), a stranger
    namespace per environment, and the platform's pods."""

    namespaces: list[dict[str, Any]]
    pods: list[Pod]
    policies: list[Mapping[str, Any]]


def strangers(envs: Sequence[str], taken: AbstractSet[str]) -> dict[str, str]:
    """A stranger namespace's name per environment, clashing with no real namespace."""
    found = {}
    for env in envs:
        name, n = f"{STRANGER}-{env}", 1
        while name in taken:
            name, n = f"{STRANGER}{n}-{env}", n + 1
        found[env] = name
    return found


class Cluster:
    """One cluster's views, indexed by the namespaces they hold objects of; runs are cut from
    them, each view decoded only when a run needs it. Views are taken in the order of their
    digests, so that a run is the same whatever order the builds ended in."""

    def __init__(self, platform: Platform, network: Network, envs: Sequence[str]) -> None:
        self.platform_pods = platform_pods(platform)
        self.views: dict[str, list[View]] = {}
        for env in envs:
            for view in network.views.get(env, []):
                for namespace in view.namespaces:
                    self.views.setdefault(namespace, []).append(view)
        for views in self.views.values():
            views.sort(key=lambda v: v.digest)
        self.strangers = strangers(envs, set(self.views))

    def shard_digest(self, namespaces: Sequence[str]) -> str:
        """What the run of `namespaces` is cut from: the views of those namespaces and the
        stranger namespaces (the platform's pods come from the platform's settings)."""
        parts = [
            [namespace, [view.digest for view in self.views.get(namespace, [])]]
            for namespace in sorted(set(namespaces))
        ]
        text = json.dumps([parts, sorted(self.strangers.items())], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def shard(self, namespaces: Sequence[str]) -> Shard:
        """The run of `namespaces` (sorted, each once) with the strangers and the platform."""
        labels: dict[str, Mapping[str, str]] = {}
        pods = list(self.platform_pods)
        policies: list[Mapping[str, Any]] = []
        for namespace in sorted(set(namespaces)):
            labels[namespace] = {NAME_LABEL: namespace}
            for view in self.views.get(namespace, []):
                part = view.sorted()
                labels[namespace] = part.namespaces.get(namespace, labels[namespace])
                pods += [p for p in part.pods if p.namespace == namespace]
                policies += [p for p in part.policies if _policy_namespace(p) == namespace]
        for env, namespace in self.strangers.items():
            # Labelled like a tenant's namespace and pods, with no NetworkPolicy of its own:
            # what reaches it or comes from it, a tenant's own policies let through.
            labels[namespace] = {NAME_LABEL: namespace, "berth.dev/environment": env}
            pods += [
                Pod(namespace, "app-stranger", {APP_LABEL: "stranger"}, "stranger"),
                Pod(namespace, "db-stranger", {DATABASE_LABEL: "stranger-db"}, "stranger"),
            ]
        for pod in pods:
            labels.setdefault(pod.namespace, {NAME_LABEL: pod.namespace})
        manifests = [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": dict(kv)},
            }
            for name, kv in sorted(labels.items())
        ]
        return Shard(manifests, pods, policies)

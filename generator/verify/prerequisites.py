"""What the clusters must run for the objects of a tree (docs/prerequisites.md): read off the
objects `verify` builds, so the answer follows what is rendered, not what Berth could render.

Each object yields needs, `(component, what)`: the component (a key of COMPONENTS) and what of
it the object relies on, named as the object names it (`ClusterIssuer letsencrypt`,
`IngressClass nginx`). A build's needs are a sorted tuple (what `cache.Entry` keeps); `Needs`
gathers them per environment for the report, one line per component.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.problems.code_spans import code

Need = tuple[str, str]  # (component, what of it)
PAGE = "docs/prerequisites.md"

# In the order docs/prerequisites.md gives them; the titles are its section headings.
COMPONENTS: dict[str, str] = {
    "kubernetes": "Kubernetes 1.30 or later",
    "argo-cd": "Argo CD",
    "network-policy": "A network plugin that enforces NetworkPolicy",
    "ingress-controller": "An ingress controller",
    "gateway-api": "A Gateway API implementation",
    "cert-manager": "cert-manager",
    "external-dns": "external-dns",
    "external-secrets": "External Secrets Operator",
    "cloudnative-pg": "CloudNativePG",
    "csi-snapshots": "CSI volume snapshots",
    "velero": "Velero",
    "prometheus-operator": "Prometheus Operator",
    "metrics-server": "metrics-server",
    "vpa": "Vertical Pod Autoscaler",
    "grafana-sidecar": "Grafana's dashboard sidecar",
    "grafana-operator": "grafana-operator",
}
HEALTH_CHECK = "the Application health check in argocd-cm (environments/<env>/argocd-cm.patch.yaml)"
WAVE = "argocd.argoproj.io/sync-wave"
CLUSTER_ISSUER = "cert-manager.io/cluster-issuer"
ISSUER = "cert-manager.io/issuer"
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
DASHBOARD_LABEL = "grafana_dashboard"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _group(obj: Mapping[str, Any]) -> str:
    return str(obj.get("apiVersion", "")).rpartition("/")[0]


def _annotation_needs(kind: str, meta: Mapping[str, Any]) -> set[Need]:
    """What any object's annotations ask of cert-manager and external-dns."""
    notes = _map(meta.get("annotations"))
    found: set[Need] = set()
    if CLUSTER_ISSUER in notes:
        found.add(("cert-manager", f"ClusterIssuer {notes[CLUSTER_ISSUER]}"))
    if ISSUER in notes:
        found.add(("cert-manager", f"Issuer {notes[ISSUER]}"))
    if EXTERNAL_DNS in notes:
        found.add(("external-dns", f"{kind} hosts ({EXTERNAL_DNS})"))
    return found


def _vpa(spec: Mapping[str, Any]) -> set[Need]:
    """The VPA's parts an updateMode relies on: Off only the recommender, Initial also the
    admission controller, every other mode (or none: the VPA's default) the updater too."""
    mode = _map(spec.get("updatePolicy")).get("updateMode")
    if mode == "Off":
        return {("vpa", "recommender (updateMode Off)")}
    if mode == "Initial":
        return {("vpa", "recommender and admission controller (updateMode Initial)")}
    found = {
        ("vpa", f"recommender, updater and admission controller (updateMode {mode or 'unset'})")
    }
    if mode == "InPlaceOrRecreate":
        found.add(
            ("kubernetes", "in-place Pod resize, 1.33 or later (VPA updateMode InPlaceOrRecreate)")
        )
    return found


Rule = Callable[[str, Mapping[str, Any], Mapping[str, Any]], set[Need]]  # kind, spec, metadata


def _snapshot_class(named: Any) -> Need:
    return (
        "csi-snapshots",
        f"VolumeSnapshotClass {named}" if named else "a default VolumeSnapshotClass",
    )


def _core(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    labels = _map(meta.get("labels"))
    if kind == "Namespace" and PSA_ENFORCE in labels:
        return {("kubernetes", "Pod Security admission")}
    if kind == "ConfigMap" and DASHBOARD_LABEL in labels:
        return {("grafana-sidecar", f"ConfigMaps labelled {DASHBOARD_LABEL}")}
    return set()


def _argocd(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind not in ("Application", "AppProject"):
        return set()
    # Waves of Applications wait only on health Argo CD computes (generator/render/argocd_cm.py).
    waves = kind == "Application" and WAVE in _map(meta.get("annotations"))
    return {("argo-cd", kind), *([("argo-cd", HEALTH_CHECK)] if waves else [])}


def _admission(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind.startswith("ValidatingAdmissionPolicy"):
        return {("kubernetes", "ValidatingAdmissionPolicy")}
    return set()


def _networking(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind == "NetworkPolicy":
        return {("network-policy", "NetworkPolicy")}
    if kind == "Ingress":
        name = spec.get("ingressClassName")
        return {
            ("ingress-controller", f"IngressClass {name}" if name else "the default IngressClass")
        }
    return set()


def _gateway(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind == "Gateway":
        return {("gateway-api", f"GatewayClass {spec.get('gatewayClassName')}")}
    return {("gateway-api", kind)}


def _cert_manager(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind == "Certificate":
        ref = _map(spec.get("issuerRef"))
        return {("cert-manager", f"{ref.get('kind') or 'Issuer'} {ref.get('name')}")}
    return {("cert-manager", kind)}


def _external_secrets(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind == "ExternalSecret":
        ref = _map(spec.get("secretStoreRef"))
        return {("external-secrets", f"{ref.get('kind') or 'SecretStore'} {ref.get('name')}")}
    return {("external-secrets", kind)}


def _cnpg(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    found = {("cloudnative-pg", kind)}
    snapshot = _map(spec.get("backup")).get("volumeSnapshot")
    if kind == "Cluster" and snapshot is not None:
        found.add(_snapshot_class(_map(snapshot).get("className")))
    return found


def _snapshots(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    return (
        {_snapshot_class(spec.get("volumeSnapshotClassName"))}
        if kind == "VolumeSnapshot"
        else set()
    )


def _velero(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind != "Schedule":
        return {("velero", kind)}
    template = _map(spec.get("template"))
    location = template.get("storageLocation")
    found = {
        ("velero", f"Schedules in namespace {meta.get('namespace')}"),
        (
            "velero",
            f"BackupStorageLocation {location}" if location else "a default BackupStorageLocation",
        ),
    }
    if template.get("snapshotVolumes") is True:
        found.add(("velero", "volume snapshots"))
    return found


def _autoscaling(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    if kind != "HorizontalPodAutoscaler":
        return set()
    metrics = spec.get("metrics")
    types = {_map(m).get("type") for m in metrics} if isinstance(metrics, list) else set()
    # No metrics: the HPA's default, 80% CPU utilisation, from the resource metrics API.
    if types and not types & {"Resource", "ContainerResource"}:
        return set()
    return {("metrics-server", "HorizontalPodAutoscaler on CPU or memory")}


def _vpa_group(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    return _vpa(spec) if kind == "VerticalPodAutoscaler" else set()


def _grafana(kind: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> set[Need]:
    labels = _map(_map(spec.get("instanceSelector")).get("matchLabels"))
    chosen = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return {("grafana-operator", f"{kind} for Grafana instances {chosen}" if chosen else kind)}


# By API group: what an object of each kind there relies on.
RULES: dict[str, Rule] = {
    "": _core,
    "argoproj.io": _argocd,
    "admissionregistration.k8s.io": _admission,
    "networking.k8s.io": _networking,
    "gateway.networking.k8s.io": _gateway,
    "cert-manager.io": _cert_manager,
    "external-secrets.io": _external_secrets,
    "postgresql.cnpg.io": _cnpg,
    "snapshot.storage.k8s.io": _snapshots,
    "velero.io": _velero,
    "monitoring.coreos.com": lambda kind, spec, meta: {("prometheus-operator", kind)},
    "autoscaling": _autoscaling,
    "autoscaling.k8s.io": _vpa_group,
    "grafana.integreatly.org": _grafana,
}


def object_needs(obj: Any) -> set[Need]:
    """What one object relies on in the cluster; nothing for what is not an object."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("kind"), str):
        return set()
    kind = str(obj["kind"])
    meta = _map(obj.get("metadata"))
    rule = RULES.get(_group(obj))
    found = rule(kind, _map(obj.get("spec")), meta) if rule else set()
    return found | _annotation_needs(kind, meta)


def build_needs(objects: Iterable[Any]) -> tuple[Need, ...]:
    """The needs of a build's objects, sorted and without repeats."""
    found: set[Need] = set()
    for obj in objects:
        found |= object_needs(obj)
    return tuple(sorted(found))


def _only(where: Sequence[str], envs: Sequence[str]) -> str:
    """` in dev and staging` where not every environment of the run needs it; else nothing."""
    if len(where) == len(envs):
        return ""
    names = list(where)
    return " in " + (names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}")


@dataclass
class Needs:
    """The needs of a run, with the environments each one comes from."""

    found: dict[Need, set[str]] = field(default_factory=dict)

    def add(self, env: str, needs: Iterable[Sequence[str]]) -> None:
        for component, what in needs:
            self.found.setdefault((component, what), set()).add(env)

    def components(self, envs: Sequence[str]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """Per component in COMPONENTS order: each thing needed, with its environments in
        the order of `envs`."""
        out = []
        for component in COMPONENTS:
            uses = sorted(
                (what, [e for e in envs if e in where])
                for (c, what), where in self.found.items()
                if c == component
            )
            if uses:
                out.append((component, uses))
        return out

    def lines(self, envs: Sequence[str]) -> list[str]:
        """One line per component; a thing only some of `envs` need names them."""
        out = []
        for component, uses in self.components(envs):
            shown = [what + _only(where, envs) for what, where in uses]
            out.append(f"berth: needs in the cluster: {COMPONENTS[component]}: {'; '.join(shown)}")
        return out

    def as_json(self, envs: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {
                "component": component,
                "title": COMPONENTS[component],
                "needs": [{"what": what, "environments": where} for what, where in uses],
            }
            for component, uses in self.components(envs)
        ]

    def markdown(self, envs: Sequence[str]) -> str:
        if not self.found:
            return ""
        lines = [f"#### Needs in the cluster ({code(PAGE)})", ""]
        for component, uses in self.components(envs):
            shown = [code(what) + _only(where, envs) for what, where in uses]
            lines.append(f"- **{COMPONENTS[component]}**: {'; '.join(shown)}")
        return "\n".join(lines) + "\n"

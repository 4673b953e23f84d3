"""What the clusters must run, read off the objects `verify` builds (generator/verify/prerequisites.py):
each component is named where an object relies on it, and only there; the report gives one line
per component, says which environments need what only some need, and survives the build cache."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from generator.verify.cache_entry import Entry, decode, encode, seal
from generator.verify.prerequisites import COMPONENTS, PAGE, Need, Needs, build_needs, object_needs
from generator.verify.runtime import View
from tests.support.tools import REPO


def obj(api: str, kind: str, spec: Any = None, **meta: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": {"name": "x", **meta}}
    if spec is not None:
        found["spec"] = spec
    return found


HEALTH = "the Application health check in argocd-cm (environments/<env>/argocd-cm.patch.yaml)"
WAVE = {"argocd.argoproj.io/sync-wave": "1"}
TLS = {
    "cert-manager.io/cluster-issuer": "letsencrypt",
    "external-dns.alpha.kubernetes.io/hostname": "shop.globex.example",
}
VAP = "admissionregistration.k8s.io/v1"
CNPG = "postgresql.cnpg.io/v1"
SNAPSHOT = {"backup": {"volumeSnapshot": {"online": True}}}
SCHEDULE = {"schedule": "0 3 * * *", "template": {"includedNamespaces": ["a"], "snapshotVolumes": True}}  # fmt: skip
HPA_CPU = {"metrics": [{"type": "Resource", "resource": {"name": "cpu"}}]}
HPA_EXTERNAL = {"metrics": [{"type": "External", "external": {"metric": {"name": "queue"}}}]}
GRAFANA = "grafana.integreatly.org/v1beta1"

# Each object, and everything it relies on in the cluster.
DETECTED: list[tuple[str, dict[str, Any], set[Need]]] = [
    ("namespace-psa", obj("v1", "Namespace", labels={"pod-security.kubernetes.io/enforce": "restricted"}), {("kubernetes", "Pod Security admission")}),
    ("vap", obj(VAP, "ValidatingAdmissionPolicy", {}), {("kubernetes", "ValidatingAdmissionPolicy")}),
    ("vap-binding", obj(VAP, "ValidatingAdmissionPolicyBinding", {}), {("kubernetes", "ValidatingAdmissionPolicy")}),
    ("application-waves", obj("argoproj.io/v1alpha1", "Application", {}, annotations=WAVE), {("argo-cd", "Application"), ("argo-cd", HEALTH)}),
    ("appproject", obj("argoproj.io/v1alpha1", "AppProject", {}), {("argo-cd", "AppProject")}),
    ("networkpolicy", obj("networking.k8s.io/v1", "NetworkPolicy", {}), {("network-policy", "NetworkPolicy")}),
    ("ingress", obj("networking.k8s.io/v1", "Ingress", {"ingressClassName": "traefik"}, annotations=TLS), {("ingress-controller", "IngressClass traefik"), ("cert-manager", "ClusterIssuer letsencrypt"), ("external-dns", "Ingress hosts (external-dns.alpha.kubernetes.io/hostname)")}),
    ("ingress-default-class", obj("networking.k8s.io/v1", "Ingress", {}, annotations={"cert-manager.io/issuer": "own"}), {("ingress-controller", "the default IngressClass"), ("cert-manager", "Issuer own")}),
    ("gateway", obj("gateway.networking.k8s.io/v1", "Gateway", {"gatewayClassName": "eg"}, annotations=TLS), {("gateway-api", "GatewayClass eg"), ("cert-manager", "ClusterIssuer letsencrypt"), ("external-dns", "Gateway hosts (external-dns.alpha.kubernetes.io/hostname)")}),
    ("httproute", obj("gateway.networking.k8s.io/v1", "HTTPRoute", {}), {("gateway-api", "HTTPRoute")}),
    ("certificate", obj("cert-manager.io/v1", "Certificate", {"issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt"}}), {("cert-manager", "ClusterIssuer letsencrypt")}),
    ("certificate-issuer", obj("cert-manager.io/v1", "Certificate", {"issuerRef": {"name": "own"}}), {("cert-manager", "Issuer own")}),
    ("externalsecret", obj("external-secrets.io/v1", "ExternalSecret", {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"}}), {("external-secrets", "ClusterSecretStore vault")}),
    ("externalsecret-store", obj("external-secrets.io/v1", "ExternalSecret", {"secretStoreRef": {"name": "own"}}), {("external-secrets", "SecretStore own")}),
    ("cnpg-snapshots", obj(CNPG, "Cluster", SNAPSHOT), {("cloudnative-pg", "Cluster"), ("csi-snapshots", "a default VolumeSnapshotClass")}),
    ("cnpg-snapshot-class", obj(CNPG, "Cluster", {"backup": {"volumeSnapshot": {"className": "fast"}}}), {("cloudnative-pg", "Cluster"), ("csi-snapshots", "VolumeSnapshotClass fast")}),
    ("cnpg-scheduledbackup", obj(CNPG, "ScheduledBackup", {"method": "volumeSnapshot"}), {("cloudnative-pg", "ScheduledBackup")}),
    ("volumesnapshot", obj("snapshot.storage.k8s.io/v1", "VolumeSnapshot", {}), {("csi-snapshots", "a default VolumeSnapshotClass")}),
    ("velero-schedule", obj("velero.io/v1", "Schedule", SCHEDULE, namespace="backups"), {("velero", "Schedules in namespace backups"), ("velero", "a default BackupStorageLocation"), ("velero", "volume snapshots")}),
    ("servicemonitor", obj("monitoring.coreos.com/v1", "ServiceMonitor", {}), {("prometheus-operator", "ServiceMonitor")}),
    ("prometheusrule", obj("monitoring.coreos.com/v1", "PrometheusRule", {}), {("prometheus-operator", "PrometheusRule")}),
    ("hpa-cpu", obj("autoscaling/v2", "HorizontalPodAutoscaler", HPA_CPU), {("metrics-server", "HorizontalPodAutoscaler on CPU or memory")}),
    ("hpa-default", obj("autoscaling/v2", "HorizontalPodAutoscaler", {}), {("metrics-server", "HorizontalPodAutoscaler on CPU or memory")}),
    ("vpa-off", obj("autoscaling.k8s.io/v1", "VerticalPodAutoscaler", {"updatePolicy": {"updateMode": "Off"}}), {("vpa", "recommender (updateMode Off)")}),
    ("vpa-initial", obj("autoscaling.k8s.io/v1", "VerticalPodAutoscaler", {"updatePolicy": {"updateMode": "Initial"}}), {("vpa", "recommender and admission controller (updateMode Initial)")}),
    ("vpa-in-place", obj("autoscaling.k8s.io/v1", "VerticalPodAutoscaler", {"updatePolicy": {"updateMode": "InPlaceOrRecreate"}}), {("vpa", "recommender, updater and admission controller (updateMode InPlaceOrRecreate)"), ("kubernetes", "in-place Pod resize, 1.33 or later (VPA updateMode InPlaceOrRecreate)")}),
    ("dashboard-sidecar", obj("v1", "ConfigMap", labels={"grafana_dashboard": "1"}), {("grafana-sidecar", "ConfigMaps labelled grafana_dashboard")}),
    ("grafanadashboard", obj(GRAFANA, "GrafanaDashboard", {"instanceSelector": {"matchLabels": {"dashboards": "grafana"}}}), {("grafana-operator", "GrafanaDashboard for Grafana instances dashboards=grafana")}),
]  # fmt: skip

# Near misses: objects that look like the ones above and need less, or nothing.
ABSENT: list[tuple[str, Any, set[Need]]] = [
    ("namespace-no-psa", obj("v1", "Namespace"), set()),
    ("application-no-waves", obj("argoproj.io/v1alpha1", "Application", {}), {("argo-cd", "Application")}),
    ("ingress-no-annotations", obj("networking.k8s.io/v1", "Ingress", {"ingressClassName": "nginx"}), {("ingress-controller", "IngressClass nginx")}),
    ("cnpg-no-snapshots", obj(CNPG, "Cluster", {"instances": 1}), {("cloudnative-pg", "Cluster")}),
    ("velero-own-location", obj("velero.io/v1", "Schedule", {"template": {"storageLocation": "s3"}}, namespace="velero"), {("velero", "Schedules in namespace velero"), ("velero", "BackupStorageLocation s3")}),
    ("hpa-external-metrics", obj("autoscaling/v2", "HorizontalPodAutoscaler", HPA_EXTERNAL), set()),
    ("configmap-unlabelled", obj("v1", "ConfigMap"), set()),
    ("deployment", obj("apps/v1", "Deployment", {}), set()),
    ("role", obj("rbac.authorization.k8s.io/v1", "RoleBinding", {}), set()),
    ("not-an-object", ["kind", "Ingress"], set()),
    ("no-kind", {"apiVersion": "v1"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("case", "found", "needs"), DETECTED + ABSENT, ids=lambda v: v if isinstance(v, str) else "")  # fmt: skip
def test_what_each_object_needs(case: str, found: Any, needs: set[Need]) -> None:
    assert object_needs(found) == needs


def test_every_component_is_detected_and_documented() -> None:
    detected = {component for _, _, needs in DETECTED for component, _ in needs}
    assert detected == set(COMPONENTS)
    page = (REPO / PAGE).read_text()
    headings = set(re.findall(r"^### (.+)$", page, re.MULTILINE))
    assert [t for t in COMPONENTS.values() if t not in headings] == []


def tree(*names: str) -> list[dict[str, Any]]:
    """The objects of the DETECTED cases `names`."""
    table = {case: found for case, found, _ in DETECTED}
    return [table[name] for name in names]


ENVS = ["dev", "staging", "prod"]


def gathered() -> Needs:
    needs = Needs()
    for env in ENVS:
        needs.add(env, build_needs(tree("externalsecret", "appproject", "vpa-off")))
    needs.add("dev", build_needs(tree("vpa-in-place")))
    needs.add("prod", build_needs(tree("hpa-cpu")))
    needs.add("staging", build_needs(tree("hpa-cpu", "externalsecret-store")))
    return needs


def test_one_line_per_component_naming_environments_where_not_all_need_it() -> None:
    assert gathered().lines(ENVS) == [
        "berth: needs in the cluster: Kubernetes 1.30 or later: in-place Pod resize, 1.33 or"
        " later (VPA updateMode InPlaceOrRecreate) in dev",
        "berth: needs in the cluster: Argo CD: AppProject",
        "berth: needs in the cluster: External Secrets Operator: ClusterSecretStore vault;"
        " SecretStore own in staging",
        "berth: needs in the cluster: metrics-server: HorizontalPodAutoscaler on CPU or memory"
        " in staging and prod",
        "berth: needs in the cluster: Vertical Pod Autoscaler: recommender (updateMode Off);"
        " recommender, updater and admission controller (updateMode InPlaceOrRecreate) in dev",
    ]
    # A run of one environment names none.
    one = Needs()
    one.add("prod", build_needs(tree("hpa-cpu")))
    assert one.lines(["prod"]) == [
        "berth: needs in the cluster: metrics-server: HorizontalPodAutoscaler on CPU or memory"
    ]
    assert Needs().lines(ENVS) == [] and Needs().markdown(ENVS) == ""


def test_json_and_markdown_carry_the_same_needs() -> None:
    needs = gathered()
    shown = needs.as_json(ENVS)
    assert [c["component"] for c in shown] == [
        "kubernetes", "argo-cd", "external-secrets", "metrics-server", "vpa",
    ]  # fmt: skip
    assert shown[2] == {
        "component": "external-secrets",
        "title": "External Secrets Operator",
        "needs": [
            {"what": "ClusterSecretStore vault", "environments": ENVS},
            {"what": "SecretStore own", "environments": ["staging"]},
        ],
    }
    text = needs.markdown(ENVS)
    assert f"#### Needs in the cluster (`{PAGE}`)" in text
    assert (
        "- **External Secrets Operator**: `ClusterSecretStore vault`; `SecretStore own` in staging"
        in text.splitlines()
    )


def test_a_cached_build_keeps_its_needs() -> None:
    needs = build_needs(tree("ingress", "externalsecret"))
    entry = Entry((), (), frozenset(), 2, False, View.of([]), needs)
    raw = encode("k", entry)
    assert raw is not None
    assert decode("k", raw) == entry
    # An entry written without them (by other code) is a miss, never a build with no needs.
    _, main, view = raw.split(b"\n")
    data = json.loads(main)
    del data["needs"]
    assert decode("k", seal(data, view.decode())) is None

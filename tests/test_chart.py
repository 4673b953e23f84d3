"""The berth-app chart (blueprints/chart) and the blueprints' values templates.

Renders the chart with the real `helm` for every sample values file in tests/chart_values/ and
checks the objects themselves: restricted pod security, probes, Ingress TLS, which optional
objects appear when, labels and namespaces on everything, the schema's strictness, and a clean
checkov scan of all of it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, UndefinedError

from tests.support.tools import REPO, helm_template, reference, run, tool

CHART = REPO / "blueprints" / "chart"
SAMPLES = Path(__file__).parent / "chart_values"
SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.yaml"))
NAMESPACE = "payments-dev"

# Every object the chart can produce, as (API group, kind). The tenant's Argo CD AppProject
# whitelists exactly these; none of them is cluster-scoped.
CHART_KINDS = {
    ("", "ServiceAccount"),
    ("", "Service"),
    ("apps", "Deployment"),
    ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("monitoring.coreos.com", "ServiceMonitor"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    ("external-secrets.io", "ExternalSecret"),
    ("postgresql.cnpg.io", "Cluster"),
    ("postgresql.cnpg.io", "ScheduledBackup"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
}

LABEL_KEYS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "berth.dev/tenant",
    "berth.dev/environment",
    "berth.dev/cost-center",
)

# checkov checks skipped for the whole scan, one reason each. Everything else is either met or
# suppressed in the manifest itself (checkov.io/skip<N> annotations, written where they apply).
CHECKOV_SKIPS = {
    # A graph check: in-manifest annotations cannot suppress it.
    "CKV2_K8S_6": "NetworkPolicies are platform guardrails of the namespace; an app makes none",
}
# The in-manifest suppressions the chart may carry; a new one needs a reason here and in review.
CHECKOV_ANNOTATED = {
    "CKV_K8S_8": "a worker has no port and exec probes are not used: no liveness probe",
    "CKV_K8S_9": "a worker has no port and gets no Service traffic: no readiness probe",
    "CKV_K8S_35": "secrets are env vars via secretKeyRef from an ExternalSecret (docs/requests.md, Secrets)",
    "CKV_K8S_43": "image tags are allowed by the request format (docs/requests.md); a digest is optional",
}


def load_sample(name: str) -> dict[str, Any]:
    data = yaml.safe_load((SAMPLES / f"{name}.yaml").read_text())
    assert isinstance(data, dict)
    return data


def render_file(path: Path, release: str) -> list[dict[str, Any]]:
    out = helm_template(CHART, [path], name=release, namespace=NAMESPACE)
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {
        name: render_file(SAMPLES / f"{name}.yaml", load_sample(name)["name"])
        for name in SAMPLE_NAMES
    }


def kinds(docs: list[dict[str, Any]]) -> list[str]:
    return sorted(d["kind"] for d in docs)


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {kinds(docs)}"
    return found[0]


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def workload(docs: list[dict[str, Any]]) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] in ("Deployment", "CronJob")]
    assert len(found) == 1
    return found[0]


def test_samples_cover_every_blueprint() -> None:
    blueprints = {load_sample(n)["blueprint"] for n in SAMPLE_NAMES}
    assert set(PLATFORMS) <= set(SAMPLE_NAMES)
    assert blueprints == {"web-service", "worker", "cronjob"}


@pytest.mark.tools
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_helm_lint_strict(sample: str) -> None:
    run([tool("helm"), "lint", "--strict", str(CHART), "--values", str(SAMPLES / f"{sample}.yaml")])


@pytest.mark.tools
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_every_object_is_labelled_namespaced_and_allowed(
    rendered: dict[str, list[dict[str, Any]]], sample: str
) -> None:
    values = load_sample(sample)
    expected = {
        "app.kubernetes.io/name": values["name"],
        "app.kubernetes.io/instance": values["name"],
        "app.kubernetes.io/component": values["blueprint"],
        "app.kubernetes.io/part-of": values["tenant"],
        "app.kubernetes.io/managed-by": "berth",
        "berth.dev/tenant": values["tenant"],
        "berth.dev/environment": values["environment"],
        "berth.dev/cost-center": values["costCenter"],
    }
    for doc in rendered[sample]:
        group = doc["apiVersion"].rpartition("/")[0]
        assert (group, doc["kind"]) in CHART_KINDS
        meta = doc["metadata"]
        assert meta.get("namespace", NAMESPACE) == NAMESPACE, meta
        labels = meta["labels"]
        assert set(LABEL_KEYS) <= set(labels), (doc["kind"], labels)
        assert expected.items() <= labels.items(), (doc["kind"], labels)
        assert all(isinstance(v, str) and v for v in labels.values())
    templates = [pod_template(workload(rendered[sample]))["metadata"]["labels"]]
    if values["blueprint"] == "cronjob":
        templates.append(workload(rendered[sample])["spec"]["jobTemplate"]["metadata"]["labels"])
    for labels in templates:
        assert set(LABEL_KEYS) <= set(labels)
        assert expected.items() <= labels.items()


@pytest.mark.tools
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_pods_meet_the_restricted_pod_security_standard(
    rendered: dict[str, list[dict[str, Any]]], sample: str
) -> None:
    docs = rendered[sample]
    name = load_sample(sample)["name"]
    pod = pod_template(workload(docs))["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == name
    account = one(docs, "ServiceAccount")
    assert account["metadata"]["name"] == name
    assert account["automountServiceAccountToken"] is False
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] > 0
    assert psc["runAsGroup"] > 0
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(field)
    (container,) = pod["containers"]
    csc = container["securityContext"]
    assert csc["allowPrivilegeEscalation"] is False
    assert csc["privileged"] is False
    assert csc["readOnlyRootFilesystem"] is True
    assert csc["runAsNonRoot"] is True
    assert csc["runAsUser"] > 0
    assert csc["capabilities"] == {"drop": ["ALL"]}
    assert csc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]
    resources = container["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert resources["limits"]["memory"] == resources["requests"]["memory"]


@pytest.mark.tools
def test_web_service(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["web-service"]
    assert kinds(docs) == ["Deployment", "Ingress", "Service", "ServiceAccount", "ServiceMonitor"]
    deployment = one(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/acme/payments-api:1.4.0"
    assert container["imagePullPolicy"] == "Always"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "1.4.0"

    service = one(docs, "Service")
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"] == selector
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]

    ingress = one(docs, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt",
        "external-dns.alpha.kubernetes.io/hostname": "payments.dev.acme.example",
    }
    assert ingress["spec"]["tls"] == [
        {"hosts": ["payments.dev.acme.example"], "secretName": "api-tls"}
    ]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "payments.dev.acme.example"
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "api",
        "port": {"name": "http"},
    }

    monitor = one(docs, "ServiceMonitor")
    assert monitor["spec"]["selector"] == {"matchLabels": selector}
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


@pytest.mark.tools
def test_web_service_through_the_gateway(rendered: dict[str, list[dict[str, Any]]]) -> None:
    # With the platform's Gateway: an HTTPRoute on it instead of the Ingress, no certificate
    # (TLS ends at the Gateway), the Service's port by number.
    docs = rendered["web-service-gateway"]
    assert kinds(docs) == ["Deployment", "HTTPRoute", "Service", "ServiceAccount", "ServiceMonitor"]
    route = one(docs, "HTTPRoute")
    assert route["metadata"]["name"] == "api"
    assert route["metadata"]["annotations"] == {
        "external-dns.alpha.kubernetes.io/hostname": "payments.dev.acme.example"
    }
    assert route["spec"] == {
        "parentRefs": [
            {
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
                "name": "public",
                "namespace": "envoy-gateway-system",
                "sectionName": "https",
            }
        ],
        "hostnames": ["payments.dev.acme.example"],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [{"name": "api", "port": 80}],
            }
        ],
    }
    (port,) = one(docs, "Service")["spec"]["ports"]
    assert port["port"] == 80


@pytest.mark.tools
def test_a_route_without_a_listener_attaches_to_the_whole_gateway(tmp_path: Path) -> None:
    path = _write_values(tmp_path, "web-service-gateway", {"ingress.gateway.sectionName": ""})
    route = one(render_file(path, "api"), "HTTPRoute")
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "public",
            "namespace": "envoy-gateway-system",
        }
    ]


@pytest.mark.tools
def test_web_service_with_autoscaling_secrets_and_database(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["web-service-full"]
    assert kinds(docs) == [
        "Cluster",
        "Deployment",
        "ExternalSecret",
        "HorizontalPodAutoscaler",
        "Ingress",
        "PodDisruptionBudget",
        "PrometheusRule",
        "ScheduledBackup",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
        "VerticalPodAutoscaler",
    ]
    deployment = one(docs, "Deployment")
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    digest = "sha256:" + "0123456789abcdef" * 4
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == f"ghcr.io/acme/payments-api@{digest}"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }

    hpa = one(docs, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "api",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    assert hpa["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]

    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
    assert pdb["spec"]["maxUnavailable"] == 1

    external = one(docs, "ExternalSecret")
    assert external["apiVersion"] == "external-secrets.io/v1"
    assert external["metadata"]["name"] == "api-secrets"
    assert external["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": "aws-parameter-store",
    }
    assert external["spec"]["target"]["name"] == "api-secrets"
    assert external["spec"]["data"] == [
        {"secretKey": "DATABASE_PASSWORD", "remoteRef": {"key": "/payments/api/db-password"}},
        {"secretKey": "STRIPE_KEY", "remoteRef": {"key": "/payments/api/stripe-key"}},
    ]
    env = {e["name"]: e for e in container["env"]}
    assert env["NO"] == {"name": "NO", "value": "off"}
    for name in ("DATABASE_PASSWORD", "STRIPE_KEY"):
        assert env[name]["valueFrom"] == {"secretKeyRef": {"name": "api-secrets", "key": name}}
    assert env["DATABASE_URL"]["valueFrom"] == {
        "secretKeyRef": {"name": "api-db-app", "key": "uri"}
    }

    cluster = one(docs, "Cluster")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["metadata"]["name"] == "api-db"
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert spec["storage"] == {"size": "20Gi"}
    assert spec["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert spec["bootstrap"] == {"initdb": {"database": "app", "owner": "app"}}
    # The database pods must never match the application's selectors.
    inherited = spec["inheritedMetadata"]["labels"]
    assert not set(deployment["spec"]["selector"]["matchLabels"]) & set(inherited)
    assert inherited["berth.dev/cost-center"] == "CC-1042"
    backup = one(docs, "ScheduledBackup")
    assert backup["apiVersion"] == "postgresql.cnpg.io/v1"
    assert backup["spec"]["cluster"] == {"name": "api-db"}
    assert backup["spec"]["schedule"] == "0 0 2 * * *"
    assert len(backup["spec"]["schedule"].split()) == 6
    assert backup["spec"]["method"] == "volumeSnapshot"
    assert "volumeSnapshot" in spec["backup"]


@pytest.mark.tools
def test_worker(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["worker"]
    assert kinds(docs) == [
        "Deployment",
        "ExternalSecret",
        "PodDisruptionBudget",
        "PrometheusRule",
        "ServiceAccount",
        "VerticalPodAutoscaler",
    ]
    deployment = one(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert "ports" not in container
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert probe not in container
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert "@sha256:fedcba98" in container["image"]
    # No tag: the version label is the short digest.
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "fedcba987654"
    annotations = deployment["metadata"]["annotations"]
    assert annotations["checkov.io/skip3"].startswith("CKV_K8S_8=")
    assert one(docs, "PodDisruptionBudget")["spec"]["selector"] == deployment["spec"]["selector"]


@pytest.mark.tools
def test_cronjob(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["cronjob"]
    assert kinds(docs) == ["CronJob", "PrometheusRule", "ServiceAccount", "VerticalPodAutoscaler"]
    cronjob = one(docs, "CronJob")
    assert cronjob["spec"]["schedule"] == "30 1 * * *"
    assert cronjob["spec"]["timeZone"] == "Etc/UTC"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = pod_template(cronjob)["spec"]
    assert pod["restartPolicy"] == "OnFailure"
    (container,) = pod["containers"]
    assert container["image"] == "ghcr.io/acme/payments-report:2.0.1"
    assert container["imagePullPolicy"] == "Always"
    assert "ports" not in container
    assert "livenessProbe" not in container
    assert container["env"] == [{"name": "REPORT_BUCKET", "value": "payments-reports"}]


# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion).
KUBE_VERSION = "1.29.0"


@pytest.mark.tools
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_builtin_kinds_match_the_kubernetes_schema(
    rendered: dict[str, list[dict[str, Any]]], sample: str
) -> None:
    for doc in rendered[sample]:
        if doc["kind"] in CRD_FILES:
            continue  # a custom resource: checked against its CRD below
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


# The reference CRD (tests/support/tools.reference) of each custom resource kind the chart makes.
CRD_FILES = {
    "ServiceMonitor": "prometheus-operator/monitoring.coreos.com_servicemonitors.yaml",
    "ExternalSecret": "external-secrets/external-secrets.io_externalsecrets.yaml",
    "Cluster": "cloudnative-pg/postgresql.cnpg.io_clusters.yaml",
    "ScheduledBackup": "cloudnative-pg/postgresql.cnpg.io_scheduledbackups.yaml",
    "PrometheusRule": "prometheus-operator/monitoring.coreos.com_prometheusrules.yaml",
    "VerticalPodAutoscaler": "autoscaler/vpa-v1-crd-gen.yaml",
    "HTTPRoute": "gateway-api/gateway.networking.k8s.io_httproutes.yaml",
}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    group, _, version = api_version.partition("/")
    path = reference("crds", *CRD_FILES[kind].split("/"))
    # A safe loader (C when available); a file may hold several CRDs (the VPA's does).
    (crd,) = [
        doc
        for doc in yaml.load_all(path.read_text(), Loader=_LOADER)
        if doc and doc["spec"]["names"]["kind"] == kind
    ]
    assert crd["spec"]["group"] == group
    for served in crd["spec"]["versions"]:
        if served["name"] == version and served.get("served"):
            schema: dict[str, Any] = served["schema"]["openAPIV3Schema"]
            return schema
    raise AssertionError(f"{path} does not serve {api_version}")


def unknown_fields(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    """Fields the API server would silently prune: CRD schemas do not reject them."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                found += unknown_fields(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(item, extra, f"{path}.{key}")
            elif properties is not None:
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{index}]")
    return found


@pytest.mark.tools
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_custom_resources_match_the_reference_crds(
    rendered: dict[str, list[dict[str, Any]]], sample: str
) -> None:
    for doc in rendered[sample]:
        if doc["kind"] not in CRD_FILES:
            continue
        schema = crd_schema(doc["apiVersion"], doc["kind"])
        jsonschema.Draft7Validator(schema).validate(doc)
        assert unknown_fields(doc["spec"], schema["properties"]["spec"], "spec") == [], doc["kind"]


def _write_values(tmp_path: Path, base: str, changes: dict[str, Any]) -> Path:
    values = load_sample(base)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = values
        for key in parents:
            node = node[key]
        node[leaf] = value
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


@pytest.mark.tools
@pytest.mark.parametrize(
    ("base", "changes", "expected"),
    [
        (
            "worker",
            {
                "autoscale": {"enabled": True, "min": 2, "max": 4, "cpuPercent": 80},
                "vpa.controlledResources": ["memory"],
            },
            [
                "Deployment",
                "ExternalSecret",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
                "PrometheusRule",
                "VerticalPodAutoscaler",
            ],
        ),
        (
            "worker",
            {"replicas": 1, "secrets": [], "alerts.enabled": False, "alerts.runbookUrl": ""},
            ["Deployment", "VerticalPodAutoscaler"],
        ),
        (
            "web-service",
            {"replicas": 2, "ingress.enabled": False, "ingress.host": ""},
            ["Deployment", "PodDisruptionBudget", "Service", "ServiceMonitor"],
        ),
        (
            "web-service",
            {"monitoring.enabled": False},
            ["Deployment", "Ingress", "Service"],
        ),
        (
            "web-service-full",
            {"autoscale.min": 1, "replicas": 1, "secrets": [], "database.enabled": False},
            [
                "Deployment",
                "HorizontalPodAutoscaler",
                "Ingress",
                "PrometheusRule",
                "Service",
                "ServiceMonitor",
                "VerticalPodAutoscaler",
            ],
        ),
        (
            # a scenario's database: disposable, no backup of any kind
            "web-service-full",
            {"database.backupSchedule": ""},
            [
                "Cluster",
                "Deployment",
                "ExternalSecret",
                "HorizontalPodAutoscaler",
                "Ingress",
                "PodDisruptionBudget",
                "PrometheusRule",
                "Service",
                "ServiceMonitor",
                "VerticalPodAutoscaler",
            ],
        ),
        (
            "web-service-full",
            {"alerts.enabled": False, "alerts.runbookUrl": "", "vpa.enabled": False}
            | {"slo.availability.enabled": False, "slo.latency.enabled": False},
            [
                "Cluster",
                "Deployment",
                "ExternalSecret",
                "HorizontalPodAutoscaler",
                "Ingress",
                "PodDisruptionBudget",
                "ScheduledBackup",
                "Service",
                "ServiceMonitor",
            ],
        ),
    ],
)
def test_optional_objects_follow_the_values(
    tmp_path: Path, base: str, changes: dict[str, Any], expected: list[str]
) -> None:
    docs = render_file(_write_values(tmp_path, base, changes), "x")
    assert kinds(docs) == sorted([*expected, "ServiceAccount"])


@pytest.mark.tools
def test_a_database_without_a_backup_schedule_is_backed_up_by_nothing(tmp_path: Path) -> None:
    """A scenario's database: no ScheduledBackup, and no backup method in its Cluster."""
    docs = render_file(
        _write_values(tmp_path, "web-service-full", {"database.backupSchedule": ""}), "x"
    )

    assert "ScheduledBackup" not in kinds(docs)
    assert "backup" not in one(docs, "Cluster")["spec"]


@pytest.mark.tools
@pytest.mark.parametrize(
    ("base", "changes", "message"),
    [
        ("web-service", {"unknown": 1}, "additional properties 'unknown' not allowed"),
        ("web-service", {"image.registry": "ghcr.io"}, "additional properties 'registry'"),
        ("web-service", {"replicas": "2"}, "got string, want integer"),
        ("web-service", {"ingress.enabled": "yes"}, "got string, want boolean"),
        ("web-service", {"env": {"LOG_LEVEL": 3}}, "got number, want string"),
        ("web-service", {"image.tag": "latest"}, "/image/tag"),
        ("web-service", {"image.tag": "", "image.digest": ""}, "anyOf"),
        ("web-service", {"image.digest": "sha256:abc"}, "/image/digest"),
        ("web-service", {"resources.memory": "256m"}, "/resources/memory"),
        ("web-service", {"ingress.host": "Payments.example"}, "/ingress/host"),
        ("web-service", {"port": 80}, "/port"),
        ("web-service", {"name": "9api"}, "/name"),
        ("worker", {"port": 8080}, "/port"),
        ("cronjob", {"schedule": "every night"}, "/schedule"),
        ("cronjob", {"schedule": ""}, "/schedule"),
        ("web-service-full", {"database.backupSchedule": "0 3 * * *"}, "/database/backupSchedule"),
        ("web-service-full", {"autoscale.max": 2}, "autoscale.max (2) must be at least"),
        ("web-service-full", {"env": {"DATABASE_URL": "x"}}, "DATABASE_URL is set by the database"),
    ],
)
def test_schema_rejects_bad_values(
    tmp_path: Path, base: str, changes: dict[str, Any], message: str
) -> None:
    path = _write_values(tmp_path, base, changes)
    args = [tool("helm"), "template", "x", str(CHART), "--namespace", NAMESPACE]
    proc = run([*args, "--values", str(path)], check=False)
    assert proc.returncode != 0, f"{changes} was accepted"
    assert message in proc.stderr, proc.stderr


@pytest.mark.tools
def test_checkov_passes_on_all_samples(tmp_path: Path) -> None:
    checkov = tool("checkov")
    out = tmp_path / "rendered"
    out.mkdir()
    for name in SAMPLE_NAMES:
        manifest = helm_template(
            CHART, [SAMPLES / f"{name}.yaml"], name=load_sample(name)["name"], namespace=NAMESPACE
        )
        (out / f"{name}.yaml").write_text(manifest)
    args = [checkov, "-d", str(out), "--framework", "kubernetes", "--skip-download", "--compact"]
    args += ["--skip-check", ",".join(sorted(CHECKOV_SKIPS)), "-o", "json"]
    proc = run(args, cwd=tmp_path, check=False)
    report = json.loads(proc.stdout)
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert not failed, failed
    assert proc.returncode == 0, proc.stderr
    assert report["summary"]["passed"] > 100
    for check in results["skipped_checks"]:
        assert check["check_id"] in CHECKOV_ANNOTATED, check["check_id"]
        assert check["check_result"].get("suppress_comment"), check["check_id"]


# --- The blueprints' values templates -------------------------------------------------------

BLUEPRINTS = ("web-service", "worker", "cronjob")
PLATFORM = {
    "ingressClass": "nginx",
    "clusterIssuer": "letsencrypt",
    "gateway": None,
    "secretStore": "aws-parameter-store",
}
_COMMON = {
    "tenant": "payments",
    "costCenter": "CC-1042",
    "healthPath": "/healthz",
    "host": None,
    "autoscale": None,
    "schedule": None,
    "database": None,
    "secrets": [],
    "env": {},
    "port": 0,
    "replicas": 1,
    "tag": None,
    "digest": None,
}
# The `app` context that must render each sample values file exactly.
CONTEXTS: dict[str, dict[str, Any]] = {
    "web-service": _COMMON
    | {
        "name": "api",
        "environment": "dev",
        "repository": "ghcr.io/acme/payments-api",
        "tag": "1.4.0",
        "port": 8080,
        "resources": {"cpu": "250m", "memory": "256Mi"},
        "env": {"LOG_LEVEL": "info"},
        "host": "payments.dev.acme.example",
    },
    "web-service-full": _COMMON
    | {
        "name": "api",
        "environment": "prod",
        "repository": "ghcr.io/acme/payments-api",
        "tag": "1.3.2",
        "digest": "sha256:" + "0123456789abcdef" * 4,
        "replicas": 3,
        "port": 8080,
        "resources": {"cpu": "0.5", "memory": "512Mi"},
        "env": {"LOG_LEVEL": "warn", "NO": "off"},
        "secrets": [
            {"name": "DATABASE_PASSWORD", "key": "/payments/api/db-password"},
            {"name": "STRIPE_KEY", "key": "/payments/api/stripe-key"},
        ],
        "host": "payments.acme.example",
        "autoscale": {"min": 3, "max": 10, "cpuPercent": 70},
        "database": {
            "instances": 3,
            "storage": "20Gi",
            "cpu": "1",
            "memory": "2Gi",
            "backupSchedule": "0 0 2 * * *",
        },
    },
    "worker": _COMMON
    | {
        "name": "settlement-worker",
        "environment": "staging",
        "repository": "registry.acme.example/payments/settlement",
        "digest": "sha256:" + "fedcba9876543210" * 4,
        "replicas": 2,
        "resources": {"cpu": "100m", "memory": "128Mi"},
        "secrets": [{"name": "QUEUE_URL", "key": "/payments/settlement-worker/queue-url"}],
    },
    "cronjob": _COMMON
    | {
        "name": "nightly-report",
        "environment": "dev",
        "repository": "ghcr.io/acme/payments-report",
        "tag": "2.0.1",
        "resources": {"cpu": "200m", "memory": "256Mi"},
        "env": {"REPORT_BUCKET": "payments-reports"},
        "schedule": "30 1 * * *",
    },
}

CONTEXTS["web-service-gateway"] = CONTEXTS["web-service"]
# The platform context of samples whose platform differs from PLATFORM.
PLATFORMS: dict[str, dict[str, Any]] = {
    "web-service-gateway": PLATFORM
    | {"gateway": {"name": "public", "namespace": "envoy-gateway-system", "sectionName": "https"}}
}

# The operations values (vpa, alerts, slo) are computed in Python (generator/render/operations.py,
# tested in tests/test_vpa.py and tests/test_alerts.py) and passed through as they are.
for _name, _context in CONTEXTS.items():
    _context.update({k: load_sample(_name)[k] for k in ("vpa", "alerts", "slo")})


def _finalize(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError here
    return json.dumps(value)


def _jinja(trim: bool) -> Environment:
    # A stand-in for the generator's environment: StrictUndefined, and a finalize that writes
    # every expression as one JSON (hence YAML flow) value. Checked with and without trim_blocks.
    return Environment(
        loader=FileSystemLoader(REPO / "blueprints"),
        undefined=StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=trim,
        lstrip_blocks=trim,
    )


@pytest.mark.parametrize("trim", [False, True])
@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_values_template_renders_the_sample(sample: str, trim: bool) -> None:
    expected = load_sample(sample)
    template = _jinja(trim).get_template(f"{expected['blueprint']}/values.yaml.j2")
    assert (
        yaml.safe_load(
            template.render(app=CONTEXTS[sample], platform=PLATFORMS.get(sample, PLATFORM))
        )
        == expected
    )


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_blueprint_descriptor(blueprint: str) -> None:
    folder = REPO / "blueprints" / blueprint
    descriptor = yaml.safe_load((folder / "blueprint.yaml").read_text())
    assert set(descriptor) == {"chart", "description", "requires", "forbids", "values"}
    assert (folder / descriptor["chart"]).resolve() == CHART
    assert (folder / descriptor["values"]).is_file()
    assert "image" in descriptor["requires"]
    assert not set(descriptor["requires"]) & set(descriptor["forbids"])
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (chart["apiVersion"], chart["name"], chart["version"], chart["type"]) == (
        "v2",
        "berth-app",
        "0.1.0",
        "application",
    )


def test_values_template_is_strict_about_missing_context() -> None:
    context = {k: v for k, v in CONTEXTS["web-service"].items() if k != "costCenter"}
    with pytest.raises(UndefinedError):
        _jinja(False).get_template("web-service/values.yaml.j2").render(
            app=context, platform=PLATFORM
        )

"""The strict object validator must reject what a real cluster would reject or silently drop."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from generator.verify import kube_schema
from generator.verify.crd_schema import crd_validator
from generator.verify.kube_schema import is_cluster_scoped, validate_objects, validate_yaml_stream
from tests.support.tools import reference

Obj = dict[str, Any]


@pytest.fixture(autouse=True)
def _reference_crds() -> None:
    # The CRDs ship in the package; a checkout without them fails here, never skips.
    reference("crds")


def meta(name: str, namespace: str | None = "team-a", **extra: Any) -> Obj:
    metadata: Obj = {"name": name, **extra}
    if namespace is not None:
        metadata["namespace"] = namespace
    return metadata


NAMESPACE: Obj = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": meta("team-a", None, labels={"berth.dev/tenant": "team-a"}),
}

DEPLOYMENT: Obj = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta("web", labels={"app.kubernetes.io/name": "web"}),
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "ghcr.io/acme/web:1.2.3",
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    }
                ]
            },
        },
    },
}

APPLICATION: Obj = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": meta("team-a-web", "argocd", finalizers=["resources-finalizer.argocd.argoproj.io"]),
    "spec": {
        "project": "team-a",
        "source": {
            "repoURL": "https://github.com/acme/gitops.git",
            "path": "tenants/team-a/apps/web/overlays/prod",
            "targetRevision": "main",
        },
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "team-a"},
        "syncPolicy": {
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["ServerSideApply=true"],
        },
    },
}

VELERO_SCHEDULE: Obj = {
    "apiVersion": "velero.io/v1",
    "kind": "Schedule",
    "metadata": meta("team-a-daily", "velero"),
    "spec": {
        "schedule": "0 2 * * *",
        "template": {"includedNamespaces": ["team-a"], "ttl": "720h0m0s"},
    },
}

# One realistic object for every kind the generator emits, so strictness never rejects valid
# output (a wrong translation of the CRD schemas would show up here first).
VALID: list[Obj] = [
    NAMESPACE,
    DEPLOYMENT,
    APPLICATION,
    VELERO_SCHEDULE,
    {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": meta("compute"),
        "spec": {"hard": {"requests.cpu": "4", "limits.memory": "8Gi", "pods": 20}},
    },
    {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": meta("defaults"),
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}}]},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta("default-deny"),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": meta("team-a:admins"),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "admin",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "a"}],
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("web"),
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta("web"),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "web.acme.example",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80},
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta("report"),
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "report", "image": "busybox:1.36"}],
                        }
                    }
                }
            },
        },
    },
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("web")},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("web"), "data": {"a": "1"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": meta("web"), "stringData": {"a": "b"}},
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": meta("team-a", "argocd"),
        "spec": {
            "sourceRepos": ["https://github.com/acme/gitops.git"],
            "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "team-a"}],
            "clusterResourceWhitelist": [],
            "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
        },
    },
    {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": meta("web-tls"),
        "spec": {
            "secretName": "web-tls",
            "dnsNames": ["web.acme.example"],
            "duration": "2160h",
            "issuerRef": {
                "name": "letsencrypt",
                "kind": "ClusterIssuer",
                "group": "cert-manager.io",
            },
        },
    },
    {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": meta("db"),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "vault", "kind": "ClusterSecretStore"},
            "target": {"name": "db", "creationPolicy": "Owner"},
            "data": [
                {"secretKey": "password", "remoteRef": {"key": "team-a/db", "property": "pw"}}
            ],
        },
    },
    {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": meta("web"),
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
    },
    {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": meta("db"),
        "spec": {"instances": 3, "storage": {"size": "10Gi"}},
    },
    {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "ScheduledBackup",
        "metadata": meta("db-daily"),
        "spec": {"schedule": "0 0 0 * * *", "cluster": {"name": "db"}},
    },
    {
        "apiVersion": "autoscaling.k8s.io/v1",
        "kind": "VerticalPodAutoscaler",
        "metadata": meta("web"),
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "updatePolicy": {"updateMode": "Off"},
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": meta("web"),
        "spec": {
            "parentRefs": [{"name": "public", "namespace": "gateways"}],
            "hostnames": ["web.acme.example"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": "web", "port": 80}],
                }
            ],
        },
    },
]


def with_change(obj: Obj, path: str, value: Any) -> Obj:
    """A deep copy of `obj` with the dotted `path` set to `value` (list indexes as numbers)."""
    changed = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return changed


def problems_of(obj: Obj) -> list[str]:
    return validate_objects([obj])


@pytest.mark.parametrize("obj", VALID, ids=lambda o: f"{o['apiVersion']}/{o['kind']}")
def test_valid_objects_pass(obj: Obj) -> None:
    assert problems_of(obj) == []


def test_unknown_field_in_deployment_spec_fails() -> None:
    problems = problems_of(with_change(DEPLOYMENT, "spec.replica", 3))
    assert problems == ["Deployment/team-a/web: $.spec.replica: unknown field"]


def test_unknown_field_deep_in_pod_template_fails() -> None:
    bad = with_change(DEPLOYMENT, "spec.template.spec.containers.0.imagePullPolicyy", "Always")
    assert problems_of(bad) == [
        "Deployment/team-a/web: $.spec.template.spec.containers[0].imagePullPolicyy: unknown field"
    ]


def test_unknown_field_in_application_spec_fails() -> None:
    problems = problems_of(with_change(APPLICATION, "spec.syncPolicy.automated.purne", True))
    assert problems == [
        "Application/argocd/team-a-web: $.spec.syncPolicy.automated.purne: unknown field"
    ]


def test_unknown_top_level_field_and_metadata_field_of_custom_resource_fail() -> None:
    bad = with_change(APPLICATION, "sepc", {})
    bad["metadata"]["lables"] = {"a": "b"}
    assert problems_of(bad) == [
        "Application/argocd/team-a-web: $.metadata.lables: unknown field",
        "Application/argocd/team-a-web: $.sepc: unknown field",
    ]


def test_wrong_type_fails() -> None:
    problems = problems_of(with_change(DEPLOYMENT, "spec.replicas", "3"))
    assert len(problems) == 1
    assert problems[0].startswith("Deployment/team-a/web: $.spec.replicas: '3' is not of type")


def test_wrong_type_in_custom_resource_fails() -> None:
    problems = problems_of(with_change(VALID[-4], "spec.instances", "3"))  # CNPG Cluster
    assert problems == ["Cluster/team-a/db: $.spec.instances: '3' is not of type 'integer'"]


@pytest.mark.parametrize("target_port", [8080, "http"])
def test_service_target_port_is_int_or_string(target_port: int | str) -> None:
    service = next(o for o in VALID if o["kind"] == "Service")
    assert problems_of(with_change(service, "spec.ports.0.targetPort", target_port)) == []


@pytest.mark.parametrize("min_available", [1, "50%"])
def test_pdb_min_available_is_int_or_string(min_available: int | str) -> None:
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta("web"),
        "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": "web"}}},
    }
    assert problems_of(pdb) == []
    assert problems_of(with_change(pdb, "spec.minAvailable", [1])) != []


@pytest.mark.parametrize(("value", "ok"), [(8080, True), ("http", True), (True, False)])
def test_crd_int_or_string_accepts_int_and_string_only(value: object, ok: bool) -> None:
    monitor = next(o for o in VALID if o["kind"] == "ServiceMonitor")
    endpoint = {"targetPort": value, "path": "/metrics"}
    problems = problems_of(with_change(monitor, "spec.endpoints", [endpoint]))
    assert (problems == []) is ok, problems


def test_velero_schedule_ttl_must_be_a_string() -> None:
    problems = problems_of(with_change(VELERO_SCHEDULE, "spec.template.ttl", 5))
    assert problems == [
        "Schedule/velero/team-a-daily: $.spec.template.ttl: 5 is not of type 'string'"
    ]


def test_nullable_crd_fields_accept_null_and_others_do_not() -> None:
    # includedNamespaces is `nullable: true` upstream; ttl is not.
    assert problems_of(with_change(VELERO_SCHEDULE, "spec.template.includedNamespaces", None)) == []
    assert problems_of(with_change(VELERO_SCHEDULE, "spec.template.ttl", None)) != []


def test_preserve_unknown_fields_allows_unknown_keys_there_only() -> None:
    # Argo CD keeps helm valuesObject free-form (x-kubernetes-preserve-unknown-fields).
    app = with_change(APPLICATION, "spec.source.helm", {"valuesObject": {"anything": {"x": 1}}})
    assert problems_of(app) == []
    app = with_change(APPLICATION, "spec.source.helm", {"valuesObjekt": {}})
    assert problems_of(app) == [
        "Application/argocd/team-a-web: $.spec.source.helm.valuesObjekt: unknown field"
    ]


def test_crd_enum_and_pattern_are_enforced() -> None:
    route = next(o for o in VALID if o["kind"] == "HTTPRoute")
    bad = with_change(route, "spec.rules.0.matches.0.path.type", "Prefix")
    assert len(problems_of(bad)) == 1
    assert problems_of(with_change(route, "spec.hostnames", ["Not_A_Host"])) != []


def test_duplicate_keys_in_a_list_map_fail() -> None:
    route = next(o for o in VALID if o["kind"] == "HTTPRoute")
    modifier = {"set": [{"name": "x-a", "value": "1"}, {"name": "x-a", "value": "2"}]}
    filters = [{"type": "RequestHeaderModifier", "requestHeaderModifier": modifier}]
    problems = problems_of(with_change(route, "spec.rules.0.filters", filters))
    assert problems == [
        "HTTPRoute/team-a/web: $.spec.rules[0].filters[0].requestHeaderModifier.set[1]: "
        "duplicate entry: same name as item [0]"
    ]


def test_unknown_kind_fails() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta("w"), "spec": {}}
    assert problems_of(obj) == [
        "Widget/team-a/w: $.apiVersion: no schema for example.com/v1 Widget: not a Kubernetes"
        " 1.34 kind, and no CRD in generator/crds or platform.yaml's crdDirs defines it"
    ]


def test_builtin_kind_name_in_a_foreign_group_is_not_treated_as_builtin() -> None:
    foreign = with_change(DEPLOYMENT, "apiVersion", "apps.example.com/v1")
    assert problems_of(foreign) == [
        "Deployment/team-a/web: $.apiVersion: no schema for apps.example.com/v1 Deployment: not a"
        " Kubernetes 1.34 kind, and no CRD in generator/crds or platform.yaml's crdDirs defines it"
    ]


def test_defined_but_not_served_version_fails() -> None:
    eso = with_change(VALID[-6], "apiVersion", "external-secrets.io/v1beta1")
    assert problems_of(eso) == [
        "ExternalSecret/team-a/db: $.apiVersion: external-secrets.io/v1beta1 ExternalSecret "
        "is defined but not served"
    ]


@pytest.mark.parametrize(
    ("labels", "path"),
    [
        ({"app": "web app"}, "$.metadata.labels.app"),
        ({"app": "-web"}, "$.metadata.labels.app"),
        ({"app": "x" * 64}, "$.metadata.labels.app"),
        ({"enabled": True}, "$.metadata.labels.enabled"),
        ({"Bad_Prefix/app": "web"}, '$.metadata.labels["Bad_Prefix/app"]'),
    ],
)
def test_bad_label_fails(labels: dict[str, object], path: str) -> None:
    for obj in (NAMESPACE, APPLICATION):  # built-in and custom resource alike
        problems = problems_of(with_change(obj, "metadata.labels", labels))
        assert len(problems) == 1, problems
        assert f": {path}: " in problems[0]


def test_bad_names_and_annotations_fail() -> None:
    assert problems_of(with_change(DEPLOYMENT, "metadata.name", "Web")) != []
    assert problems_of(with_change(APPLICATION, "metadata.name", "web_app")) != []
    assert problems_of(with_change(NAMESPACE, "metadata.name", "a.b")) != []  # label, not subdomain
    assert problems_of(with_change(APPLICATION, "metadata.annotations", {"a": 1})) == [
        "Application/argocd/team-a-web: $.metadata.annotations.a: 1 is not of type 'string', 'null'"
    ]
    assert problems_of(with_change(DEPLOYMENT, "metadata.name", None)) != []


def test_namespace_on_cluster_scoped_object_fails() -> None:
    problems = problems_of(with_change(NAMESPACE, "metadata.namespace", "default"))
    assert problems == [
        "Namespace/default/team-a: $.metadata.namespace: Namespace is cluster-scoped"
    ]


def test_cluster_scope() -> None:
    assert is_cluster_scoped(NAMESPACE)
    assert is_cluster_scoped({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole"})
    assert is_cluster_scoped({"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer"})
    assert not is_cluster_scoped(DEPLOYMENT)
    assert not is_cluster_scoped(APPLICATION)
    with pytest.raises(ValueError, match="no schema"):
        is_cluster_scoped({"apiVersion": "example.com/v1", "kind": "Widget"})


def test_yaml_stream_is_parsed_like_kubernetes_does() -> None:
    stream = """\
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: team-a
data:
  released: 2024-01-01
---
# only a comment
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels:
    enabled: true
"""
    # The unquoted date stays a string (as in Go), the unquoted boolean label does not.
    assert validate_yaml_stream(stream) == [
        "Namespace/team-a: $.metadata.labels.enabled: True is not of type 'string', 'null'"
    ]


def test_all_problems_are_reported_not_just_the_first() -> None:
    bad = with_change(DEPLOYMENT, "spec.replicas", "3")
    bad["spec"]["paused"] = "no"
    assert len(problems_of(bad)) == 2
    # A scalar YAML document reaches validate_objects too; it must be reported, not crash.
    problems = validate_objects([bad, NAMESPACE, 42])  # type: ignore[list-item]
    assert problems[-1] == "object[2]: $: expected a mapping, got int"


@pytest.mark.parametrize("obj", [DEPLOYMENT, with_change(DEPLOYMENT, "spec.replicas", "3")])
def test_core_validation_agrees_with_kubernetes_validate(obj: Obj) -> None:
    # Our cached validator mirrors kubernetes_validate.validate(); check it against the original.
    try:
        kubernetes_validate.validate(obj, kube_schema.DEFAULT_KUBERNETES_VERSION, strict=True)
        upstream_ok = True
    except kubernetes_validate.ValidationError:
        upstream_ok = False
    assert (problems_of(obj) == []) is upstream_ok


JSON_SCHEMA_KEYWORDS = {
    "type", "properties", "items", "additionalProperties", "required", "enum", "format",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "allOf", "anyOf", "oneOf", "not", "description", "x-kubernetes-list-map-keys",
}  # fmt: skip


def test_every_reference_crd_translates_to_plain_json_schema() -> None:
    # No OpenAPI-only keyword (nullable, x-kubernetes-*) may survive: jsonschema ignores unknown
    # keywords, so a leftover one would silently switch a check off.
    crds = kube_schema.default_schemas().crds
    index = [
        (key, crd.schema)
        for path in sorted(crds.folders[-1].rglob("*.yaml"))
        for key, crd in crds._parse(path)
    ]
    assert len(index) >= 20

    def walk(node: Any, where: str) -> None:
        assert set(node) <= JSON_SCHEMA_KEYWORDS, (where, set(node) - JSON_SCHEMA_KEYWORDS)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{where}.{name}")
        for key in ("items", "additionalProperties", "not"):
            if isinstance(node.get(key), dict):
                walk(node[key], f"{where}.{key}")
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key, []):
                walk(sub, f"{where}.{key}")

    for (group, version, kind), crd_schema in index:
        schema = crd_validator(crd_schema).schema
        walk(schema, f"{group}/{version} {kind}")

"""The admission policy of the operators' custom resources a team may write with `kubectl`
(CloudNativePG and prometheus-operator aggregate their writes into `edit`), and of the
guardrails' NetworkPolicies (Kubernetes' own `edit` writes NetworkPolicies).

CloudNativePG's manager is exempt from the other policies (its database pods run its own
images), so what a `Cluster` or `Pooler` asks it to create is held here instead: the
operator's image (no `imageName`, no namespaced ImageCatalog), no pod template for a pooler,
ClusterIP Services only. prometheus-operator is not exempt: the pods of a Prometheus or
Alertmanager of a tenant's own would be refused anyway, so those kinds (and Probes, which make
the platform's prober call any address) are refused when written, and a ServiceMonitor or
PodMonitor watches its own namespace only.
"""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import argocd_controller, check, lit, policy, rule

CNPG = "postgresql.cnpg.io"
MONITORING = "monitoring.coreos.com"
CLUSTER_IP = "['ClusterIP']"
REFUSED = {  # kind: why a team may not write one
    "ImageCatalog": "a catalog of a tenant's own would pick the database image; CloudNativePG"
    " runs its own image or the platform's ClusterImageCatalog",
    "Prometheus": "monitoring is the platform's Prometheus, which scrapes the tenant's"
    " ServiceMonitors",
    "Alertmanager": "alerts go through the platform's Alertmanager (AlertmanagerConfig routes"
    " them)",
    "Probe": "a Probe makes the platform's prober call any address",
}


def _service_type_ok(template: str) -> str:
    return (
        f"!has({template}.spec) || !has({template}.spec.type)"
        f" || {template}.spec.type in {CLUSTER_IP}"
    )


def operators_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    kind = "object.kind"
    spec = "object.spec"
    refused = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in REFUSED.items()) + "}"
    variables = [
        {
            "name": "extraServices",  # a Cluster's managed.services.additional[].serviceTemplate
            "expression": f"{kind} == 'Cluster' && has({spec}.managed)"
            f" && has({spec}.managed.services) && has({spec}.managed.services.additional)"
            f" ? {spec}.managed.services.additional.filter(s, has(s.serviceTemplate))"
            ".map(s, s.serviceTemplate) : []",
        },
    ]
    validations = [
        check(
            "operator-kind",
            f"!({kind} in {refused})",
            f"{kind} + ' objects are not for tenants: ' + ({kind} in {refused}"
            f" ? {refused}[{kind}] : '')",
        ),
        check(
            "database-image",
            f"{kind} != 'Cluster' || (!has({spec}.imageName) && (!has({spec}.imageCatalogRef)"
            f" || (has({spec}.imageCatalogRef.kind)"
            f" && {spec}.imageCatalogRef.kind == 'ClusterImageCatalog')))",
            "'a database runs the operator\\'s image or the platform\\'s ClusterImageCatalog:"
            " no imageName, no ImageCatalog of a tenant\\'s own'",
        ),
        check(
            "database-pods",
            f"{kind} != 'Pooler' || !has({spec}.template)",
            "'a Pooler takes no pod template: CloudNativePG creates its pods as an exempt user,"
            " so a template would bypass the workload rules'",
        ),
        check(
            "service-type",
            f"variables.extraServices.all(t, {_service_type_ok('t')})"
            f" && ({kind} != 'Pooler' || !has({spec}.serviceTemplate)"
            f" || ({_service_type_ok(f'{spec}.serviceTemplate')}))",
            "'the Services CloudNativePG makes for a Cluster or Pooler are ClusterIP only; traffic"
            " comes in through the ingress controller'",
        ),
        check(
            "monitor-namespace",
            f"!({kind} in ['ServiceMonitor', 'PodMonitor']) || !has({spec}.namespaceSelector)"
            f" || (!(has({spec}.namespaceSelector.any) && {spec}.namespaceSelector.any == true)"
            f" && (!has({spec}.namespaceSelector.matchNames)"
            f" || {spec}.namespaceSelector.matchNames.all(n, n == request.namespace)))",
            "'a monitor watches its own namespace only: namespaceSelector, if set, names '"
            " + request.namespace + ' alone'",
        ),
    ]
    rules = [
        {
            "apiGroups": [CNPG],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["clusters", "poolers", "imagecatalogs"],
        },
        {
            "apiGroups": [MONITORING],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": [
                "prometheuses",
                "alertmanagers",
                "probes",
                "servicemonitors",
                "podmonitors",
            ],
        },
    ]
    return policy(platform, environment, "operators", rules, variables, validations)


DASHBOARD_LABEL = "grafana_dashboard"  # what Grafana's sidecar imports, from every namespace


def guardrails_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    """What only the guardrails may hold, so only Argo CD writes it (from Git): NetworkPolicies
    (they add up: one of a tenant's own would open what the guardrails close) and the
    dashboard ConfigMap (Grafana imports every ConfigMap with its label, from any namespace)."""
    writer = argocd_controller(platform.spec.argocdNamespace)
    by_argocd = f"request.userInfo.username == {lit(writer)}"
    validations = [
        check(
            "network-policy",
            f"{by_argocd} || request.resource.resource != 'networkpolicies'",
            lit(
                "NetworkPolicies in tenant namespaces are the platform's guardrails, written by"
                f" Argo CD ({writer}) from Git: ask for flows in the tenant's request"
            ),
        ),
        check(
            "dashboard",
            f"{by_argocd} || request.resource.resource != 'configmaps'"
            f" || !has(object.metadata.labels) || !({lit(DASHBOARD_LABEL)} in object.metadata.labels)",
            lit(
                f"a ConfigMap labelled {DASHBOARD_LABEL} becomes a Grafana dashboard for everyone:"
                " the tenant's dashboard comes from Git (the guardrails)"
            ),
        ),
    ]
    # DELETE too: deleting the default-deny policy opens the namespace as surely as adding one.
    rules = [
        {
            **rule("networking.k8s.io", "networkpolicies"),
            "operations": ["CREATE", "UPDATE", "DELETE"],
        },
        rule("", "configmaps"),
    ]
    return policy(platform, environment, "guardrails", rules, [], validations)

"""What a team may write with `kubectl`: the ClusterRoles `edit` and `view` as a cluster with
the platform's operators aggregates them, from upstream data (tests/upstream/rbac/README.md).

Kubernetes builds `edit` and `view` by aggregation: each holds the rules of every ClusterRole
whose labels match its `aggregationRule` (`edit` also takes `view`, which is labelled
`aggregate-to-edit`). The operators' Helm charts add their roles with those labels; the charts'
own `rbac.yaml` templates are rendered here with the real `helm template`, so the rules are
exactly what the charts install.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.tools import REFERENCE, run, tool

RBAC = REFERENCE / "rbac"
WRITE_VERBS = {"create", "update", "patch", "*"}
# Each chart and the values that make it aggregate as much as it can: a platform may switch
# CloudNativePG's aggregation on (its default is off); the others aggregate by default.
CHARTS = {
    "external-secrets": [],
    "cert-manager": [],
    "cloudnative-pg": ["--set", "rbac.aggregateClusterRoles=true"],
}
PLAIN = [
    RBAC / "kubernetes" / "cluster-roles.edit-view.yaml",
    RBAC / "prometheus-operator" / "prometheus-operator-crd-cluster-roles.yaml",
]
# Cluster-scoped kinds among the aggregated rules (their CRDs say `scope: Cluster`): a
# RoleBinding grants nothing on them.
CLUSTER_SCOPED = {
    ("external-secrets.io", "clustersecretstores"),
    ("external-secrets.io", "clusterpushsecrets"),
    ("generators.external-secrets.io", "clustergenerators"),
    ("postgresql.cnpg.io", "clusterimagecatalogs"),
    ("cert-manager.io", "clusterissuers"),
}


def _render_chart(name: str, args: list[str], workdir: Path) -> list[dict[str, Any]]:
    """The chart's rbac.yaml, rendered by helm over the chart's own values.yaml and helpers.

    The vendored folder holds the upstream files unmodified; helm needs a Chart.yaml, which
    is written here (only its name matters to the templates' helpers).
    """
    chart = workdir / name
    (chart / "templates").mkdir(parents=True)
    for part in ("values.yaml", "templates/_helpers.tpl", "templates/rbac.yaml"):
        (chart / part).write_bytes((RBAC / name / part).read_bytes())
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.0.0\n")
    only = ["--show-only", "templates/rbac.yaml"]
    out = run(
        [tool("helm"), "template", name, str(chart), "--namespace", name, *args, *only]
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def cluster_roles(workdir: Path) -> list[dict[str, Any]]:
    """Every ClusterRole: Kubernetes' own `edit`/`view` and their parts, and the operators'."""
    roles: list[dict[str, Any]] = []
    for path in PLAIN:
        for doc in yaml.safe_load_all(path.read_text()):
            roles += doc["items"] if doc.get("kind") == "List" else [doc]
    for name, args in CHARTS.items():
        roles += _render_chart(name, args, workdir)
    return [r for r in roles if r.get("kind") == "ClusterRole"]


def _selected(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def rules_of(
    name: str, roles: list[dict[str, Any]], seen: frozenset[str] = frozenset()
) -> list[Any]:
    """The rules of ClusterRole `name`, its aggregated roles' included (recursively)."""
    role = next(r for r in roles if r["metadata"]["name"] == name)
    rules = list(role.get("rules") or [])
    selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
    for other in roles:
        other_name = other["metadata"]["name"]
        labels = other["metadata"].get("labels") or {}
        if other_name in seen or other_name == name:
            continue
        if any(_selected(s, labels) for s in selectors):
            rules += rules_of(other_name, roles, seen | {name})
    return rules


def namespaced_writes(rules: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(group, resource) pairs the rules let one create, update or patch, in a namespace."""
    writes = set()
    for rule in rules:
        if WRITE_VERBS & set(rule.get("verbs") or []):
            for group in rule.get("apiGroups") or []:
                for resource in rule.get("resources") or []:
                    writes.add((group, resource))
    return writes - CLUSTER_SCOPED

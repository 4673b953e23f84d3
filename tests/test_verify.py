"""`berth verify` end to end with the real kubectl and helm: the example verifies clean, and each
way a tree can go wrong is reported on the file that holds the object, with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.example import example as example_root
from tests.support.repo import berth, copy_example

EXAMPLE = example_root()


# `berth verify` finds kubectl and helm on PATH (tests/conftest.py).
pytestmark = [pytest.mark.tools, pytest.mark.usefixtures("tools_on_path")]

PAYMENTS = "environments/dev/tenants/payments"
CHECKOUT = "environments/dev/tenants/checkout"
API_VALUES = f"{PAYMENTS}/apps/api.values.yaml"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "repo")


def edit(path: Path, old: str, new: str, *, last: bool = False) -> None:
    text = path.read_text()
    assert old in text, old
    head, _, tail = text.rpartition(old) if last else text.partition(old)
    path.write_text(head + new + tail)


def doc_line(path: Path, name: str) -> int:
    """The line of the `apiVersion:` that starts the document of the object named `name`."""
    lines = path.read_text().splitlines()
    at = lines.index(f"  name: {name}")
    return max(i for i in range(at) if lines[i].startswith("apiVersion:")) + 1


def verify_json(root: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    code, out, err = berth(root, "verify", "--env", "dev", "--format", "json", *args)
    assert err == ""
    return code, json.loads(out)["problems"]


def found(problems: list[dict[str, object]]) -> set[tuple[object, ...]]:
    return {(p["file"], p["line"], p["field"], p["message"]) for p in problems}


# What the example's tree needs in its clusters (docs/prerequisites.md), as verify reports it.
EXAMPLE_NEEDS = """\
berth: needs in the cluster: Kubernetes 1.30 or later: Pod Security admission; ValidatingAdmissionPolicy; in-place Pod resize, 1.33 or later (VPA updateMode InPlaceOrRecreate) in dev
berth: needs in the cluster: Argo CD: AppProject; Application; the Application health check in argocd-cm (environments/<env>/argocd-cm.patch.yaml)
berth: needs in the cluster: A network plugin that enforces NetworkPolicy: NetworkPolicy
berth: needs in the cluster: An ingress controller: IngressClass nginx
berth: needs in the cluster: cert-manager: ClusterIssuer letsencrypt
berth: needs in the cluster: external-dns: Ingress hosts (external-dns.alpha.kubernetes.io/hostname)
berth: needs in the cluster: External Secrets Operator: ClusterSecretStore aws-parameter-store
berth: needs in the cluster: CloudNativePG: Cluster; ScheduledBackup
berth: needs in the cluster: CSI volume snapshots: a default VolumeSnapshotClass
berth: needs in the cluster: Velero: Schedules in namespace velero; a default BackupStorageLocation; volume snapshots
berth: needs in the cluster: Prometheus Operator: PrometheusRule; ServiceMonitor
berth: needs in the cluster: metrics-server: HorizontalPodAutoscaler on CPU or memory in prod
berth: needs in the cluster: Vertical Pod Autoscaler: recommender (updateMode Off); recommender, updater and admission controller (updateMode InPlaceOrRecreate) in dev
berth: needs in the cluster: Grafana's dashboard sidecar: ConfigMaps labelled grafana_dashboard
"""


def test_the_example_verifies_clean_in_every_environment() -> None:
    code, out, err = berth(EXAMPLE, "verify")
    assert (code, err) == (0, ""), out
    assert out.startswith("berth: 3 environment(s), 79 Applications, ")
    assert out.endswith(
        " objects: valid against their schemas (Kubernetes 1.34), each in its destination"
        " namespace and allowed by its project; runtime flows allowed and denied as the requests"
        " say (2 cluster(s), 3 network-config-analyzer run(s))\n" + EXAMPLE_NEEDS
    )


def test_the_report_names_only_what_the_verified_environments_need(example: Path) -> None:
    # staging: no app autoscales (no metrics-server) or lets the VPA resize in place.
    code, out, err = berth(example, "verify", "--env", "staging", "--format", "json")
    assert (code, err) == (0, "")
    needs = {c["component"]: c["needs"] for c in json.loads(out)["needs"]}
    assert "metrics-server" not in needs
    assert needs["vpa"] == [{"what": "recommender (updateMode Off)", "environments": ["staging"]}]
    assert {n["what"] for n in needs["kubernetes"]} == {
        "Pod Security admission",
        "ValidatingAdmissionPolicy",
    }
    assert [n["what"] for n in needs["csi-snapshots"]] == ["a default VolumeSnapshotClass"]
    # Without the one database, nothing needs CloudNativePG or CSI snapshots.
    edit(example / "tenants/payments/apps/api.yaml", "  database: {engine: postgres, size: small}", "")  # fmt: skip
    assert berth(example, "render")[0] == 0
    code, out, err = berth(example, "verify", "--env", "staging", "--format", "json")
    assert (code, err) == (0, "")
    needs = {c["component"]: c["needs"] for c in json.loads(out)["needs"]}
    assert "cloudnative-pg" not in needs and "csi-snapshots" not in needs
    assert "vpa" in needs


def test_without_tools_it_names_the_install_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = berth(EXAMPLE, "verify")
    assert (code, out) == (2, "")
    assert err == (
        "berth: error: kubectl and helm not found on PATH; install with .ci/install-tools"
        " (it puts kubectl and helm in .tools/bin, which `make` adds to PATH)\n"
    )


WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata:
  name: {{ .Values.name }}
spec: {}
"""


def test_schema_findings_point_at_the_file_that_produced_the_object(example: Path) -> None:
    # A CRD object with an unknown field: the tenant's AppProject in argocd.yaml.
    argocd = example / PAYMENTS / "argocd.yaml"
    edit(argocd, "  sourceRepos:\n", "  sourceRepo: [x]\n  sourceRepos:\n")
    # A Deployment with a misspelt field, and a custom resource of a kind with no schema, from
    # the chart: reported on the values file of each app that renders them.
    templates = example / "blueprints/chart/templates"
    edit(templates / "deployment.yaml", "  revisionHistoryLimit: 5", "  revisionHistoryLimt: 5")
    (templates / "widget.yaml").write_text(WIDGET)
    code, problems = verify_json(example)
    assert code == 1
    project_line = doc_line(argocd, "payments-dev")
    assert (
        f"{PAYMENTS}/argocd.yaml",
        project_line,
        "AppProject/payments-dev.spec.sourceRepo",
        "unknown field",
    ) in found(problems)
    assert (API_VALUES, 1, "Deployment/api.spec.revisionHistoryLimt", "unknown field") in found(
        problems
    )
    assert (
        API_VALUES,
        1,
        "Widget/api.apiVersion",
        "no schema for example.com/v1 Widget: not a Kubernetes 1.34 kind, and no CRD in"
        " generator/crds or platform.yaml's crdDirs defines it",
    ) in found(problems)


def test_project_findings_follow_argo_cd(example: Path) -> None:
    # The project no longer whitelists Deployments.
    argocd = example / PAYMENTS / "argocd.yaml"
    edit(argocd, "  - group: apps\n    kind: Deployment\n", "")
    # An application's destination outside its project, and a source repository not allowed.
    checkout = example / CHECKOUT / "argocd.yaml"
    edit(
        checkout,
        "    namespace: checkout-dev\n  syncPolicy:",
        "    namespace: payments-dev\n  syncPolicy:",
        last=True,  # the application's, not the guardrails'
    )
    analytics = example / "environments/dev/tenants/analytics/argocd.yaml"
    edit(
        analytics,
        "repoURL: https://github.com/acme/platform.git",
        "repoURL: https://github.com/evil/fork.git",
        last=True,
    )
    # A revision other than the platform's: content verify (and the reviewers) never saw.
    edit(checkout, "targetRevision: main", "targetRevision: unreviewed", last=True)
    code, problems = verify_json(example)
    assert code == 1
    got = found(problems)
    assert (
        f"{CHECKOUT}/argocd.yaml",
        doc_line(checkout, "checkout-cart-worker-dev"),
        "Application/checkout-cart-worker-dev.spec.source.targetRevision",
        "'unreviewed' is not the platform's targetRevision 'main'",
    ) in got
    assert (
        API_VALUES,
        1,
        "Deployment/api",
        "project payments-dev does not whitelist apps/Deployment (Application payments-api-dev)",
    ) in got
    cart = doc_line(checkout, "checkout-cart-worker-dev")
    assert (
        f"{CHECKOUT}/argocd.yaml",
        cart,
        "Application/checkout-cart-worker-dev.spec.destination",
        "project checkout-dev does not allow the destination https://kubernetes.default.svc"
        " payments-dev (it allows: https://kubernetes.default.svc checkout-dev)",
    ) in got
    report = "environments/dev/tenants/analytics/argocd.yaml"
    line = doc_line(analytics, "analytics-nightly-report-dev")
    assert (
        report,
        line,
        "Application/analytics-nightly-report-dev.spec.source.repoURL",
        "project analytics-dev does not allow the source https://github.com/evil/fork.git"
        " (it allows: https://github.com/acme/platform.git)",
    ) in got
    assert (
        report,
        line,
        "Application/analytics-nightly-report-dev.spec.source.repoURL",
        "https://github.com/evil/fork.git is not this repository (https://github.com/acme/platform.git)",
    ) in got


EXTRA = """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: evil
  namespace: argocd
spec:
  sourceRepos: ["*"]
  destinations: [{server: "*", namespace: "*"}]
  clusterResourceWhitelist: [{group: "*", kind: "*"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: evil
  namespace: argocd
spec:
  project: evil
  source:
    repoURL: https://github.com/acme/platform.git
    targetRevision: main
    path: environments/dev/tenants/payments/evil
  destination: {server: https://kubernetes.default.svc, namespace: kube-system}
"""

ADMIN = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: evil
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: acme/payments}]
"""


def test_a_brace_include_is_followed_into_the_extra_file(example: Path) -> None:
    # What a merged `.argocd-source-payments-dev-argocd.yaml` would make of the Application.
    edit(
        example / "environments/dev/shards/d/payments.yaml",
        f"path: {PAYMENTS}\n    directory:\n      include: argocd.yaml",
        f"path: {PAYMENTS}\n    directory:\n      include: '{{argocd.yaml,extra.yaml}}'",
    )
    (example / PAYMENTS / "extra.yaml").write_text(EXTRA)
    (example / PAYMENTS / "evil").mkdir()
    (example / PAYMENTS / "evil/admin.yaml").write_text(ADMIN)
    code, problems = verify_json(example)
    assert code == 1
    got = found(problems)
    extra = f"{PAYMENTS}/extra.yaml"
    assert (
        extra,
        1,
        "AppProject/evil.metadata.name",
        "a tenant's Argo CD Application may create only the AppProject payments-dev"
        " (Application payments-dev-argocd)",
    ) in got
    assert (
        extra,
        1,
        "AppProject/evil.spec.destinations[0]",
        "the tenant's project may only deploy to the namespace payments-dev"
        " (Application payments-dev-argocd)",
    ) in got
    assert (
        extra,
        11,
        "Application/evil.spec.project",
        "a tenant's Applications belong to its project payments-dev (only its guardrails"
        " payments-dev from environments/dev/tenants/payments/guardrails are in platform-dev)"
        " (Application payments-dev-argocd)",
    ) in got
    assert (
        f"{PAYMENTS}/evil/admin.yaml",
        1,
        "ClusterRoleBinding/evil",
        "is cluster-scoped; the project evil of a tenant may create none (Application evil)",
    ) in got


def test_an_argocd_source_file_in_a_source_folder_is_refused(example: Path) -> None:
    name = f"{PAYMENTS}/.argocd-source-payments-dev-argocd.yaml"
    (example / name).write_text("directory:\n  include: '{argocd.yaml,extra.yaml}'\n")
    # The request loader refuses the file anywhere in the repository, so verify stops there,
    # naming it, before it builds anything.
    code, out, err = berth(example, "verify", "--env", "dev", "--format", "json")
    assert code == 1
    assert err == "berth: verify needs valid requests; fix the problems above\n"
    assert [p["file"] for p in json.loads(out)["problems"]] == [name]


def test_verify_refuses_an_argocd_source_file_on_its_own(example: Path) -> None:
    # Defence in depth: the check inside verify, where it reads a source folder.
    from generator.verify.sources import Tools, build

    name = f"{PAYMENTS}/.argocd-source-payments-dev-argocd.yaml"
    (example / name).write_text("directory:\n  include: '{argocd.yaml,extra.yaml}'\n")
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "payments-dev-argocd"},
        "spec": {"source": {"path": PAYMENTS, "directory": {"include": "argocd.yaml"}}},
    }
    built = build(str(example), app, Tools(kubectl="kubectl", helm="helm"), "x.yaml", "1.34")
    assert (
        name,
        1,
        "",
        "Argo CD merges this file into the parameters of every Application reading this"
        " folder; remove it",
    ) in built.errors


def test_every_output_format(example: Path, tmp_path: Path) -> None:
    edit(
        example / "blueprints/chart/templates/deployment.yaml",
        "  revisionHistoryLimit: 5",
        "  revisionHistoryLimt: 5",
    )
    report = tmp_path / "verify.md"
    code, out, _ = berth(
        example, "verify", "--env", "dev", "--format", "markdown", "--output", str(report)
    )
    assert code == 1
    text = report.read_text()
    assert text.startswith("### berth verify: ")
    assert (
        f"- `{API_VALUES}:1:1` `Deployment/api.spec.revisionHistoryLimt`: `unknown field`" in text
    )
    # What the tree needs in the cluster follows the problems, one component a bullet.
    assert "`: `unknown field`\n\n#### Needs in the cluster (`docs/prerequisites.md`)\n\n" in text
    assert "\n- **cert-manager**: `ClusterIssuer letsencrypt`\n" in text
    # The text report still goes to stdout for the job log.
    assert f"{API_VALUES}:1:1: Deployment/api.spec.revisionHistoryLimt: unknown field" in out
    assert "berth: needs in the cluster: cert-manager: ClusterIssuer letsencrypt\n" in out
    code, out, _ = berth(example, "verify", "--env", "dev", "--format", "github")
    assert code == 1
    assert (
        f"::error file={API_VALUES},line=1,col=1,title=Deployment/api.spec.revisionHistoryLimt::"
        in out
    )


def test_a_platform_adds_its_own_crds(example: Path) -> None:
    from tests.test_verify_rules import WIDGET_CRD

    (example / "platform/crds").mkdir(parents=True)
    (example / "platform/crds/widget.yaml").write_text(WIDGET_CRD)
    (example / "blueprints/chart/templates/widget.yaml").write_text(WIDGET)
    platform = example / "platform.yaml"
    edit(platform, "spec:\n", "spec:\n  crdDirs: [platform/crds, platform/missing]\n")
    code, out, _ = berth(example, "verify", "--env", "dev")
    assert code == 1
    assert out.splitlines()[0] == (
        "platform.yaml:7:28: spec.crdDirs[1]: 'platform/missing' is not a folder of this repository"
    )
    edit(platform, ", platform/missing]", "]")
    code, problems = verify_json(example)
    assert code == 1
    # The Widget is valid against the platform's CRD; only the tenant's project refuses it.
    assert {(p["field"], p["message"]) for p in problems if p["file"] == API_VALUES} == {
        (
            "Widget/api",
            "project payments-dev does not whitelist example.com/Widget (Application payments-api-dev)",
        )
    }


def test_a_tenants_argocd_file_can_reach_nothing_but_argo_cd_objects(example: Path) -> None:
    # A hand edit that adds a RoleBinding to a tenant's argocd.yaml (render --check refuses
    # it too): the tenants' project of its `-argocd` Application does not allow the kind, nor
    # any namespace but Argo CD's.
    argocd = example / PAYMENTS / "argocd.yaml"
    argocd.write_text(
        argocd.read_text()
        + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
        "  name: admin\n  namespace: payments-dev\nroleRef:\n"
        "  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n"
        "subjects:\n- kind: Group\n  name: acme/payments\n  apiGroup: rbac.authorization.k8s.io\n"
    )
    code, problems = verify_json(example)
    assert code == 1
    messages = {p["message"] for p in problems if p["field"] == "RoleBinding/admin"}
    assert (
        "project berth-dev-tenants does not whitelist rbac.authorization.k8s.io/RoleBinding"
        " (Application payments-dev-argocd)"
    ) in messages, problems
    namespaces = {
        p["message"] for p in problems if p["field"] == "RoleBinding/admin.metadata.namespace"
    }
    assert (
        "namespace payments-dev is not permitted in project berth-dev-tenants"
        " (Application payments-dev-argocd)"
    ) in namespaces, problems

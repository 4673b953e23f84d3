"""The example repository's applications, checked with the real tools.

Every committed values file renders with `helm template` into objects that pass the strict
Kubernetes and CRD schemas and checkov; `berth verify` (the tree as Argo CD follows it) passes;
and verify catches what it exists to catch when the tree is tampered with.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main
from generator.verify import check_objects, kind_problem
from generator.verify.kube_schema import validate_yaml_stream
from tests.support.tools import REPO, helm_template, reference, run, tool
from tests.test_chart import CHECKOV_ANNOTATED, CHECKOV_SKIPS

VALUES = sorted(REPO.glob("environments/*/tenants/*/apps/*.values.yaml"))


def release_of(path: Path) -> tuple[str, str]:
    """(release name, namespace) of a values file environments/<env>/tenants/<t>/apps/<app>."""
    env, tenant, app = path.parts[-5], path.parts[-3], path.name.removesuffix(".values.yaml")
    return app, f"{tenant}-{env}"


@cache
def rendered(path: Path) -> str:
    release, namespace = release_of(path)
    return helm_template(REPO / "blueprints" / "chart", [path], name=release, namespace=namespace)


def test_example_has_every_blueprint_and_a_database() -> None:
    blueprints = {yaml.safe_load(p.read_text())["blueprint"] for p in VALUES}
    assert blueprints == {"web-service", "worker", "cronjob"}
    assert any(yaml.safe_load(p.read_text())["database"]["enabled"] for p in VALUES)
    assert len(VALUES) == 8


@pytest.mark.parametrize("path", VALUES, ids=lambda p: "/".join(p.parts[-5:]))
def test_example_values_render_into_valid_objects(path: Path) -> None:
    reference("crds")
    text = rendered(path)
    assert validate_yaml_stream(text) == []
    _, namespace = release_of(path)
    for doc in yaml.safe_load_all(text):
        if doc:
            assert doc["metadata"]["namespace"] == namespace


def test_checkov_passes_on_the_example(tmp_path: Path) -> None:
    checkov = tool("checkov")
    out = tmp_path / "rendered"
    out.mkdir()
    for i, path in enumerate(VALUES):
        (out / f"{i}-{path.name}").write_text(rendered(path))
    args = [checkov, "-d", str(out), "--framework", "kubernetes", "--skip-download", "--compact"]
    args += ["--skip-check", ",".join(sorted(CHECKOV_SKIPS)), "-o", "json"]
    proc = run(args, cwd=tmp_path, check=False)
    report = json.loads(proc.stdout)
    results = report["results"]
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    assert proc.returncode == 0, proc.stderr
    for check in results["skipped_checks"]:
        assert check["check_id"] in CHECKOV_ANNOTATED, check["check_id"]
        assert check["check_result"].get("suppress_comment"), check["check_id"]


def berth(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def tools_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = {str(Path(tool(name)).parent) for name in ("kubectl", "helm")}
    monkeypatch.setenv("PATH", os.pathsep.join([*sorted(dirs), os.environ.get("PATH", "")]))


@pytest.mark.usefixtures("tools_on_path")
def test_verify_passes_on_the_example() -> None:
    code, out, err = berth("--root", str(REPO), "verify")
    assert (code, err) == (0, ""), out
    assert out.startswith("berth: 3 environment(s), 28 Applications, ")
    assert out.endswith(" objects: each in its destination namespace and allowed by its project\n")


def test_verify_without_tools_names_the_install_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = berth("--root", str(REPO), "verify")
    assert (code, out) == (2, "")
    assert err == (
        "berth: error: kubectl and helm not found on PATH; install with .ci/install-tools"
        " (it puts kubectl and helm in .tools/bin, which `make` adds to PATH)\n"
    )


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("platform.yaml", "tenants", "blueprints", "environments"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name)
        else:
            shutil.copy(source, repo / name)
    return repo


def _edit(path: Path, old: str, new: str, *, last: bool = False) -> None:
    text = path.read_text()
    assert old in text, old
    head, _, tail = text.rpartition(old) if last else text.partition(old)
    path.write_text(head + new + tail)


CLUSTER_ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: sneaky
rules: []
"""


@pytest.mark.usefixtures("tools_on_path")
def test_verify_catches_a_tampered_tree(example_copy: Path) -> None:
    argocd = example_copy / "environments/dev/tenants/payments/argocd.yaml"
    # The project no longer whitelists Deployments.
    _edit(argocd, "  - group: apps\n    kind: Deployment\n", "")
    # A chart template that makes a cluster-scoped object, and one that escapes the namespace.
    templates = example_copy / "blueprints/chart/templates"
    (templates / "sneaky.yaml").write_text(CLUSTER_ROLE)
    _edit(
        templates / "serviceaccount.yaml",
        '{{- include "berth.metadata" (dict "ctx" $) | nindent 2 }}',
        "name: {{ .Values.name | quote }}\n  namespace: default",
    )
    # The guardrails base gains a cluster-scoped object too.
    (example_copy / "blueprints/tenant/sneaky.yaml").write_text(CLUSTER_ROLE)
    _edit(
        example_copy / "blueprints/tenant/kustomization.yaml",
        "- namespace.yaml",
        "- namespace.yaml\n- sneaky.yaml",
    )

    code, out, err = berth("--root", str(example_copy), "verify", "--env", "dev")
    assert code == 1, out + err
    lines = out.splitlines()
    assert lines[-1] == f"berth: {len(lines) - 1} problem(s) in what Argo CD would apply"
    expected = [
        "environments/dev: Application payments-api-dev: Deployment/api: project payments-dev does"
        " not whitelist Deployment",
        "environments/dev: Application payments-api-dev: ClusterRole/sneaky: project payments-dev"
        " does not whitelist cluster-scoped ClusterRole",
        "environments/dev: Application payments-api-dev: ClusterRole/sneaky: cluster-scoped, from"
        " the tenant project payments-dev",
        "environments/dev: Application payments-api-dev: ServiceAccount/api: lands in namespace"
        " default, not in the destination payments-dev",
        "environments/dev: Application checkout-dev: ClusterRole/sneaky: project platform-dev does"
        " not whitelist cluster-scoped ClusterRole",
        "environments/dev: Application checkout-dev: ClusterRole/sneaky: the guardrails may create"
        " only their own Namespace checkout-dev",
    ]
    for line in expected:
        assert line in lines, line


@pytest.mark.usefixtures("tools_on_path")
def test_verify_reports_a_broken_build_and_a_foreign_destination(example_copy: Path) -> None:
    argocd = example_copy / "environments/dev/tenants/checkout/argocd.yaml"
    _edit(
        argocd,
        "    namespace: checkout-dev\n  syncPolicy:",
        "    namespace: payments-dev\n  syncPolicy:",
        last=True,  # the application's, not the guardrails'
    )
    values = example_copy / "environments/dev/tenants/payments/apps/api.values.yaml"
    _edit(values, "replicas: 1", 'replicas: "one"')
    code, out, _ = berth("--root", str(example_copy), "verify", "--env", "dev")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "environments/dev: Application checkout-cart-worker-dev: project checkout-dev does not"
        " allow the destination https://kubernetes.default.svc payments-dev"
    )
    assert lines[1].startswith(
        "environments/dev: Application payments-api-dev: `helm template api ...` failed: "
    )
    assert "got string, want integer" in lines[1]
    assert lines[2:] == ["berth: 2 problem(s) in what Argo CD would apply"]


def test_kind_rules_follow_argo_cd() -> None:
    project: dict[str, Any] = {
        "metadata": {"name": "p"},
        "spec": {
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "namespaceResourceWhitelist": [{"group": "apps", "kind": "*"}],
            "namespaceResourceBlacklist": [{"group": "apps", "kind": "DaemonSet"}],
        },
    }
    assert kind_problem(project, "apps", "Deployment", False) is None
    assert kind_problem(project, "apps", "DaemonSet", False) == "project p blacklists DaemonSet"
    assert kind_problem(project, "", "Secret", False) == "project p does not whitelist Secret"
    assert kind_problem(project, "", "Namespace", True) is None
    open_project: dict[str, Any] = {"metadata": {"name": "o"}, "spec": {}}
    assert kind_problem(open_project, "", "Secret", False) is None
    assert kind_problem(open_project, "", "Namespace", True) == (
        "project o does not whitelist cluster-scoped Namespace"
    )


def test_guardrails_may_put_the_velero_schedule_in_the_backup_namespace() -> None:
    from generator.load import load_repo
    from generator.validate import validate_repo

    valid, _ = validate_repo(load_repo(str(REPO)))
    assert valid is not None
    project = {
        "metadata": {"name": "platform-dev"},
        "spec": {
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "namespaceResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }
    app = {
        "metadata": {"name": "payments-dev"},
        "spec": {"destination": {"namespace": "payments-dev"}},
    }
    schedule = {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "s", "namespace": "velero"},
    }
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": "velero"},
    }
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments-dev"}}
    found = list(check_objects(valid.platform, "dev", app, project, [schedule, quota, namespace]))
    assert found == [
        "ResourceQuota/q: lands in namespace velero, not in the destination payments-dev"
    ]
    tenant_app = {
        "metadata": {"name": "payments-api-dev"},
        "spec": {"destination": {"namespace": "payments-dev"}},
    }
    tenant_project = {"metadata": {"name": "payments-dev"}, "spec": {}}
    assert list(check_objects(valid.platform, "dev", tenant_app, tenant_project, [schedule])) == [
        "Schedule/s: lands in namespace velero, not in the destination payments-dev"
    ]


def test_example_apps_pass_their_schema_and_point_editors_at_it() -> None:
    import jsonschema

    schema = json.loads((REPO / "schemas/application.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    apps = sorted(REPO.glob("tenants/*/apps/*.yaml"))
    assert len(apps) == 3
    for path in apps:
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../../schemas/application.schema.json"
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (REPO / "schemas/application.schema.json").resolve()
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))

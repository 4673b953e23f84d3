"""The admission policies, evaluated with Google's CEL as the API server would (tests/support/admission.py).

Every object Berth renders for the example (and the pods its workloads create) is admitted;
every object of the hostile catalogue (tests/cases/admission/<case>/object.yaml, with an
optional request.yaml: operation, subresource, username, requireDigest for prod) is refused
with exactly the lines of its expected.txt (empty: admitted). Update those with
`pytest --update-golden tests/test_admission.py` and review the diff.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Platform
from generator.render import admission
from generator.render import environment as env_objects
from generator.render import tenant as tenant_objects
from generator.render.admission_cel import argocd_controller
from generator.repo import layout
from generator.verify import convergence
from generator.verify import project as rules
from generator.verify.kube_schema import validate_objects
from generator.verify.sources import Tools, build, read_directory
from tests.support.admission import admit_all
from tests.support.cases import case_names, check_text, lay_over
from tests.support.example import example
from tests.support.tools import REPO, run, tool

EXAMPLE = example()
CASES = Path(__file__).parent / "cases" / "admission"
VALID = Path(__file__).parent / "cases" / "valid"
GROUP = "admissionregistration.k8s.io"


def _platform(**prod: Any) -> Platform:
    data = yaml.safe_load((EXAMPLE / layout.PLATFORM_FILE).read_text())
    for env in data["spec"]["environments"]:
        if env["name"] == "prod":
            env.update(prod)
    return Platform.model_validate(data)


def _routed(platform: Platform) -> Platform:
    """`platform` routing through a Gateway (spec.gateway): the HTTPRoute policy joins the rest."""
    gateway = {"name": "public", "namespace": "gateways", "sectionName": "https"}
    data = platform.model_dump(exclude_unset=True)
    data["spec"]["gateway"] = gateway
    return Platform.model_validate(data)


PLATFORM = _platform()
ROUTED = _routed(PLATFORM)
ARGOCD = argocd_controller(PLATFORM.spec.argocdNamespace)


def _all_policies(platform: Platform) -> list[dict[str, Any]]:
    return [o for env in platform.spec.environments for o in admission.policies(platform, env)]


def _namespace(name: str, scenario: str | None = None) -> dict[str, Any]:
    """A tenant namespace `<tenant>-<env>` as the guardrails label it; with `scenario`, that
    scenario's namespace `<tenant>-<scenario>-<env>` (generator/render/scenario.py)."""
    tenant, env = name.rsplit("-", 1)
    labels = {"berth.dev/tenant": tenant, "berth.dev/environment": env}
    if scenario is not None:
        labels |= {"berth.dev/tenant": tenant.removesuffix(f"-{scenario}")}
        labels |= {"berth.dev/scenario": scenario}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


# --- the hostile catalogue ---------------------------------------------------------------


@pytest.mark.parametrize("name", case_names(CASES))
def test_case(name: str) -> None:
    case = CASES / name
    obj = yaml.safe_load((case / "object.yaml").read_text())
    request_file = case / "request.yaml"
    request = yaml.safe_load(request_file.read_text()) if request_file.exists() else {}
    platform = _platform(requireDigest=True) if request.pop("requireDigest", False) else PLATFORM
    platform = _routed(platform)
    namespace = _namespace(obj["metadata"]["namespace"], request.pop("scenario", None))
    messages = admit_all(_all_policies(platform), obj, namespace, **request)
    check_text(case / "expected.txt", "".join(f"{m}\n" for m in messages))


def test_every_rule_has_a_denying_case() -> None:
    rules_named = {
        m.group(1)
        for policy in _all_policies(_routed(_platform(requireDigest=True)))
        for v in policy["spec"].get("validations", [])
        if (m := re.match(r"'berth/([a-z-]+): '", v["messageExpression"]))
    }
    denied = {
        line.split(":", 1)[0].removeprefix("berth/")
        for case in CASES.iterdir()
        if case.is_dir()
        for line in (case / "expected.txt").read_text().splitlines()
    }
    assert len(rules_named) >= 13
    assert rules_named <= denied, f"rules no case denies: {sorted(rules_named - denied)}"


def test_hostile_objects_are_refused_in_every_environment() -> None:
    """The catalogue runs in prod; the same objects are refused in dev and staging too."""
    refused = 0
    for name in case_names(CASES):
        if name.endswith("-admitted") or (CASES / name / "request.yaml").exists():
            continue
        expected = (CASES / name / "expected.txt").read_text()
        if "ingress-host" in expected or not expected:
            continue  # host spaces differ by environment
        obj = yaml.safe_load((CASES / name / "object.yaml").read_text())
        for env in ("dev", "staging"):
            ns = obj["metadata"]["namespace"].rsplit("-", 1)[0] + f"-{env}"
            moved = {**obj, "metadata": {**obj["metadata"], "namespace": ns}}
            assert admit_all(_all_policies(ROUTED), moved, _namespace(ns)), (name, env)
            refused += 1
    assert refused > 40


def test_other_namespaces_are_not_bound() -> None:
    obj = yaml.safe_load((CASES / "privileged" / "object.yaml").read_text())
    platform_ns = {"metadata": {"name": "ingress-nginx", "labels": {}}}
    unlabelled_env = {
        "metadata": {"name": "payments-qa", "labels": {"berth.dev/tenant": "payments"}}
    }
    for ns in (platform_ns, unlabelled_env):
        assert admit_all(_all_policies(PLATFORM), obj, ns) == []


# --- everything Berth renders is admitted -----------------------------------------------


def _rendered(env: str, repo: Path = EXAMPLE) -> list[dict[str, Any]]:
    """Every object the environment's Applications render, followed as Argo CD would."""
    tools = Tools(kubectl=tool("kubectl"), helm=tool("helm"))
    applied = read_directory(
        str(repo), layout.env_root(env), {"include": "bootstrap.yaml"}, layout.bootstrap_file(env)
    )
    queue = [at.obj for at in applied if at.obj.get("kind") == "Application"]
    seen, objects = set(), []
    while queue:
        app = queue.pop()
        name = app["metadata"]["name"]
        if name in seen:
            continue
        seen.add(name)
        built = build(str(repo), app, tools, layout.env_root(env), PLATFORM.spec.kubernetesVersion)
        assert not built.errors, built.errors
        for at in built.objects:
            objects.append(at.obj)
            if at.obj.get("kind") == "Application":
                queue.append(at.obj)
    return objects


def _pods_of(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    template = (
        spec.get("jobTemplate", {}).get("spec", {}).get("template")
        if obj.get("kind") == "CronJob"
        else spec.get("template")
    )
    if obj.get("kind") not in admission_kinds() or not template:
        return []
    meta = {"name": "pod", "namespace": obj["metadata"]["namespace"]}
    return [{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"]}]


def admission_kinds() -> set[str]:
    return {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}


@pytest.mark.tools
@pytest.mark.parametrize("env", [e.name for e in PLATFORM.spec.environments])
def test_every_rendered_object_is_admitted(env: str) -> None:
    checked = _admitted(_rendered(env))
    assert {"Pod", "Deployment", "Service", "Ingress"} <= set(checked), checked
    if env != "prod":  # analytics' nightly report runs in dev and staging only
        assert "CronJob" in checked, checked


@pytest.mark.tools
@pytest.mark.parametrize("name", case_names(VALID))
def test_every_object_of_the_held_in_cases_is_admitted(name: str, tmp_path: Path) -> None:
    """The valid render cases: their expected tree over their requests, built and admitted."""
    repo = tmp_path / "repo"
    shutil.copytree(VALID / "_base", repo)
    shutil.copytree(REPO / "blueprints", repo / "blueprints")
    lay_over(VALID / name, repo)
    shutil.copytree(VALID / name / "expected", repo, dirs_exist_ok=True)
    platform = Platform.model_validate(yaml.safe_load((repo / layout.PLATFORM_FILE).read_text()))
    checked: dict[str, int] = {}
    for env in platform.spec.environments:
        argocd = argocd_controller(platform.spec.argocdNamespace)
        routed = platform.spec.gateway is not None
        for kind, count in _admitted(_rendered(env.name, repo), argocd, routed).items():
            checked[kind] = checked.get(kind, 0) + count
    assert checked.get("ResourceQuota"), checked  # the guardrails, at least
    if platform.spec.gateway is not None:
        assert checked.get("HTTPRoute"), checked  # the shared chart's routes, held to the policy


def _admitted(
    objects: list[dict[str, Any]], argocd: str = ARGOCD, routed: bool = False
) -> dict[str, int]:
    """Admit every object in a tenant namespace (and the pods of its workloads); the count by kind."""
    namespaces = {
        o["metadata"]["name"]: o
        for o in objects
        if o.get("kind") == "Namespace" and "berth.dev/tenant" in o["metadata"].get("labels", {})
    }
    policies = [o for o in objects if o.get("apiVersion") == f"{GROUP}/v1"]
    # Synced like everything else; the HTTPRoute policy only where the platform has a Gateway.
    assert len(policies) == 2 * (len(admission.POLICY_BUILDERS) + routed)
    checked: dict[str, int] = {}
    for obj in objects:
        namespace = namespaces.get((obj.get("metadata") or {}).get("namespace", ""))
        if namespace is None:
            continue
        for candidate in [obj, *_pods_of(obj)]:
            # Argo CD applies them, as its application controller.
            found = admit_all(policies, candidate, namespace, username=argocd)
            assert found == [], (candidate["metadata"], found)
            checked[candidate["kind"]] = checked.get(candidate["kind"], 0) + 1
    return checked


# --- the policy objects themselves ---------------------------------------------------------


def test_policies_validate_strictly() -> None:
    for env in PLATFORM.spec.environments:
        objects = [
            *admission.policies(_platform(requireDigest=True, admission="Warn"), env),
            env_objects.policies_project(PLATFORM, env),
            env_objects.policies_application(PLATFORM, env),
        ]
        assert validate_objects(objects) == []


def test_committed_policies_are_the_rendered_ones() -> None:
    for env in PLATFORM.spec.environments:
        text = (EXAMPLE / layout.policies_file(env.name)).read_text()
        assert list(yaml.safe_load_all(text)) == admission.policies(PLATFORM, env)


@pytest.mark.tools
def test_checkov_is_clean_on_the_policies(tmp_path: Path) -> None:
    for env in PLATFORM.spec.environments:
        for path in (layout.policies_file(env.name), layout.bootstrap_file(env.name)):
            (tmp_path / path.replace("/", "_")).write_text((EXAMPLE / path).read_text())
    args = ["-d", str(tmp_path), "--framework", "kubernetes", "--skip-download", "--quiet"]
    proc = run([tool("checkov"), *args, "--compact"], check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.parametrize(
    ("action", "expected"), [("Deny", ["Deny"]), ("Warn", ["Warn", "Audit"]), ("Audit", ["Audit"])]
)
def test_validation_action_per_environment(action: str, expected: list[str]) -> None:
    platform = _platform(admission=action)
    for env in platform.spec.environments:
        bindings = [o for o in admission.policies(platform, env) if o["kind"].endswith("Binding")]
        assert len(bindings) == len(admission.POLICY_BUILDERS)  # no Gateway, no HTTPRoute policy
        want = expected if env.name == "prod" else ["Deny"]  # the default
        assert all(b["spec"]["validationActions"] == want for b in bindings)


def test_without_exemptions_everyone_is_checked() -> None:
    data = PLATFORM.model_dump()
    data["spec"]["admissionExempt"] = []
    platform = Platform.model_validate(data)
    for policy in admission.policies(platform, platform.spec.environments[0]):
        assert "matchConditions" not in policy["spec"]


# --- who may create and change them ---------------------------------------------------------


def test_tenants_cannot_create_or_change_the_policies() -> None:
    env = PLATFORM.spec.environments[-1]
    tenant = next(iter(_example_tenants()))
    tenant_project = tenant_objects.tenant_project(PLATFORM, env, tenant)
    platform_project = env_objects.platform_project(PLATFORM, env)
    policies_project = env_objects.policies_project(PLATFORM, env)
    for kind in admission.POLICY_KINDS:
        # A tenant's applications, and the platform project its guardrails and -argocd use.
        assert rules.kind_problem(tenant_project, GROUP, kind, cluster=True)
        assert rules.kind_problem(platform_project, GROUP, kind, cluster=True)
        assert rules.kind_problem(policies_project, GROUP, kind, cluster=True) is None
    # The policies' project grants nothing else, namespaced or cluster-scoped.
    assert rules.kind_problem(policies_project, "", "Namespace", cluster=True)
    assert rules.kind_problem(
        policies_project, "rbac.authorization.k8s.io", "ClusterRole", cluster=True
    )
    assert rules.kind_problem(policies_project, "", "ConfigMap", cluster=False)
    # A tenant's argocd.yaml cannot hold an Application in the policies' project.
    name = tenant.metadata.name
    tenant_argocd = tenant_objects.tenant_argocd_application(PLATFORM, env, tenant)
    ctx = rules.Context(
        env=env.name,
        app=tenant_argocd,
        project=platform_project,
        role=rules.role_of(tenant_argocd, env.name, {name}),
        backup_namespace=PLATFORM.spec.backupNamespace,
        repo_url=PLATFORM.spec.repoURL,
    )
    smuggled = env_objects.policies_application(PLATFORM, env)
    smuggled["metadata"]["name"] = f"{name}-sneaky-{env.name}"
    assert any("belong to its project" in m for _, m in rules.object_issues(ctx, smuggled, False))
    # And the policies' Application holds admission objects only.
    app = env_objects.policies_application(PLATFORM, env)
    role = rules.role_of(app, env.name, {name})
    assert role.kind == "policies"
    ctx = rules.Context(env.name, app, policies_project, role, "velero", PLATFORM.spec.repoURL)
    role_binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "x"},
    }
    assert list(rules.object_issues(ctx, role_binding, True))
    policy = admission.policies(PLATFORM, env)[0]
    assert list(rules.object_issues(ctx, policy, True)) == []


def _example_tenants() -> list[Any]:
    from generator.models.tenant import Tenant

    return [
        Tenant.model_validate(yaml.safe_load(p.read_text()))
        for p in sorted((EXAMPLE / layout.TENANTS_DIR).glob(f"*/{layout.TENANT_FILE}"))
    ]


def test_policies_sync_before_the_tenants() -> None:
    for env in PLATFORM.spec.environments:
        tenants = [t for t in _example_tenants() if env.name in t.spec.environments]
        batch = [
            env_objects.platform_project(PLATFORM, env),
            env_objects.policies_project(PLATFORM, env),
            env_objects.policies_application(PLATFORM, env),
            env_objects.root_application(PLATFORM, env),
            *env_objects.shard_applications(PLATFORM, env),
        ]
        assert list(convergence.batch_issues(batch, {})) == []
        waves = {o["metadata"]["name"]: convergence.wave(o) for o in batch}
        policies = waves[layout.policies_application(env.name)]
        assert policies is not None
        shards = [layout.shard_application(env.name, s) for s in layout.all_shards()]
        assert all((waves[n] or 0) > policies for n in shards)
        assert all(
            (convergence.wave(tenant_objects.tenant_argocd_application(PLATFORM, env, t)) or 0)
            > policies
            for t in tenants
        )


# --- secrets: the platform's key template and an environment's own store -----------------


def _external_secret(namespace: str, store: str, key: str) -> dict[str, Any]:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "api-secrets", "namespace": namespace},
        "spec": {
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": store},
            "data": [{"secretKey": "KEY", "remoteRef": {"key": key}}],
        },
    }


def test_key_template_and_store_per_environment() -> None:
    """tests/cases/valid/secrets-settings: keys under /apps/<tenant>/<env>/, prod's own store."""
    text = (VALID / "secrets-settings" / layout.PLATFORM_FILE).read_text()
    platform = Platform.model_validate(yaml.safe_load(text))
    policies = _all_policies(platform)

    def refused(namespace: str, store: str, key: str) -> list[str]:
        es = _external_secret(namespace, store, key)
        return admit_all(policies, es, _namespace(namespace))

    assert refused("payments-prod", "vault-prod", "/apps/payments/prod/api/key") == []
    assert refused("payments-dev", "aws-parameter-store", "/apps/payments/dev/api/key") == []
    assert refused("payments-prod", "aws-parameter-store", "/apps/payments/prod/api/key") == [
        "berth/secret-store: secretStoreRef must be {kind: ClusterSecretStore, name:"
        " vault-prod}, the store of prod"
    ]
    assert refused("payments-prod", "vault-prod", "/apps/payments/dev/api/key") == [
        "berth/secret-key: '/apps/payments/dev/api/key' is outside the keys of tenant payments"
        " in prod: keys must start with /apps/payments/prod/ (no '.' or '..' segments, no '//')"
    ]
    assert refused("payments-prod", "vault-prod", "/prod/payments/api/key")  # the default layout

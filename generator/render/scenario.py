"""A scenario in its base environment, as data: the files a tenant of its own would get there.

A scenario renders as the tenant `<tenant>-<scenario>` in its base environment, with the
scenario's size and only its apps: its namespace is then `<tenant>-<scenario>-<env>`
(generator/repo/scenario_layout.py) and it gets exactly the guardrails, AppProject, Argo CD
Applications and root entry every tenant namespace gets, so `berth verify`, the network-flow
checks and the admission policies cover it like any other. What differs, on purpose:

- its objects are labelled with the real tenant (`berth.dev/tenant`, which the admission
  policies read for the host space and the secret keys) and `berth.dev/scenario`;
- its apps read the tenant's secrets of the base environment (the Helm values are the real
  tenant's) and run the base environment's releases unless the scenario pins others;
- no backups (the Velero Schedule is deleted, and its apps' databases get no ScheduledBackup)
  and no alerts (rendered as if the platform had no `alerts`): a scenario is disposable and
  pages no one;
- no other namespace's pods reach it, nor does it reach theirs: not its base namespace, not
  another scenario, not the tenants its tenant accepts (`allowFrom`), whose pods call the base
  environment's; only the platform's (ingress controller, monitoring, DNS, the database
  operator) do, as for every tenant (docs/decisions.md, "Scenarios").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from generator.load import RawRepo
from generator.load.blueprints import Blueprint
from generator.models.application import Application
from generator.models.platform import Environment, Platform
from generator.models.scenario import Scenario
from generator.models.tenant import Tenant, TenantEnvironment
from generator.render import app as app_objects
from generator.render import tenant as tenant_objects
from generator.render import tenant_net
from generator.render.tenant import BASE_BACKUP_NAMESPACE
from generator.render.tenant_net import smp
from generator.repo import layout
from generator.repo.scenario_layout import scenario_file
from generator.validate import ValidRepo
from generator.validate.scenarios import scenario_apps

SCENARIO_LABEL = "berth.dev/scenario"
TENANT_LABEL = "berth.dev/tenant"

Documents = dict[str, tuple[str, list[dict[str, Any]]]]


def as_tenant(tenant: Tenant, scenario: Scenario) -> Tenant:
    """The tenant a scenario renders as: its name, one environment with the scenario's size."""
    name = f"{tenant.metadata.name}-{scenario.metadata.name}"
    spec = tenant.spec.model_copy(
        update={
            "description": scenario.spec.description or f"Scenario of {tenant.metadata.name}",
            "environments": {scenario.spec.base: TenantEnvironment(size=scenario.spec.size)},
            "budget": None,
            "allowFrom": [],
        }
    )
    metadata = tenant.metadata.model_copy(update={"name": name})
    return tenant.model_copy(update={"metadata": metadata, "spec": spec})


def quiet(platform: Platform) -> Platform:
    """The platform without alerting: what a scenario's objects are rendered against."""
    return platform.model_copy(update={"spec": platform.spec.model_copy(update={"alerts": None})})


ISOLATED = tenant_objects.Peers((), ())


def scenario_documents(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    scenario: Scenario,
    apps: Sequence[tuple[Application, Blueprint]],
) -> Documents:
    real = tenant.metadata.name
    quiet_platform = quiet(platform)
    pseudo = as_tenant(tenant, scenario)
    name = pseudo.metadata.name
    env = environment.name
    sources = (scenario_file(real, scenario.metadata.name), layout.PLATFORM_FILE)
    with_apps = (*sources[:1], f"{layout.apps_dir(real)}/*{layout.APP_SUFFIX}", *sources[1:])
    objects = [a for a, _ in apps]
    files: Documents = {
        layout.tenant_argocd_file(env, name): (
            layout.header(*(with_apps if apps else sources)),
            [
                tenant_objects.tenant_project(quiet_platform, environment, pseudo),
                tenant_objects.guardrails_application(quiet_platform, environment, pseudo),
                *(
                    app_objects.application(quiet_platform, environment, pseudo, a, bp)
                    for a, bp in apps
                ),
            ],
        ),
        layout.tenant_overlay_file(env, name): (
            layout.header(*sources),
            [
                _without_backup(
                    tenant_objects.overlay(quiet_platform, environment, pseudo, ISOLATED, objects)
                )
            ],
        ),
        layout.tenant_root_file(env, name): (
            layout.header(*sources),
            [tenant_objects.tenant_argocd_application(quiet_platform, environment, pseudo)],
        ),
    }
    egress = tenant_net.egress_policies(quiet_platform, layout.tenant_namespace(name, env), objects)
    if egress:
        asking = [layout.app_file(real, a.metadata.name) for a in objects if a.spec.egress]
        files[layout.tenant_egress_file(env, name)] = (
            layout.header(*asking, *sources),
            egress,
        )
    for app, blueprint in apps:
        files[layout.app_values_file(env, name, app.metadata.name)] = (
            layout.header(
                layout.app_file(real, app.metadata.name), blueprint.values_path, *sources
            ),
            [
                app_objects.values(
                    quiet_platform, environment, tenant, app, blueprint, backups=False
                )
            ],
        )
    for _, objs in files.values():
        for obj in objs:
            _relabel(obj, name, real, scenario.metadata.name)
    return files


def scenario_paths(
    environment: Environment, tenant: str, scenario: Scenario, apps: Sequence[Application]
) -> tuple[str, ...]:
    """The files `scenario_documents` writes (a unit's paths)."""
    name = f"{tenant}-{scenario.metadata.name}"
    env = environment.name
    return (
        layout.tenant_argocd_file(env, name),
        layout.tenant_overlay_file(env, name),
        layout.tenant_root_file(env, name),
        *(layout.app_values_file(env, name, a.metadata.name) for a in apps),
        *([layout.tenant_egress_file(env, name)] if any(a.spec.egress for a in apps) else []),
    )


def _without_backup(overlay: dict[str, Any]) -> dict[str, Any]:
    """The overlay with the base's Velero Schedule deleted instead of filled in."""
    patches = [
        p
        for p in overlay["patches"]
        if "Schedule" not in str(p.get("target", {}).get("kind", ""))
        and "kind: Schedule" not in str(p.get("patch", ""))
    ]
    delete = smp(
        "velero.io/v1", "Schedule", "tenant", {"$patch": "delete"}, namespace=BASE_BACKUP_NAMESPACE
    )
    return {**overlay, "patches": [delete, *patches]}


def _relabel(value: Any, pseudo: str, tenant: str, scenario: str) -> None:
    """Every label set of `value` names the real tenant and the scenario."""
    if isinstance(value, dict):
        if value.get(TENANT_LABEL) == pseudo:
            value[TENANT_LABEL] = tenant
            value[SCENARIO_LABEL] = scenario
        for item in value.values():
            _relabel(item, pseudo, tenant, scenario)
    elif isinstance(value, list):
        for item in value:
            _relabel(item, pseudo, tenant, scenario)


def as_tenants(repo: ValidRepo, raw: RawRepo) -> tuple[ValidRepo, RawRepo]:
    """`repo` and `raw` with each scenario as the tenant it renders as (its file standing for
    the tenant's), for the checks that go through every tenant namespace (verify's flows)."""
    tenants, apps = dict(repo.tenants), dict(repo.apps)
    docs, app_docs = dict(raw.tenants), dict(raw.apps)
    for name, scenarios in sorted(repo.scenarios.items()):
        tenant = repo.tenants.get(name)
        for scenario in scenarios.values():
            environment = repo.platform.spec.environment(scenario.spec.base)
            if tenant is None or environment is None:
                continue
            present = [
                a
                for a in repo.apps.get(name, {}).values()
                if environment.name in a.spec.environments
            ]
            chosen = scenario_apps(name, scenario, environment, present)
            pseudo = as_tenant(tenant, scenario)
            tenants[pseudo.metadata.name] = pseudo
            apps[pseudo.metadata.name] = {a.metadata.name: a for a in chosen}
            doc = raw.scenarios.get(name, {}).get(scenario.metadata.name)
            if doc is not None:
                docs[pseudo.metadata.name] = doc
            wanted = {a.metadata.name for a in chosen}
            app_docs[pseudo.metadata.name] = {
                stem: d for stem, d in raw.apps.get(name, {}).items() if stem in wanted
            }
    return replace(repo, tenants=tenants, apps=apps), replace(raw, tenants=docs, apps=app_docs)

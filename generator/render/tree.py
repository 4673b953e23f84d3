"""The whole generated tree, as units of files that can be built independently.

A unit is the files one (tenant, environment) pair produces (its entry in the environment's root
included), or one environment's own root files, which depend on no tenant. Its `key` digests
everything its bytes depend on, so the write stage (`generator/write/`) can skip building units
whose files on disk already match, which keeps a no-op `render --check` and a one-tenant change
far cheaper than a full render at 1,000 tenants. The same files as data (`Documents`: the
objects before the emitter writes them) are what the plan compares (`unit_documents`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.load.blueprints import Blueprint
from generator.models.application import Application
from generator.models.charts import ChartApplication
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.render import admission, tenant_net
from generator.render import app as app_objects
from generator.render import chart_app as chart_objects
from generator.render import environment as env_objects
from generator.render import tenant as tenant_objects
from generator.render.argocd_cm import argocd_cm_patch
from generator.render.readme import environments_readme
from generator.render.scenario import scenario_documents, scenario_paths
from generator.repo import layout
from generator.repo.fingerprint import generator_fingerprint
from generator.repo.selection import EVERYTHING, Selection
from generator.validate import ValidRepo
from generator.validate.scenarios import scenario_apps
from generator.yamlio.writer import dump_all

# A generated YAML file as data: its header comments and the objects it holds (path -> both).
Documents = dict[str, tuple[str, list[dict[str, Any]]]]


@dataclass(frozen=True)
class Unit:
    key: str
    paths: tuple[str, ...]
    build: Callable[[], dict[str, str]]


def texts(documents: Documents) -> dict[str, str]:
    """The files `documents` stand for, as the emitter writes them."""
    return {
        path: head + (dump_all(objects) if objects else "[]\n")
        for path, (head, objects) in documents.items()
    }


def _key(*parts: object, base: Any = None) -> str:
    """Digest of the generator's code and `parts`; `base` continues a hasher made by `_hasher`."""
    digest = base.copy() if base is not None else _hasher()
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else str(part).encode())
    return str(digest.hexdigest())


def _hasher(*parts: object) -> Any:
    """A sha256 already fed the generator's fingerprint and `parts`, to be copied per unit."""
    digest = hashlib.sha256(generator_fingerprint().encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(str(part).encode())
    return digest


AppsInEnv = Sequence[tuple[Application, Blueprint]]  # a tenant's applications in one environment
ChartsInEnv = Sequence[ChartApplication]  # a tenant's third-party charts in one environment


def tenant_files(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    peer: tenant_objects.Peers,
    apps: AppsInEnv = (),
    charts: ChartsInEnv = (),
) -> dict[str, str]:
    return texts(tenant_documents(platform, environment, tenant, peer, apps, charts))


def tenant_documents(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    peer: tenant_objects.Peers,
    apps: AppsInEnv = (),
    charts: ChartsInEnv = (),
) -> Documents:
    name = tenant.metadata.name
    sources = (layout.tenant_file(name), layout.PLATFORM_FILE)
    argocd_sources = (
        (
            layout.tenant_file(name),
            f"{layout.apps_dir(name)}/*{layout.APP_SUFFIX}",
            layout.PLATFORM_FILE,
        )
        if apps or charts
        else sources
    )
    files: Documents = {
        layout.tenant_argocd_file(environment.name, name): (
            layout.header(*argocd_sources),
            [
                chart_objects.with_chart_repos(
                    platform, tenant_objects.tenant_project(platform, environment, tenant), charts
                ),
                tenant_objects.guardrails_application(platform, environment, tenant),
                *(app_objects.application(platform, environment, tenant, a, bp) for a, bp in apps),
                *(
                    chart_objects.chart_application(platform, environment, tenant, c)
                    for c in charts
                ),
                *(
                    chart_objects.extras_application(platform, environment, tenant, c)
                    for c in charts
                    if chart_objects.has_extras(environment, c)
                ),
            ],
        ),
        layout.tenant_overlay_file(environment.name, name): (
            layout.header(*sources),
            [tenant_objects.overlay(platform, environment, tenant, peer, [a for a, _ in apps])],
        ),
        # The tenant's entry in the environment's root, read by its shard's Application.
        layout.tenant_root_file(environment.name, name): (
            layout.header(*sources),
            [tenant_objects.tenant_argocd_application(platform, environment, tenant)],
        ),
    }
    egress = tenant_net.egress_policies(
        platform, layout.tenant_namespace(name, environment.name), [a for a, _ in apps]
    )
    if egress:
        app_sources = [layout.app_file(name, a.metadata.name) for a, _ in apps if a.spec.egress]
        files[layout.tenant_egress_file(environment.name, name)] = (
            layout.header(*app_sources, layout.PLATFORM_FILE),
            egress,
        )
    for chart in charts:
        if chart_objects.has_extras(environment, chart):
            files[chart_objects.extras_file(environment, tenant, chart)] = (
                layout.header(layout.app_file(name, chart.metadata.name), layout.PLATFORM_FILE),
                chart_objects.extras(platform, environment, tenant, chart),
            )
    for app, blueprint in apps:
        app_name = app.metadata.name
        files[layout.app_values_file(environment.name, name, app_name)] = (
            layout.header(
                layout.app_file(name, app_name), blueprint.values_path, layout.PLATFORM_FILE
            ),
            [app_objects.values(platform, environment, tenant, app, blueprint)],
        )
    return files


def shards_readme(platform: Platform, environment: Environment) -> str:
    """Keeps `shards/` in git with no tenant, and says what it is to whoever opens it."""
    return (
        f"<!-- {layout.GENERATED_MARK} from {layout.PLATFORM_FILE}. Do not edit: run `berth render`. -->\n"
        f"# The tenants' Applications of {environment.name}\n\n"
        f"One file per tenant, `<shard>/<tenant>.yaml`, holding its Application"
        f" `<tenant>-{environment.name}-argocd`; `<shard>` is a hex digit of the sha256 of the tenant's"
        f" name. Each shard is read as a plain directory by its own Application"
        f" `{layout.shard_application(environment.name, '<shard>')}` ({layout.shards_file(environment.name)}),"
        f" so no Application of the root reads more than a sixteenth of the tenants.\n"
    )


def environment_files(platform: Platform, environment: Environment) -> dict[str, str]:
    """The environment's own files: nothing in them depends on its tenants."""
    return {
        **texts(environment_documents(platform, environment)),
        layout.shards_readme(environment.name): shards_readme(platform, environment),
    }


def environment_documents(platform: Platform, environment: Environment) -> Documents:
    bootstrap_note = (
        f"# Apply once by hand to bootstrap {environment.name}:"
        f" kubectl apply -n {platform.spec.argocdNamespace} -f {layout.bootstrap_file(environment.name)}\n"
        "# From then on the root Application manages itself and everything below it.\n"
    )
    return {
        layout.bootstrap_file(environment.name): (
            layout.header(layout.PLATFORM_FILE) + bootstrap_note,
            [
                env_objects.platform_project(platform, environment),
                env_objects.tenants_project(platform, environment),
                env_objects.policies_project(platform, environment),
                env_objects.policies_application(platform, environment),
                env_objects.root_application(platform, environment),
            ],
        ),
        layout.policies_file(environment.name): (
            layout.header(layout.PLATFORM_FILE),
            admission.policies(platform, environment),
        ),
        layout.shards_file(environment.name): (
            layout.header(layout.PLATFORM_FILE),
            env_objects.shard_applications(platform, environment),
        ),
        layout.argocd_cm_patch_file(environment.name): argocd_cm_patch(platform, environment),
    }


def units(repo: ValidRepo, selection: Selection = EVERYTHING) -> list[Unit]:
    """Every unit of the tree; of the tenants, only those in `only` when it is given (a
    scoped check: the environments' units are always there)."""
    platform = repo.platform
    platform_json = platform.model_dump_json()
    out: list[Unit] = []
    tenant_json = {name: tenant.model_dump_json() for name, tenant in repo.tenants.items()}
    chart_json = {
        (tenant, name): app.model_dump_json()
        for tenant, apps in repo.chart_apps.items()
        for name, app in apps.items()
    }
    app_json = {
        (tenant, name): app.model_dump_json()
        for tenant, apps in repo.apps.items()
        for name, app in apps.items()
    }
    readme_path = f"{layout.ENVIRONMENTS_DIR}/README.md"
    out.append(
        Unit(
            _key("readme", platform_json),
            (readme_path,),
            lambda: {readme_path: environments_readme(platform)},
        )
    )
    for env in platform.spec.environments:
        present = _present(repo, env)
        out.append(_environment_unit(platform, platform_json, env))
        env_peers = tenant_objects.peers(repo.tenants, env.name)
        base = _hasher("tenant", platform_json, env.name)  # shared by the env's tenant units
        for name in present:
            if not selection.holds(name):
                continue
            tenant = repo.tenants[name]
            apps = _apps(repo, env, name)
            # A changed blueprint (template or chart) re-renders every application using it.
            apps_key = json.dumps([[app_json[name, a.metadata.name], bp.digest] for a, bp in apps])
            charts = _charts(repo, env, name)
            charts_key = json.dumps([chart_json[name, c.metadata.name] for c in charts])
            key = _key(
                tenant_json[name],
                json.dumps([env_peers[name].allowed_in, env_peers[name].allowed_out]),
                apps_key,
                charts_key,
                base=base,
            )
            out.append(_tenant_unit(key, platform, env, tenant, env_peers[name], apps, charts))
        out += _scenario_units(repo, env, selection, base)
    return out


def _scenario_units(
    repo: ValidRepo,
    environment: Environment,
    selection: Selection,
    base: Any,
) -> list[Unit]:
    """The scenarios based on `environment` (generator/render/scenario.py), a unit each."""
    out: list[Unit] = []
    for name, scenarios in sorted(repo.scenarios.items()):
        if (
            not selection.holds(name)
            or environment.name not in repo.tenants[name].spec.environments
        ):
            continue
        tenant = repo.tenants[name]
        for scenario in scenarios.values():
            if scenario.spec.base != environment.name:
                continue
            chosen = scenario_apps(
                name, scenario, environment, [a for a, _ in _apps(repo, environment, name)]
            )
            apps = [(a, repo.blueprints[a.spec.blueprint]) for a in chosen]
            key = _key(
                "scenario",
                tenant.model_dump_json(),
                scenario.model_dump_json(),
                json.dumps([a.model_dump_json() for a in chosen]),
                json.dumps([bp.digest for _, bp in apps]),
                base=base,
            )
            paths = scenario_paths(environment, name, scenario, chosen)
            out.append(
                Unit(
                    key,
                    paths,
                    lambda t=tenant, s=scenario, a=apps: texts(  # type: ignore[misc]
                        scenario_documents(repo.platform, environment, t, s, a)
                    ),
                )
            )
    return out


def _present(repo: ValidRepo, environment: Environment) -> list[str]:
    return [name for name, t in repo.tenants.items() if environment.name in t.spec.environments]


def _apps(repo: ValidRepo, environment: Environment, tenant: str) -> AppsInEnv:
    return [
        (app, repo.blueprints[app.spec.blueprint])
        for app in repo.apps.get(tenant, {}).values()
        if environment.name in app.spec.environments
    ]


def _charts(repo: ValidRepo, environment: Environment, tenant: str) -> ChartsInEnv:
    return [
        app
        for app in repo.chart_apps.get(tenant, {}).values()
        if environment.name in app.spec.environments
    ]


def unit_documents(
    repo: ValidRepo,
    env_name: str,
    tenant: str | None,
    peers: Mapping[str, tenant_objects.Peers] | None = None,
) -> Documents:
    """The objects of one unit's files, built alone (no other unit, no key): an environment's
    root (tenant None) or a tenant's files in one environment; {} where there is no such unit.
    For readers that compare objects (the plan) of a few files out of thousands; `peers`: the
    environment's `tenant_objects.peers`, when the caller builds several of its units."""
    env = repo.platform.spec.environment(env_name)
    if env is None:
        return {}
    if tenant is None:
        return environment_documents(repo.platform, env)
    if tenant not in repo.tenants or env.name not in repo.tenants[tenant].spec.environments:
        return {}
    peer = (peers if peers is not None else tenant_objects.peers(repo.tenants, env.name))[tenant]
    return tenant_documents(
        repo.platform,
        env,
        repo.tenants[tenant],
        peer,
        _apps(repo, env, tenant),
        _charts(repo, env, tenant),
    )


def _environment_unit(platform: Platform, platform_json: str, environment: Environment) -> Unit:
    paths = (
        layout.bootstrap_file(environment.name),
        layout.shards_file(environment.name),
        layout.shards_readme(environment.name),
        layout.policies_file(environment.name),
        layout.argocd_cm_patch_file(environment.name),
    )
    key = _key("env", platform_json, environment.name)
    return Unit(key, paths, lambda: environment_files(platform, environment))


def _tenant_unit(
    key: str,
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    peer: tenant_objects.Peers,
    apps: AppsInEnv = (),
    charts: ChartsInEnv = (),
) -> Unit:
    name = tenant.metadata.name
    paths = (
        layout.tenant_argocd_file(environment.name, name),
        layout.tenant_overlay_file(environment.name, name),
        layout.tenant_root_file(environment.name, name),
        *(layout.app_values_file(environment.name, name, app.metadata.name) for app, _ in apps),
        *(
            chart_objects.extras_file(environment, tenant, c)
            for c in charts
            if chart_objects.has_extras(environment, c)
        ),
        *(
            [layout.tenant_egress_file(environment.name, name)]
            if any(a.spec.egress for a, _ in apps)
            else []
        ),
    )
    return Unit(key, paths, lambda: tenant_files(platform, environment, tenant, peer, apps, charts))

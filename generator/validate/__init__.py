"""The second stage: from loaded documents to a valid repository, or every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from generator.load import RawRepo
from generator.models.application import Application
from generator.models.charts import ChartApplication, is_chart_app
from generator.models.errors import validate_model
from generator.models.examples import platform_examples
from generator.models.platform import Platform
from generator.models.scenario import Scenario
from generator.models.system import System
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo.selection import EVERYTHING, Selection
from generator.repo.today import today
from generator.validate.api_rules import check_systems_and_apis, validate_systems
from generator.validate.app_rules import check_apps
from generator.validate.chart_rules import check_chart_apps
from generator.validate.hosts import check_platform_hosts
from generator.validate.rules import check_namespaces_unique, check_platform, check_tenant
from generator.validate.scenarios import Context, check_scenarios, read_scenarios
from generator.yamlio.reader import Document

if TYPE_CHECKING:
    from generator.load.blueprints import Blueprint


@dataclass(frozen=True)
class ValidRepo:
    """Requests that passed every check; the only input `render` accepts."""

    root: str
    platform: Platform
    tenants: dict[str, Tenant]  # by name, sorted
    apps: dict[str, dict[str, Application]] = field(default_factory=dict)  # tenant -> name, sorted
    blueprints: dict[str, Blueprint] = field(default_factory=dict)  # by name
    # Third-party charts (`blueprint: chart`), tenant -> name, sorted; never also in `apps`.
    chart_apps: dict[str, dict[str, ChartApplication]] = field(default_factory=dict)
    # The tenants a scoped check did not read (generator/repo/scope.py): they exist, unchanged.
    others: frozenset[str] = frozenset()
    scenarios: dict[str, dict[str, Scenario]] = field(default_factory=dict)  # tenant -> name
    systems: dict[str, dict[str, System]] = field(default_factory=dict)  # tenant -> name, sorted

    @property
    def tenant_names(self) -> list[str]:
        """Every tenant of the repository, read or not, sorted."""
        return sorted(self.tenants.keys() | self.others)


def _learn(raw: RawRepo, doc: Document, model: BaseModel | None) -> None:
    if raw.cache is not None and model is not None and doc.model_json is None:
        raw.cache.learn(doc, model.model_dump_json())


Apps = dict[str, dict[str, tuple[Application, Document]]]
ChartApps = dict[str, dict[str, tuple[ChartApplication, Document]]]


def _read_apps(
    raw: RawRepo, context: dict[str, Any] | None
) -> tuple[Apps, ChartApps, list[Problem]]:
    """Every app request through its model: the chart's for `blueprint: chart`, else the
    shared chart's; the valid ones per tenant folder and file stem."""
    apps: Apps = {}
    charts: ChartApps = {}
    problems: list[Problem] = []
    for folder, docs in raw.apps.items():
        for stem, doc in docs.items():
            if is_chart_app(doc):
                chart_app, found = validate_model(ChartApplication, doc, context)
                _learn(raw, doc, chart_app)
                problems += found
                if chart_app is not None:
                    charts.setdefault(folder, {})[stem] = (chart_app, doc)
                continue
            app, found = validate_model(Application, doc, context)
            _learn(raw, doc, app)
            problems += found
            if app is not None:
                apps.setdefault(folder, {})[stem] = (app, doc)
    return apps, charts, problems


def validate_repo(
    raw: RawRepo, selection: Selection = EVERYTHING
) -> tuple[ValidRepo | None, list[Problem]]:
    """Every check of `raw`; with a partial `selection` (a scoped check, generator/repo/scope.py),
    the per-tenant rules run for its tenants alone: the others' requests are the base's, which passed."""
    problems = list(raw.problems)
    platform: Platform | None = None
    if raw.platform is not None:
        platform, found = validate_model(Platform, raw.platform)
        _learn(raw, raw.platform, platform)
        problems += found
        if platform is not None:
            problems += check_platform(platform, raw.platform)
            problems += check_platform_hosts(platform, raw.platform)

    tenants: dict[str, tuple[Tenant, Document]] = {}
    for folder, doc in raw.tenants.items():
        tenant, found = validate_model(Tenant, doc)
        _learn(raw, doc, tenant)
        problems += found
        if tenant is not None:
            tenants[folder] = (tenant, doc)

    if platform is not None:
        # allowFrom may name any tenant folder that exists, valid or not: a broken neighbour
        # is reported on its own file, not as "unknown tenant" on every file that names it.
        known = (
            frozenset(raw.tenants)
            | raw.unloaded
            | frozenset(p.file.split("/")[1] for p in raw.problems if p.file.startswith("tenants/"))
        )
        for folder, (tenant, doc) in tenants.items():
            if selection.holds(folder):
                problems += check_tenant(platform, folder, tenant, doc, known)
        problems += check_namespaces_unique(tenants)

    apps, charts, found = _read_apps(raw, platform_examples(platform))
    problems += found
    if platform is not None and raw.platform is not None:
        problems += check_apps(
            platform,
            raw.platform,
            tenants,
            apps,
            raw.blueprints,
            frozenset(raw.tenants) | raw.unloaded,
            charts,
        )
        problems += check_chart_apps(
            platform,
            raw.root,
            tenants,
            charts,
            frozenset(raw.tenants) | raw.unloaded,
            apps,
            raw.platform,
        )

    scenarios, found = read_scenarios(raw.scenarios, lambda doc, m: _learn(raw, doc, m))
    problems += found
    if platform is not None and scenarios:
        problems += check_scenarios(
            Context(platform, tenants, apps, raw.changed, today()), scenarios
        )

    systems, found = validate_systems(raw.systems)
    problems += found
    problems += check_systems_and_apis(
        {folder: t for folder, (t, _) in tenants.items()}, systems, raw.systems, apps, raw.unloaded
    )

    problems = sorted(set(problems))
    if platform is None or any(p.severity == "error" for p in problems):
        return None, problems
    valid = ValidRepo(
        root=raw.root,
        platform=platform,
        tenants={
            t.metadata.name: t
            for t, _ in sorted(tenants.values(), key=lambda td: td[0].metadata.name)
        },
        apps={
            folder: {stem: app for stem, (app, _) in sorted(apps[folder].items())}
            for folder in sorted(apps)
        },
        chart_apps={
            folder: {stem: app for stem, (app, _) in sorted(charts[folder].items())}
            for folder in sorted(charts)
        },
        blueprints={name: b for name, b in raw.blueprints.items() if b is not None},
        others=raw.unloaded,
        scenarios={
            folder: {stem: s for stem, (s, _) in sorted(scenarios[folder].items())}
            for folder in sorted(scenarios)
        },
        systems={folder: dict(sorted(systems[folder].items())) for folder in sorted(systems)},
    )
    return valid, problems

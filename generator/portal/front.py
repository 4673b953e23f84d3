"""The front doors' generated files: the Backstage catalog, its templates and the issue forms.

Written by `render` next to CODEOWNERS (outside `environments/`, rebuilt in full on every run,
which costs little next to the tree: bench/results.md) so that a request, a changed
platform.yaml or a changed model shows up in all of them at once and `render --check` notices
any that is stale.
"""

from __future__ import annotations

from generator.portal import backstage as templates
from generator.portal import catalog, new_system, scenario_template
from generator.portal.catalog_charts import chart_entities
from generator.portal.issue_forms import form_files
from generator.portal.scenario_catalog import scenario_entities
from generator.repo import layout
from generator.repo.selection import EVERYTHING, Selection
from generator.validate import ValidRepo
from generator.yamlio.writer import dump, dump_all


def catalog_files(
    repo: ValidRepo, templates: list[str], selection: Selection = EVERYTHING
) -> dict[str, str]:
    files: dict[str, str] = {}
    for name, tenant in repo.tenants.items():
        if not selection.holds(name):
            continue
        apps = repo.apps.get(name, {})
        systems = repo.systems.get(name, {})
        charts = repo.chart_apps.get(name, {})
        sources = [layout.tenant_file(name)]
        if apps or charts:
            sources.append(f"{layout.apps_dir(name)}/*{layout.APP_SUFFIX}")
        if systems:
            sources.append(f"{layout.systems_dir(name)}/*{layout.APP_SUFFIX}")
        files[layout.catalog_tenant_file(name)] = layout.header(
            *sources, layout.PLATFORM_FILE
        ) + dump_all(
            [
                *catalog.tenant_entities(repo.platform, tenant, apps, systems),
                *chart_entities(repo.platform, tenant, charts),
                *scenario_entities(repo, name),
            ]
        )
    files[layout.CATALOG_LOCATION_FILE] = layout.header(
        "tenants/*/tenant.yaml", layout.PLATFORM_FILE
    ) + dump(catalog.location(repo.tenant_names, templates))
    return files


def template_files(repo: ValidRepo) -> dict[str, str]:
    files: dict[str, str] = {}
    for name in templates.TEMPLATES:
        files[layout.catalog_template_file(name)] = layout.header(*TEMPLATE_SOURCES) + dump(
            templates.template(name, repo.platform, repo.blueprints)
        )
    for kind in templates.SKELETONS:
        files[templates.skeleton_file(kind)] = templates.skeleton(kind)
    files[layout.catalog_template_file(new_system.NAME)] = layout.header(
        layout.PLATFORM_FILE, "tenants/*/tenant.yaml"
    ) + dump(new_system.template(repo.platform, repo.tenant_names))
    files[f"{layout.CATALOG_DIR}/templates/skeletons/{new_system.SKELETON}"] = new_system.skeleton()
    return files


TEMPLATE_SOURCES = (
    layout.PLATFORM_FILE,
    "blueprints/*/blueprint.yaml",
    "generator/models/forms.py",
)


def front_files(repo: ValidRepo, selection: Selection = EVERYTHING) -> dict[str, str]:
    """Every front-door file `render` writes besides environments/ and CODEOWNERS (of the
    tenants' catalog files, those `selection` holds)."""
    return {
        **catalog_files(
            repo,
            [*templates.TEMPLATES, new_system.NAME, *scenario_template.names(repo.platform)],
            selection,
        ),
        **template_files(repo),
        **scenario_template.files(repo.platform),
        **form_files(repo.platform, repo.blueprints),
    }

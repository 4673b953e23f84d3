"""What a release reads before it edits: the platform and one tenant's applications.

`berth bump` and `berth promote` validate the whole repository once, after the edit (and
refuse an edit it does not survive). Before it they need only platform.yaml and the
requests of the tenant named on the command line, read with the same loader and models:
at 1,000 tenants, validating everything twice would cost seconds a release should not.
The tenant's name is checked (release.parse_target) before it becomes a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TypeVar

from generator.load import is_regular_file
from generator.models.application import Application
from generator.models.charts import ChartApplication, is_chart_app
from generator.models.errors import validate_model
from generator.models.platform import Platform
from generator.problems import BerthError, Problem
from generator.repo import layout
from generator.yamlio.reader import Document, LoadError, load_request

M = TypeVar("M", Platform, Application, ChartApplication)


@dataclass(frozen=True)
class TenantRequests:
    platform: Platform
    tenant: str
    exists: bool  # tenants/<tenant>/tenant.yaml is there
    apps: dict[str, Application]  # by name, sorted
    charts: dict[str, ChartApplication] = field(default_factory=dict)  # `blueprint: chart`


def read_tenant(root: str, tenant: str) -> TenantRequests:
    platform = _model(root, layout.PLATFORM_FILE, Platform)
    exists = is_regular_file(os.path.join(root, layout.tenant_file(tenant)))
    apps: dict[str, Application] = {}
    charts: dict[str, ChartApplication] = {}
    folder = os.path.join(root, layout.apps_dir(tenant))
    if exists and os.path.isdir(folder) and not os.path.islink(folder):
        for name in sorted(os.listdir(folder)):
            if name.endswith(layout.APP_SUFFIX) and not name.startswith("."):
                path = f"{layout.apps_dir(tenant)}/{name}"
                doc, stem = _load(root, path), name[: -len(layout.APP_SUFFIX)]
                if is_chart_app(doc):
                    charts[stem] = _valid(doc, ChartApplication)
                else:
                    apps[stem] = _valid(doc, Application)
    return TenantRequests(platform, tenant, exists, apps, charts)


def _load(root: str, path: str) -> Document:
    try:
        return load_request(os.path.join(root, path), path)
    except LoadError as exc:
        raise BerthError([exc.problem]) from None


def _model(root: str, path: str, model: type[M]) -> M:
    return _valid(_load(root, path), model)


def _valid(doc: Document, model: type[M]) -> M:
    found, problems = validate_model(model, doc)
    if found is None:
        stop: list[Problem] = [p for p in problems if p.severity == "error"]
        raise BerthError([*stop, Problem("<repository>", 1, 1, "", "fix these first")])
    return found

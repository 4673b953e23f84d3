"""The catalog's API entities and the tenant's own Systems (see catalog.py for the rest).

An application's `api` becomes API `<tenant>/<app>`, provided by Component `<tenant>/<app>`
and part of the same System. Its definition is read by Backstage through a `$text`
substitution: an https URL as given, a path as a file of the application's repository, which
the "New application" template creates as `<tenant>-<app>` next to the platform repository
on its `main` branch (portal/new_repository.py); an application whose repository lives
elsewhere gives an https URL. Backstage reads the URL with its integration for that host.
"""

from __future__ import annotations

from typing import Any

from generator.models.api import Api
from generator.models.application import Application
from generator.models.platform import Platform
from generator.models.system import System
from generator.portal.backstage import is_gitlab, repository
from generator.portal.new_repository import DEFAULT_BRANCH
from generator.repo import layout

API_VERSION = "backstage.io/v1alpha1"


def _ref(kind: str, namespace: str, name: str) -> str:
    return f"{kind}:{namespace}/{name}"


def app_system_ref(tenant: str, app: Application) -> str:
    """The System an application is part of: the one it names, or the tenant's own."""
    return _ref("system", tenant, app.spec.system or tenant)


def api_ref(consumer_tenant: str, target: str) -> str:
    """`<app>` or `<tenant>/<app>` of `consumes`, as the provider's API entity reference."""
    tenant, _, app = target.rpartition("/")
    return _ref("api", tenant or consumer_tenant, app)


def definition_url(platform: Platform, tenant: str, app: str, api: Api) -> str:
    if api.definition.startswith("https://"):
        return api.definition
    host, owner, _ = repository(platform)
    blob = "-/blob" if is_gitlab(platform) else "blob"
    return f"https://{host}/{owner}/{tenant}-{app}/{blob}/{DEFAULT_BRANCH}/{api.definition}"


def api_entity(
    platform: Platform, tenant: str, app: Application, api: Api, lifecycle: str
) -> dict[str, Any]:
    name = app.metadata.name
    return {
        "apiVersion": API_VERSION,
        "kind": "API",
        "metadata": {
            "name": name,
            "namespace": tenant,
            "description": f"The {api.type} API of {name}",
            "annotations": {"berth.dev/request": layout.app_file(tenant, name)},
            "tags": [api.type],
        },
        "spec": {
            "type": api.type,
            "lifecycle": lifecycle,
            "owner": _ref("group", tenant, tenant),
            "system": app_system_ref(tenant, app),
            "definition": {"$text": definition_url(platform, tenant, name, api)},
        },
    }


def system_entity(tenant: str, system: System) -> dict[str, Any]:
    name = system.metadata.name
    return {
        "apiVersion": API_VERSION,
        "kind": "System",
        "metadata": {
            "name": name,
            "namespace": tenant,
            "description": system.spec.description,
            "annotations": {"berth.dev/request": layout.system_file(tenant, name)},
        },
        "spec": {"owner": _ref("group", tenant, tenant)},
    }

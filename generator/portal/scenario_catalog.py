"""A Backstage Resource per scenario (docs/requests.md#scenarios), in its tenant's catalog file:
where it runs, its namespace and its expiry, owned by the tenant's Group, part of its System.

Its name is `<scenario>-scenario`: an application's database Resource is `<app>-db`, so the
two suffixes keep every Resource name of a tenant distinct.
"""

from __future__ import annotations

from typing import Any

from generator.portal.catalog import API_VERSION, group_ref, system_ref
from generator.repo.scenario_layout import scenario_file, scenario_namespace
from generator.validate import ValidRepo


def scenario_entities(repo: ValidRepo, tenant: str) -> list[dict[str, Any]]:
    entities = []
    for name, scenario in sorted(repo.scenarios.get(tenant, {}).items()):
        base = scenario.spec.base
        namespace = scenario_namespace(tenant, name, base)
        entities.append(
            {
                "apiVersion": API_VERSION,
                "kind": "Resource",
                "metadata": {
                    "name": f"{name}-scenario",
                    "namespace": tenant,
                    "title": f"{tenant}/{name} (scenario in {base} until {scenario.spec.expires})",
                    "description": scenario.spec.description
                    or f"Scenario {name} of {tenant} in {base}",
                    "annotations": {
                        "berth.dev/request": scenario_file(tenant, name),
                        "berth.dev/expires": scenario.spec.expires,
                        "berth.dev/environments": base,
                        "berth.dev/namespaces": namespace,
                        "backstage.io/kubernetes-namespace": namespace,
                    },
                    "tags": ["scenario"],
                },
                "spec": {
                    "type": "environment",
                    "owner": group_ref(tenant),
                    "system": system_ref(tenant),
                },
            }
        )
    return entities

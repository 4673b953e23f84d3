"""The rules between a tenant's Systems and applications, and between APIs' providers and consumers.

- `tenants/<t>/systems/<name>.yaml`: its name equals its file name and is not the tenant's
  own System (the catalog's `system:<t>/<t>`, every application's without `system`);
- an application's `system` is one of its tenant's systems/ files;
- each `consumes` entry names an existing application (`<app>` of the same tenant, or
  `<tenant>/<app>`) that declares `api`, and not the consumer itself;
- where the provider is another tenant's, whether the provider's `allowFrom` lets the
  consumer's pods in is a warning, not an error: the request is a fact about the code (it
  calls that API) and a team may ask for the catalog entry before the other tenant's review
  of the network path, which is that tenant's file and decision (docs/decisions.md).

A scoped check (generator/repo/scope.py) may leave the provider's tenant unread: its
applications are the base's, which passed, and nothing is said about them here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from generator.models.application import Application
from generator.models.errors import validate_model
from generator.models.system import System
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.yamlio.reader import Document

Apps = Mapping[str, Mapping[str, tuple[Application, Document]]]


def validate_systems(
    docs: Mapping[str, Mapping[str, Document]],
) -> tuple[dict[str, dict[str, System]], list[Problem]]:
    """The Systems of each tenant folder that pass their schema and name rules, by name."""
    systems: dict[str, dict[str, System]] = {}
    problems: list[Problem] = []
    for folder, files in docs.items():
        for stem, doc in files.items():
            system, found = validate_model(System, doc)
            problems += found
            if system is None:
                continue
            name = system.metadata.name
            if name != stem:
                problems.append(
                    doc.problem(
                        ("metadata", "name"),
                        f"{name!r} must equal its file name {stem!r}"
                        f" ({layout.system_file(folder, stem)})",
                    )
                )
            elif name == folder:
                problems.append(
                    doc.problem(
                        ("metadata", "name"),
                        f"{name!r} is the tenant's own System, which every application without"
                        " `system` is part of; give this one another name",
                    )
                )
            else:
                systems.setdefault(folder, {})[name] = system
    return systems, problems


def check_systems_and_apis(
    tenants: Mapping[str, Tenant],
    systems: Mapping[str, Mapping[str, System]],
    system_docs: Mapping[str, Mapping[str, Document]],
    apps: Apps,
    unloaded: frozenset[str],
) -> Iterator[Problem]:
    for folder in sorted(apps):
        for stem, (app, doc) in sorted(apps[folder].items()):
            spec = app.spec
            if spec.system is not None and spec.system not in system_docs.get(folder, {}):
                known = ", ".join(sorted(systems.get(folder, {}))) or "none"
                yield doc.problem(
                    ("spec", "system"),
                    f"tenant {folder!r} has no System {spec.system!r}"
                    f" ({layout.system_file(folder, spec.system)}); it has: {known}",
                )
            for index, target in enumerate(spec.consumes):
                yield from _consumed(tenants, apps, unloaded, folder, stem, doc, index, target)


def _consumed(
    tenants: Mapping[str, Tenant],
    apps: Apps,
    unloaded: frozenset[str],
    folder: str,
    stem: str,
    doc: Document,
    index: int,
    target: str,
) -> Iterator[Problem]:
    where = ("spec", "consumes", index)
    provider_tenant, _, provider = target.rpartition("/")
    provider_tenant = provider_tenant or folder
    if provider_tenant == folder and provider == stem:
        yield doc.problem(where, f"{target!r} is this application; list the APIs it calls")
        return
    if provider_tenant in unloaded:
        return  # unchanged since a base that passed
    if provider_tenant not in tenants and provider_tenant not in apps:
        yield doc.problem(where, f"{target!r}: there is no tenant {provider_tenant!r}")
        return
    found = apps.get(provider_tenant, {}).get(provider)
    if found is None:
        yield doc.problem(
            where,
            f"{target!r}: tenant {provider_tenant!r} has no application {provider!r}"
            f" ({layout.app_file(provider_tenant, provider)})",
        )
        return
    if found[0].spec.api is None:
        yield doc.problem(
            where,
            f"{target!r} provides no API: {layout.app_file(provider_tenant, provider)} has no"
            " `api`; its team adds one (type and definition) before it can be consumed",
        )
        return
    owner = tenants.get(provider_tenant)
    if provider_tenant != folder and owner is not None and folder not in owner.spec.allowFrom:
        yield replace(
            doc.problem(
                where,
                f"{target!r}: tenant {provider_tenant!r} does not list {folder!r} in its allowFrom"
                f" ({layout.tenant_file(provider_tenant)}), so its network policies drop this"
                " application's calls; ask its owners to add it",
            ),
            severity="warning",
        )

"""The plan of a change that only touches known tenants: a release.

`berth plan` renders both revisions whole, which at 1,000 tenants takes far longer than a
release may wait. A bump or a promotion changes request files of one tenant, so only that
tenant's generated files can change: this plan renders just those units, before and after,
from repositories already validated in memory, and compares them with the same `compare`
as `berth plan`. Quotas (and so the totals of quota cost) still cover every tenant; the
applications' costs are summed for the tenants in scope only, which the caller says.
"""

from __future__ import annotations

from generator.plan.build import compare
from generator.plan.model import Plan
from generator.plan.snapshot import Snapshot, tenant_base
from generator.render.tree import Unit, units
from generator.repo import layout
from generator.repo.scenario_layout import owned_by
from generator.validate import ValidRepo


def in_scope(path: str, tenants: frozenset[str]) -> bool:
    return owned_by(layout.generated_tenant(path), tenants)  # with the tenants' scenarios


def tenant_files(
    repo: ValidRepo, tenants: frozenset[str], built: list[Unit] | None = None
) -> dict[str, str]:
    """The generated files of `tenants` in every environment (built without any cache)."""
    files: dict[str, str] = {}
    for unit in units(repo) if built is None else built:
        if any(in_scope(p, tenants) for p in unit.paths):
            files |= {p: t for p, t in unit.build().items() if in_scope(p, tenants)}
    return files


def scoped_plan(
    root: str,
    before: ValidRepo,
    after: ValidRepo,
    tenants: frozenset[str],
    *,
    base_ref: str,
    base_sha: str,
    after_units: list[Unit] | None = None,
) -> tuple[Plan, dict[str, str]]:
    """The plan from `before` to `after` for `tenants`, and their generated files after
    (`after_units`: the units of `after`, when the caller has them already)."""
    base_objects = tenant_base(root)
    files = tenant_files(after, tenants, after_units)
    base = Snapshot("before", tenant_files(before, tenants), before, [], base_objects)
    head = Snapshot("after", files, after, [], base_objects)
    return compare(base, head, base_ref=base_ref, base_sha=base_sha), files

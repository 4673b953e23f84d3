"""Comparing two rendered snapshots into a Plan."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from generator.load import RequestCache
from generator.plan.chart_versions import chart_changes
from generator.plan.cost import ZERO, Cost, Where, tenant_costs
from generator.plan.diff import file_changes, object_changes, owner
from generator.plan.egress import egress_changes
from generator.plan.images import image_changes
from generator.plan.model import DELETION_KINDS, Approval, Deletion, EnvironmentPlan, Plan, Row
from generator.plan.objects import Rendered
from generator.plan.scenario_cost import scenario_costs
from generator.plan.scenarios import unexpected
from generator.plan.snapshot import (
    Snapshot,
    base_blueprints,
    base_view,
    change_set,
    snapshot_in,
)
from generator.repo.scope import scope_of
from generator.repo.selection import Selection
from generator.repo.today import today
from generator.repo.view import DiskView
from generator.write.strays import stray_problems


def make_plan(repo_root: str, base_ref: str, *, scoped: bool = True) -> Plan:
    """What the working tree at `repo_root` changes against the Git revision `base_ref`:
    of the tenants the change can affect (generator/repo/scope.py), or of all with `scoped=False`.
    """
    change = change_set(repo_root, base_ref)
    scope = scope_of(change)
    cache = RequestCache(repo_root)  # read only: what validate or render learned
    head = snapshot_in(DiskView(repo_root), "working tree", scope if scoped else None, cache=cache)
    if head.valid is None:  # nothing to compare; the problems are the plan
        return Plan(base_ref, "", head.problems)
    label = f"{base_ref} ({change.base_sha[:7]})"
    with base_blueprints(repo_root, change) as blueprints:
        base = snapshot_in(
            base_view(repo_root, change),
            label,
            scope if scoped and head.tenants is not None else None,
            tenants=head.tenants,
            around=head.around,
            blueprints_root=blueprints,
            cache=cache,
            like=head.files,
        )
    plan = compare(base, head, base_ref=base_ref, base_sha=change.base_sha)
    if head.tenants is not None and head.valid is not None:
        read, everyone = len(head.valid.tenants), len(head.valid.tenant_names)
        plan.scope = f"{read} of {everyone} tenants read for this change"
    plan.untrusted = [
        p
        for p in stray_problems(repo_root, head.files, Selection(head.tenants))
        if not _rendered_by_base(repo_root, p.file, base.files)
    ]
    return plan


def _rendered_by_base(root: str, path: str, base_files: Mapping[str, str]) -> bool:
    """Whether the file `path` not rendered for the head holds exactly what the base renders
    there: a tenant (or an application, an environment) the change removes without
    re-rendering. The plan compares renders, so it shows that file as deleted; any other
    file is a stray the plan could not show, and is refused."""
    text = base_files.get(path)
    if text is None:
        return False
    try:
        with open(os.path.join(root, path), "rb") as fh:
            return fh.read() == text.encode()
    except OSError:
        return False


def compare(base: Snapshot, head: Snapshot, *, base_ref: str, base_sha: str) -> Plan:
    plan = Plan(base_ref, base_sha, head.problems)
    if head.valid is None:
        return plan
    if base.valid is None:
        plan.base_problems = base.problems
    plan.currency = head.valid.platform.spec.pricing.currency
    plan.base_currency = base.valid.platform.spec.pricing.currency if base.valid else plan.currency

    rows = _changed_rows(base, head)
    base_costs, head_costs = tenant_costs(base), tenant_costs(head)
    plan.has_apps = any(c.apps for c in (*base_costs.values(), *head_costs.values()))
    plan.base_total = sum(base_costs.values(), ZERO)
    plan.head_total = sum(head_costs.values(), ZERO)
    _add_costs(rows, base_costs, head_costs)

    plan.environments = _environment_plans(base, head, rows, (base_costs, head_costs))
    plan.other = [row for (env, _), row in rows.items() if env is None]
    plan.deletions = unexpected(_deletions(plan.environments), base, head, today())
    plan.scenarios = scenario_costs(base.valid, head.valid, today())
    plan.approvals = approvals(base, rows.values())
    # Who may approve with a label: as the base lists them, so a change cannot add its author.
    plan.maintainers = tuple(base.valid.platform.spec.maintainers) if base.valid else ()
    order = [e.name for e in head.valid.platform.spec.environments]
    plan.images = sorted(
        image_changes(base.valid, head.valid) + chart_changes(base.valid, head.valid),
        key=lambda c: (order.index(c.env), c.tenant, c.app),
    )
    plan.egress = egress_changes(base.valid, head.valid)
    return plan


# (environment, tenant) -> its row; None for files of no environment or of no tenant.
_Rows = dict[tuple[str | None, str | None], Row]


def _changed_rows(base: Snapshot, head: Snapshot) -> _Rows:
    """A row for each owner of a file that differs, with its file and object changes."""
    rows: _Rows = {}
    sides = (Rendered(base.valid, base.tenant_base), Rendered(head.valid, head.tenant_base))
    for change in file_changes(base.files, head.files):
        env, tenant = owner(change.path)
        row = rows.setdefault((env, tenant), Row(env or "", tenant))
        row.files.append(change)
        row.objects += object_changes(change, sides)
    return rows


def _add_costs(rows: _Rows, base_costs: dict[Where, Cost], head_costs: dict[Where, Cost]) -> None:
    """A row also for each tenant whose cost changes; every tenant's row gets its costs."""
    for where in base_costs.keys() | head_costs.keys():
        if base_costs.get(where) != head_costs.get(where):
            rows.setdefault(where, Row(*where))
    for (env, tenant), row in rows.items():
        row.objects.sort()
        if env is not None and tenant is not None:
            row.base, row.head = base_costs.get((env, tenant)), head_costs.get((env, tenant))


def _environment_plans(
    base: Snapshot, head: Snapshot, rows: _Rows, costs: tuple[dict[Where, Cost], dict[Where, Cost]]
) -> list[EnvironmentPlan]:
    """Each environment with a row, its own rows first and then its tenants' by name."""
    base_costs, head_costs = costs
    plans = []
    for env in _environment_order(base, head, rows):
        env_rows = sorted(
            (row for (e, _), row in rows.items() if e == env),
            key=lambda r: (r.tenant is not None, r.tenant or ""),
        )
        if env_rows:
            plans.append(
                EnvironmentPlan(
                    name=env,
                    sync=_sync(env, head, base),
                    rows=env_rows,
                    base_total=_total(base_costs, env),
                    head_total=_total(head_costs, env),
                    tenants=sum(e == env for e, _ in head_costs),
                )
            )
    return plans


def _environment_order(base: Snapshot, head: Snapshot, rows: _Rows) -> list[str]:
    """The head's environments in its platform's order, then those only the base has, then
    any other a file names, by name."""
    assert head.valid is not None
    order = [e.name for e in head.valid.platform.spec.environments]
    if base.valid is not None:
        order += [e.name for e in base.valid.platform.spec.environments if e.name not in order]
    order += sorted({env for env, _ in rows if env is not None and env not in order})
    return order


def _deletions(environments: Iterable[EnvironmentPlan]) -> list[Deletion]:
    """The removals of DELETION_KINDS in the environments that sync by hand."""
    return [
        Deletion(env.name, row.tenant, o.kind, o.name)
        for env in environments
        if env.sync == "manual"
        for row in env.rows
        for o in row.objects
        if o.action == "remove" and o.kind in DELETION_KINDS
    ]


def approvals(base: Snapshot, rows: Iterable[Row]) -> list[Approval]:
    """Each tenant of the base whose generated files change, with the base's owners."""
    envs: dict[str, set[str]] = {}
    for row in rows:
        if row.tenant is not None and row.files:
            envs.setdefault(row.tenant, set()).add(row.env)
    tenants = base.valid.tenants if base.valid is not None else {}
    return [
        Approval(name, tuple(tenants[name].spec.owners), tuple(sorted(envs[name])))
        for name in sorted(envs)
        if name in tenants
    ]


def _sync(env: str, head: Snapshot, base: Snapshot) -> str:
    for snapshot in (head, base):
        found = snapshot.valid.platform.spec.environment(env) if snapshot.valid else None
        if found is not None:
            return found.sync
    return "unknown"


def _total(costs: dict[Where, Cost], env: str) -> Cost:
    return sum((cost for (e, _), cost in costs.items() if e == env), ZERO)

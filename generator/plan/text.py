"""A plan as text (the job log: everything, diffs included) and as JSON (for other tools)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from generator.models.quota import money
from generator.plan.cost import Cost
from generator.plan.egress import egress_lines
from generator.plan.images import ImageChange, Reference, image_lines
from generator.plan.model import APPROVE_DELETION_LABEL, APPROVE_SKIP_LABEL, Plan, Row
from generator.plan.scenario_cost import cost_lines, scenario_json
from generator.problems.reporters import format_problems

SYMBOL = {"add": "+", "change": "~", "remove": "-"}


def signed(value: Fraction, currency: str) -> str:
    if value == 0:
        return f"±0.00 {currency}"
    return ("+" if value > 0 else "-") + money(abs(value), currency)


def cost_change(plan: Plan, before: Fraction | None, after: Fraction | None) -> str:
    """`after - before`, signed, in the plan's currency. Across a change of pricing.currency the
    two are in different currencies and their difference means nothing: the base's figure is
    shown instead, in its own currency ("was 1,705.00 USD")."""
    if plan.currency_changed:
        return "was " + ("none" if before is None else money(before, plan.base_currency))
    return signed((after or Fraction(0)) - (before or Fraction(0)), plan.currency)


def row_change(plan: Plan, row: Row, measure: str) -> str:
    """`cost_change` of one row's `quota` or `apps`."""
    before, after = (None if c is None else getattr(c, measure) for c in (row.base, row.head))
    return cost_change(plan, before, after)


def currency_note(plan: Plan) -> str:
    return (
        f"pricing.currency changed from {plan.base_currency} to {plan.currency}: each figure is"
        " in its own currency and no difference is computed between them"
    )


def counts(row_or_plan: Row | Plan) -> str:
    if isinstance(row_or_plan, Plan):
        add, change, remove = (row_or_plan.total(a) for a in ("add", "change", "remove"))
    else:
        add, change, remove = (row_or_plan.count(a) for a in ("add", "change", "remove"))
    return f"+{add} ~{change} -{remove}"


def row_title(row: Row) -> str:
    if row.tenant is None:
        return f"{row.env} (environment root)" if row.env else "other generated files"
    return f"{row.env} / {row.tenant}" + (f" ({row.status})" if row.status != "changed" else "")


def format_text(plan: Plan) -> str:
    out = [f"berth plan: the working tree against {plan.base_ref} ({plan.base_sha[:7]})\n"]
    if not plan.valid:
        out.append("The working tree has problems; nothing was planned:\n")
        out.append(format_problems(plan.problems, "text"))
        return "".join(out)
    if plan.problems:  # warnings only: errors stop the plan above
        out.append(format_problems(plan.problems, "text"))
    if plan.base_problems:
        out.append(
            f"warning: {plan.base_ref} does not validate; everything is compared with nothing\n"
        )
    if plan.deletions:
        out.append(
            "WARNING: this change deletes in environments that sync by hand (sync: manual):\n"
        )
        out += [f"  {d.env}: {d.kind}/{d.name}\n" for d in plan.deletions]
        out.append(f"  approve with the pull request label {APPROVE_DELETION_LABEL!r}\n")
    if plan.images:
        out.append("releases:\n")
        out += [f"  {line}\n" for line in image_lines(plan.images)]
    if plan.skips:
        out.append(
            f"  an image skips an environment: approve with the label {APPROVE_SKIP_LABEL!r}\n"
        )
    if plan.egress:
        out.append("egress outside the cluster:\n")
        out += [f"  {line}\n" for line in egress_lines(plan.egress)]
    for need in plan.approvals:
        out.append(
            f"needs approval from the owners of {need.tenant} ({', '.join(need.owners)}):"
            f" {', '.join(need.envs)}\n"
        )
    if not plan.changed:
        out.append("No changes to the generated files.\n")
        return "".join(out)
    if plan.currency_changed:
        out.append(f"note: {currency_note(plan)}\n")
    quota_change = cost_change(plan, plan.base_total.quota, plan.head_total.quota)
    if plan.scope:  # the totals cover the tenants in scope only: say the change alone
        out.append(f"{counts(plan)} objects; quota cost {quota_change} a month ({plan.scope})\n")
    else:
        out.append(
            f"{counts(plan)} objects; quota cost {money(plan.head_total.quota, plan.currency)}"
            f" a month ({quota_change})\n"
        )
    out += [f"{line}\n" for line in cost_lines(plan.scenarios, plan.currency)]
    for env in plan.environments:
        total = money(env.head_total.quota, plan.currency)
        delta = cost_change(plan, env.base_total.quota, env.head_total.quota)
        said = f"{delta} a month" if plan.scope else f"{total} a month ({delta})"
        out.append(f"\n{env.name} (sync: {env.sync}): {said}\n")
        out += [_text_row(row, plan) for row in env.rows]
    if plan.other:
        out.append("\nother\n")
        out += [_text_row(row, plan) for row in plan.other]
    for change in plan.files:
        out.append(f"\n{change.diff}")
    return "".join(out)


def _text_row(row: Row, plan: Plan) -> str:
    line = f"  {row_title(row)}: {counts(row)}"
    if row.tenant is not None:
        line += f", quota {money(row.head.quota, plan.currency) if row.head else 'none'}"
        line += f" ({row_change(plan, row, 'quota')})"
        if plan.has_apps:
            line += f", apps {row_change(plan, row, 'apps')}"
    lines = [line + "\n"]
    lines += [f"    {SYMBOL[o.action]} {o.label}\n" for o in row.objects]
    return "".join(lines)


def format_json(plan: Plan) -> str:
    data: dict[str, Any] = {
        "base": {"ref": plan.base_ref, "sha": plan.base_sha},
        "valid": plan.valid,
        "problems": _problems(plan.problems),
    }
    if plan.valid:
        data |= {
            "baseProblems": _problems(plan.base_problems),
            # `base` figures are in baseCurrency, `head` ones in currency; when they differ
            # there is no delta (null).
            "currency": plan.currency,
            "baseCurrency": plan.base_currency or plan.currency,
            "summary": {
                "added": plan.total("add"),
                "changed": plan.total("change"),
                "removed": plan.total("remove"),
                # A scoped plan read some tenants only: no total, the change is exact.
                "monthlyQuotaCost": None if plan.scope else _number(plan.head_total.quota),
                "monthlyQuotaCostDelta": None
                if plan.currency_changed
                else _number(plan.cost_delta),
                "scope": plan.scope or None,
            },
            "environments": [
                {
                    "name": env.name,
                    "sync": env.sync,
                    "tenants": env.tenants,
                    "monthlyCost": {"base": _cost(env.base_total), "head": _cost(env.head_total)},
                    "rows": [_json_row(row) for row in env.rows],
                }
                for env in plan.environments
            ],
            "other": [_json_row(row) for row in plan.other],
            "deletions": [
                {"environment": d.env, "tenant": d.tenant, "kind": d.kind, "name": d.name}
                for d in plan.deletions
            ],
            "approvalLabel": APPROVE_DELETION_LABEL,
            "images": [_json_image(c) for c in plan.images],
            "skipLabel": APPROVE_SKIP_LABEL,
            "egress": egress_lines(plan.egress),
            "scenarios": scenario_json(plan.scenarios),
            "approvals": [
                {"tenant": a.tenant, "owners": list(a.owners), "environments": list(a.envs)}
                for a in plan.approvals
            ],
            "files": [{"path": f.path, "action": f.action, "diff": f.diff} for f in plan.files],
        }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _problems(problems: list[Any]) -> list[Any]:
    found: list[Any] = json.loads(format_problems(problems, "json"))["problems"]
    return found


def _json_row(row: Row) -> dict[str, Any]:
    return {
        "tenant": row.tenant,
        "status": row.status,
        "added": row.count("add"),
        "changed": row.count("change"),
        "removed": row.count("remove"),
        "objects": [
            {"action": o.action, "kind": o.kind, "name": o.name, "path": o.path}
            for o in row.objects
        ],
        "monthlyCost": {"base": _cost(row.base), "head": _cost(row.head)},
    }


def _json_image(change: ImageChange) -> dict[str, Any]:
    def image(value: Reference | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {
            "repository": value.repository,
            "tag": value.image.tag,
            "digest": value.image.digest,
        }

    return {
        "environment": change.env,
        "tenant": change.tenant,
        "app": change.app,
        "old": image(change.old),
        "new": image(change.new),
        "skipped": change.skipped,
        "previousEnvironment": change.previous_env,
        "previousOnBase": image(change.previous),
    }


def _cost(cost: Cost | None) -> dict[str, float] | None:
    if cost is None:
        return None
    return {"quota": _number(cost.quota), "apps": _number(cost.apps)}


def _number(value: Fraction) -> float:
    return round(float(value), 2)

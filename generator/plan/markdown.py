"""A plan as the Markdown of the pull request comment.

Summary first (a warning for deletions in hand-synced environments, then one table per
environment: tenant, objects added/changed/removed, monthly cost and its change), then the
details of each tenant folded in `<details>`: the objects and the unified diffs.

The comment always fits GitHub's limit of 65,536 characters: when the whole plan does not,
diffs are dropped first, then the tenants' object lists, and when the tables alone are too
long their rows are summarised per environment; a note then says the comment is truncated
and links the job log, where `berth plan` prints everything.

Text that a request controls (descriptions in diffs, values in problem messages) only ever
appears inside code spans or fenced blocks longer than any run of backticks in it, so it
cannot change the comment's structure.
"""

from __future__ import annotations

from generator.models.quota import money
from generator.plan.cost import ZERO
from generator.plan.diff import FileChange
from generator.plan.images import image_lines
from generator.plan.model import (
    APPROVE_DELETION_LABEL,
    APPROVE_SKIP_LABEL,
    Approval,
    Deletion,
    EnvironmentPlan,
    Plan,
    Row,
)
from generator.plan.scenario_cost import egress_and_scenarios
from generator.plan.text import SYMBOL, cost_change, counts, currency_note, row_change
from generator.problems.code_spans import COMMENT_LIMIT, code, fence
from generator.repo import layout

MARKER = "<!-- berth:plan -->"
LIMIT = COMMENT_LIMIT - 536  # room for what a Git host adds (the marker, a footer)
NOTE_ROOM = 600  # kept free for the truncation note
MAX_LISTED = 50  # deletions and problems listed before "... and N more"
MAX_SYNC_ORDERS = 5  # new tenants of a manual environment whose sync order is spelt out
MAX_PROBLEM_CHARS = 20_000
_ACTION_WORDS = {"add": "added", "change": "changed", "remove": "removed"}


def format_markdown(plan: Plan, *, job_url: str | None = None, limit: int = LIMIT) -> str:
    head = _head(plan)
    if not plan.valid or not plan.changed:
        return _fit(head, limit)
    tables = "".join(_table(plan, env, None) for env in plan.environments) + _other(plan)
    details, dropped = _details(plan, limit - len(head) - len(tables))
    if not any(dropped.values()):
        return head + tables + details
    # It does not all fit: make room for the note that says so, and budget again.
    budget = limit - len(head) - NOTE_ROOM
    truncated = len(tables) > budget
    if truncated:
        tables = _summarised_tables(plan, budget)
    details, dropped = _details(plan, budget - len(tables))
    return _fit(head + tables + details + _truncation_note(dropped, truncated, job_url), limit)


# -- the top: marker, warnings, summary ----------------------------------------------------


def _head(plan: Plan) -> str:
    out = [f"{MARKER}\n## Berth plan\n\n"]
    if not plan.valid:
        out.append(
            "The requests in this change have problems, so nothing was planned."
            " Fix them (`berth validate` shows the same list):\n\n"
        )
        out.append(_problem_block(plan))
        return "".join(out)
    if plan.deletions:
        out.append(_deletion_warning(plan.deletions))
    if plan.images:
        out.append(_releases(plan))
    out.append(egress_and_scenarios(plan.egress, plan.scenarios, plan.currency))
    if plan.approvals:
        out.append(_approvals(plan.approvals))
    if plan.problems:  # warnings only: errors stop the plan above
        out.append(f"`berth validate` warns ({len(plan.problems)}):\n\n{_problem_block(plan)}\n")
    if plan.base_problems:
        out.append(
            f"> [!WARNING]\n> The base {code(plan.base_ref)} does not validate, so this plan"
            " compares the change with an empty tree.\n\n"
        )
    base = f"{code(plan.base_ref)} ({code(plan.base_sha[:7])})"
    if not plan.changed:
        out.append(f"Compared with {base}: no changes to the generated files.\n")
        return "".join(out)
    envs = len(plan.environments)
    quota_change = cost_change(plan, plan.base_total.quota, plan.head_total.quota)
    out.append(
        f"Compared with {base}: **{counts(plan)}** objects"
        f" in {envs} environment{'s' if envs != 1 else ''}."
        + (
            f" Quotas: **{quota_change}** a month ({plan.scope})."
            if plan.scope
            else f" All tenants' quotas: **{money(plan.head_total.quota, plan.currency)}** a"
            f" month ({quota_change})."
        )
        + (f" Note: {currency_note(plan)}." if plan.currency_changed else "")
        + (
            " _Apps_ is what the applications request (resources x replicas), within the quota."
            if plan.has_apps
            else ""
        )
        + "\n\n"
    )
    return "".join(out)


def _problem_block(plan: Plan) -> str:
    lines, size = [], 0
    for problem in plan.problems[:MAX_LISTED]:
        line = str(problem)[:1000] + "\n"
        if size + len(line) > MAX_PROBLEM_CHARS:
            break
        lines.append(line)
        size += len(line)
    more = len(plan.problems) - len(lines)
    tail = f"\n... and {more} more: run `berth validate`.\n" if more else ""
    return fence("".join(lines), "text") + tail


def _deletion_warning(deletions: list[Deletion]) -> str:
    groups: dict[tuple[str, str | None], list[Deletion]] = {}
    for d in deletions:
        groups.setdefault((d.env, d.tenant), []).append(d)
    lines = [
        "> [!CAUTION]\n",
        "> **This change deletes namespaces, applications or databases in environments that"
        " Argo CD syncs by hand (`sync: manual`).** Once synced, they are deleted with what runs"
        " in them and, for a database, its volumes.\n>\n",
    ]
    for (env, tenant), items in list(groups.items())[:MAX_LISTED]:
        what = ", ".join(f"{d.kind} {code(d.name)}" for d in items)
        owner = f"tenant {code(tenant)}" if tenant else "environment root"
        lines.append(f"> - {code(env)}, {owner}: {what}\n")
    if len(groups) > MAX_LISTED:
        lines.append(f"> - ... and {len(groups) - MAX_LISTED} more\n")
    lines.append(
        f">\n> If this is intended, a maintainer adds the label {code(APPROVE_DELETION_LABEL)}"
        " to the pull request.\n\n"
    )
    return "".join(lines)


def _releases(plan: Plan) -> str:
    lines = []
    manual = [c for c in plan.skips if c.sync == "manual"]
    if manual:
        lines.append(
            "> [!WARNING]\n> **An image goes into an environment that syncs by hand"
            " (`sync: manual`) without having run in the environment before it:**\n>\n"
        )
        lines += [
            f"> - {code(c.label)}, not in {code(c.previous_env or '')} before this change\n"
            for c in manual
        ]
        lines.append(">\n")
    if plan.skips:
        lines.append(
            f"{'> ' if manual else ''}Skipping an environment needs the label"
            f" {code(APPROVE_SKIP_LABEL)} on the pull request.\n\n"
        )
    lines.append("Releases:\n\n")
    lines += [f"- {code(line)}\n" for line in image_lines(plan.images[:MAX_LISTED])]
    if len(plan.images) > MAX_LISTED:
        lines.append(f"- ... and {len(plan.images) - MAX_LISTED} more\n")
    return "".join(lines) + "\n"


def _approvals(approvals: list[Approval]) -> str:
    # Owners in code spans, not @-mentions: an update of this comment must not ping anyone.
    lines = [
        "**Approvals.** The generated files of these tenants change; each needs an approving"
        " review from one of its owners (as the base lists them), checked by"
        " `berth plan --require-approvals`:\n\n"
    ]
    for need in approvals[:MAX_LISTED]:
        owners = ", ".join(code(o) for o in need.owners)
        envs = ", ".join(need.envs)
        lines.append(
            f"- needs approval from the owners of {code(need.tenant)} ({owners}): {envs}\n"
        )
    if len(approvals) > MAX_LISTED:
        lines.append(f"- ... and {len(approvals) - MAX_LISTED} more tenants\n")
    return "".join(lines) + "\n"


# -- tables -------------------------------------------------------------------------------


def _table(plan: Plan, env_plan: EnvironmentPlan, rows: list[Row] | None, more: str = "") -> str:
    header = ["Tenant", "Objects", "Quota / month", "Change"]
    if plan.has_apps:
        header += ["Apps / month", "Change"]
    out = [
        f"### {env_plan.name} (sync: {env_plan.sync})\n\n",
        "| " + " | ".join(header) + " |\n",
        "|" + "---|" * len(header) + "\n",
    ]
    out += [_row(plan, row) for row in (env_plan.rows if rows is None else rows)]
    out.append(more)
    base, head = env_plan.base_total, env_plan.head_total
    # A scoped plan read some tenants only: its totals would be theirs, so it gives the change.
    total = [
        "**Change**"
        if plan.scope
        else f"**Total** ({env_plan.tenants} tenant{'s' if env_plan.tenants != 1 else ''})",
        "",
        "" if plan.scope else f"**{money(head.quota, plan.currency)}**",
        f"**{cost_change(plan, base.quota, head.quota)}**",
    ]
    if plan.has_apps:
        total += [
            "" if plan.scope else money(head.apps, plan.currency),
            cost_change(plan, base.apps, head.apps),
        ]
    out.append("| " + " | ".join(total) + " |\n\n")
    if env_plan.sync == "manual" and rows is None:  # a summarised table has no room for it
        out.append(_sync_order(env_plan, env_plan.rows))
    return "".join(out)


def _sync_order(env_plan: EnvironmentPlan, rows: list[Row]) -> str:
    """Where a person syncs, the order Argo CD's waves would take for each new tenant."""
    lines = []
    new = [row for row in rows if row.tenant is not None and row.status == "new"]
    for row in new[:MAX_SYNC_ORDERS]:
        assert row.tenant is not None
        first = [
            layout.root_application(env_plan.name),
            layout.shard_application(env_plan.name, layout.shard(row.tenant)),
            layout.tenant_argocd_application(row.tenant, env_plan.name),
            layout.tenant_namespace(row.tenant, env_plan.name),  # the guardrails: the namespace
        ]
        apps = sorted(
            o.name
            for o in row.objects
            if o.kind == "Application" and o.action == "add" and o.name not in first
        )
        steps = " -> ".join(code(name) for name in [*first, *apps])
        lines.append(f"- {code(row.tenant)}: {steps}\n")
    if not lines:
        return ""
    if len(new) > MAX_SYNC_ORDERS:
        lines.append(f"- ... and {len(new) - MAX_SYNC_ORDERS} more tenants, in the same order\n")
    return (
        f"New tenants in {code(env_plan.name)} arrive when a person syncs their Applications in"
        " this order (each after the one before is healthy):\n\n" + "".join(lines) + "\n"
    )


def _row(plan: Plan, row: Row) -> str:
    if row.tenant is None:
        cells = ["_environment root_", counts(row), "", ""]
        cells += ["", ""] if plan.has_apps else []
        return "| " + " | ".join(cells) + " |\n"
    name = code(row.tenant) + (f" _({row.status})_" if row.status != "changed" else "")
    head = row.head
    cells = [name, counts(row), money(head.quota, plan.currency) if head else "—"]
    cells.append(row_change(plan, row, "quota"))
    if plan.has_apps:
        cells += [money(head.apps, plan.currency) if head else "—", row_change(plan, row, "apps")]
    return "| " + " | ".join(cells) + " |\n"


def _summarised_tables(plan: Plan, budget: int) -> str:
    """Each environment's table with as many rows as its share of `budget` allows, and one
    row summing up the rest."""
    out: list[str] = []
    left = budget - len(_other(plan))
    for index, env in enumerate(plan.environments):
        empty = _table(plan, env, [], _more_row(plan, env.rows))
        share = (left - len(empty)) // (len(plan.environments) - index)
        kept: list[Row] = []
        used = 0
        for row in env.rows:
            text = _row(plan, row)
            if used + len(text) > share:
                break
            kept.append(row)
            used += len(text)
        rest = env.rows[len(kept) :]
        table = _table(plan, env, kept, _more_row(plan, rest) if rest else "")
        left -= len(table)
        out.append(table)
    return "".join(out) + _other(plan)


def _more_row(plan: Plan, rows: list[Row]) -> str:
    add, changed, remove = (sum(r.count(a) for r in rows) for a in ("add", "change", "remove"))
    base = sum((r.base for r in rows if r.base), ZERO)
    head = sum((r.head for r in rows if r.head), ZERO)
    cells = [
        f"... and {len(rows)} more (see the job log)",
        f"+{add} ~{changed} -{remove}",
        "",
        cost_change(plan, base.quota, head.quota),
    ]
    if plan.has_apps:
        cells += ["", cost_change(plan, base.apps, head.apps)]
    return "| " + " | ".join(cells) + " |\n"


def _other(plan: Plan) -> str:
    if not plan.other:
        return ""
    files = ", ".join(f"{code(f.path)} ({f.action})" for row in plan.other for f in row.files)
    return f"Other generated files: {files}.\n\n"


# -- details ------------------------------------------------------------------------------


def _details(plan: Plan, budget: int) -> tuple[str, dict[str, int]]:
    """The folded sections that fit in `budget`, and how many sections and diffs did not.

    Every section's object list comes before any diff: diffs are what is dropped first.
    """
    rows = plan.rows
    heading, closing = "### Details\n\n", "</details>\n\n"
    openings: list[str] = []
    used = len(heading)
    for row in rows:
        opening = f"<details><summary><b>{_summary(row)}</b></summary>\n\n{_objects(row)}"
        if used + len(opening) + len(closing) > budget:
            break
        openings.append(opening)
        used += len(opening) + len(closing)
    shown = rows[: len(openings)]
    dropped = {
        "sections": len(rows) - len(shown),
        "diffs": sum(len(row.files) for row in rows[len(shown) :]),
    }
    sections = []
    for row, opening in zip(shown, openings, strict=True):
        blocks = []
        for change in row.files:
            block = "" if used + change.min_diff_size > budget else _diff_block(change)
            if not block or used + len(block) > budget:
                dropped["diffs"] += 1
                continue
            blocks.append(block)
            used += len(block)
        sections.append(opening + "".join(blocks) + closing)
    return (heading + "".join(sections) if sections else ""), dropped


def _summary(row: Row) -> str:
    if row.tenant is None:
        where = f"{row.env}: environment root" if row.env else "other generated files"
    else:
        where = f"{row.env} / {row.tenant}" + (
            f" ({row.status})" if row.status != "changed" else ""
        )
    return f"{where}: {counts(row)}"


def _objects(row: Row) -> str:
    lines = []
    for action in ("add", "change", "remove"):
        names = [code(o.label) for o in row.objects if o.action == action]
        if names:
            lines.append(f"- {SYMBOL[action]} {_ACTION_WORDS[action]}: {', '.join(names)}\n")
    return "".join(lines) + ("\n" if lines else "")


def _diff_block(change: FileChange) -> str:
    return f"{code(change.path)} ({change.action}):\n\n{fence(change.diff, 'diff')}\n"


def _truncation_note(dropped: dict[str, int], tables: bool, job_url: str | None) -> str:
    what = []
    if tables:
        what.append("some table rows are summarised")
    if dropped["sections"]:
        what.append(f"{dropped['sections']} detail section(s) left out")
    if dropped["diffs"]:
        what.append(f"{dropped['diffs']} diff(s) left out")
    where = f"[the job log]({job_url})" if job_url else "the job log"
    return (
        f"> [!NOTE]\n> This plan is truncated; see {where} for all of it"
        f" ({'; '.join(what)}, to stay within GitHub's comment size limit).\n"
    )


def _fit(text: str, limit: int) -> str:
    """The last resort: a hard cut that still keeps the comment postable."""
    if len(text) <= limit:
        return text
    note = "\n\n(truncated; see the job log)\n"
    return text[: limit - len(note)] + note

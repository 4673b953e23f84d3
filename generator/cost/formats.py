"""`berth cost` reports as text, Markdown (a CI run summary) and CSV; JSON is `as_json`.

Every name in a report is a DNS label or a Kubernetes label value, so nothing needs escaping
in Markdown or CSV; amounts are exact decimal strings from cents.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from generator.cost.charts import NOTE as CHARTS_NOTE
from generator.cost.report import Money, Report, Row, as_json, percent
from generator.models.quota import amount

Table = tuple[Sequence[str], list[list[str]]]


RESERVED = "reserved (quota)"
REQUESTED = "requested (apps)"
# The two measures, never added: the ResourceQuota caps requests, so the applications'
# requests lie inside the quota and a sum would count them twice.
MEASURES = (
    "Reserved: what the tenants' ResourceQuotas set aside. Requested: what their applications"
    " request, which lies inside the quota, so the two are never added."
)


def _money(m: Money) -> list[str]:
    return [amount(m.quota, grouped=True), amount(m.apps, grouped=True)]


# Marks a requested figure that leaves out the row's chart apps (generator/cost/charts.py);
# in front, so that the amounts of a right-aligned column stay aligned.
UNPRICED = "* "


def _row_money(row: Row) -> list[str]:
    reserved, requested = _money(row.money)
    return [reserved, UNPRICED + requested if row.charts else requested]


def _charts_note(report: Report, mark: str, bullet: str) -> list[str]:
    """The footnote of the marked rows: which chart apps each leaves out."""
    rows = [r for r in report.rows if r.charts]
    if not rows:
        return []
    return [f"{mark} {CHARTS_NOTE}\n"] + [
        f"{bullet}{r.tenant} in {r.where}: {', '.join(r.charts)}\n" for r in rows
    ]


def _tables(report: Report) -> list[tuple[str, Table]]:
    cost = [RESERVED, REQUESTED]
    return [
        (
            "Per tenant and environment",
            (
                ["tenant", "environment", "cost center", *cost],
                [[r.tenant, r.where, r.cost_center, *_row_money(r)] for r in report.rows],
            ),
        ),
        (
            "Per tenant, with budget use (reserved / monthly budget)",
            (
                ["tenant", "cost center", *cost, "budget", "budget used"],
                [
                    [
                        t.tenant,
                        t.cost_center,
                        *_money(t.money),
                        "—" if t.budget is None else amount(t.budget, grouped=True),
                        "—" if t.budget_used is None else f"{percent(t.budget_used)} %",
                    ]
                    for t in report.tenants
                ],
            ),
        ),
        (
            "Per cost center",
            (["cost center", *cost], [[c, *_money(m)] for c, m in report.cost_centers]),
        ),
        (
            "Per environment",
            (["environment", *cost], [[e, *_money(m)] for e, m in report.environments]),
        ),
    ]


def text(report: Report) -> str:
    out = [f"Monthly cost in {report.currency}. {MEASURES}\n"]
    for title, (head, rows) in _tables(report):
        widths = [max(len(c) for c in column) for column in zip(head, *rows, strict=True)]
        out.append(f"\n{title}:\n")
        for line in (list(head), *rows):
            cells = [
                c.rjust(w) if _is_money(h) else c.ljust(w)
                for h, c, w in zip(head, line, widths, strict=True)
            ]
            out.append("  " + "  ".join(cells).rstrip() + "\n")
    if note := _charts_note(report, "*", "  "):
        out += ["\n", *note]
    out.append(f"\nAll tenants: {amount(report.total.quota, grouped=True)} {report.currency}"
               f" a month reserved, of which the applications request"
               f" {amount(report.total.apps, grouped=True)}\n")  # fmt: skip
    return "".join(out)


def markdown(report: Report) -> str:
    out = [
        f"## Monthly cost\n\nIn {report.currency}. **reserved**: what the tenants'"
        " ResourceQuotas set aside; **requested**: what their applications request (resources"
        " x replicas, databases), which lies inside the quota, so the two are never added."
        f" All tenants: **{amount(report.total.quota, grouped=True)}** reserved, of which"
        f" **{amount(report.total.apps, grouped=True)}** requested.\n"
    ]
    for title, (head, rows) in _tables(report):
        out.append(f"\n### {title}\n\n| {' | '.join(head)} |\n")
        out.append("|" + "|".join("--:" if _is_money(h) else "---" for h in head) + "|\n")
        out.extend(f"| {' | '.join(row)} |\n" for row in rows)
    if note := _charts_note(report, "\\*", "- "):
        out += ["\n", note[0], "\n", *note[1:]]
    return "".join(out)


def _is_money(column: str) -> bool:
    return column in (RESERVED, REQUESTED, "budget", "budget used")


def csv_text(report: Report) -> str:
    """One line per tenant and environment, plain amounts (no thousands separators); `quota`
    is reserved, `apps` requested (inside the quota, never added to it), `unpriced_charts` the
    chart apps `apps` leaves out, space-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["tenant", "environment", "cost_center", "currency", "quota", "apps", "unpriced_charts"]
    )
    for r in report.rows:
        m = r.money
        writer.writerow(
            [r.tenant, r.where, r.cost_center, report.currency,
             amount(m.quota), amount(m.apps), " ".join(r.charts)]
        )  # fmt: skip
    return buffer.getvalue()


def json_text(report: Report) -> str:
    return json.dumps(as_json(report), indent=2) + "\n"


FORMATTERS = {"text": text, "json": json_text, "markdown": markdown, "csv": csv_text}

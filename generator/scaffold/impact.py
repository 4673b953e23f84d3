"""What a change of blueprints/ does to tenants where `berth plan` cannot show it.

A tenant's guardrails overlay and every application's Helm release are built by Argo CD from
blueprints/tenant and the blueprints' chart *at sync time*: the rendered files point at them
and do not change with them, so a plan of the generated files says nothing. `berth upgrade`
names those changes itself (what is built from them, for how many tenants and apps);
a change of a values template changes rendered files, which the plan shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.repo import layout

_BUILT = {
    f"{layout.BLUEPRINTS_DIR}/tenant/": "the guardrails overlay of every tenant in every environment",
    f"{layout.BLUEPRINTS_DIR}/chart/": "the Helm release of every application in every environment",
}


def built_at_sync(changed: Iterable[str], root: str) -> list[str]:
    """One line per kind of build the changed blueprint files reach, with the counts."""
    base = Path(root) / layout.TENANTS_DIR
    tenants = len(list(base.glob(f"*/{layout.TENANT_FILE}")))
    apps = len(list(base.glob(f"*/{layout.APPS_DIR}/*.yaml")))
    counts = {
        f"{layout.BLUEPRINTS_DIR}/tenant/": f"{tenants} tenant(s)",
        f"{layout.BLUEPRINTS_DIR}/chart/": f"{apps} app(s)",
    }
    lines = []
    for prefix, what in _BUILT.items():
        files = sorted(p for p in changed if p.startswith(prefix))
        if files:
            lines.append(
                f"{prefix} changed ({len(files)} file(s)): {what} ({counts[prefix]}); Argo CD"
                " builds it from blueprints/, so no generated file and no `berth plan` shows"
                " it: `berth verify` builds it"
            )
    return lines

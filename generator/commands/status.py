"""`berth status [TENANT] [--live FILE]`: the image each application is set to run in each
environment, as Git says (the desired state Argo CD applies), not what the clusters run; for a
third-party chart (`blueprint: chart`), the chart and its version.

With `--live FILE` (an exported `argocd app list -o json`, generator/release/live.py) each cell
also shows what Argo CD reported for that application's Application: its sync status and its
health, so desired and live stand next to each other.

One row per application, one column per environment of platform.yaml (in its order). A
value differs from the environment before it (for that application) is marked, in text
with `*`, in Markdown in bold, in JSON with `"differs": true`: that is what a promotion
would move. The main-branch workflow writes the Markdown into its run summary.

Exit codes: 0 reported; 1 the repository is invalid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal, TextIO

from generator.commands.report import deliver
from generator.models.image import Image, released
from generator.problems.code_spans import code
from generator.release import scenario_status
from generator.release.chart_status import ChartVersion, released_chart
from generator.release.live import Live, read_live
from generator.release.propose import valid_repo
from generator.release.scenario_status import ScenarioStatus, scenario_statuses
from generator.release.target import argument_problem, parse_target
from generator.repo import layout
from generator.repo.today import today

StatusFormat = Literal["text", "json", "markdown"]


@dataclass(frozen=True)
class Cell:
    env: str
    image: Image | ChartVersion | None  # None: the application does not run there
    differs: bool  # from the previous environment the application runs in
    live: Live | None = None  # what Argo CD reported (with --live), None when not reported


@dataclass(frozen=True)
class AppStatus:
    tenant: str
    app: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Source:
    """Where the live column comes from: the export's name as given (None: Git only)."""

    live_file: str | None = None


def run(
    root: str,
    *,
    tenant: str | None,
    fmt: StatusFormat,
    out: TextIO,
    output: str | None = None,
    live: str | None = None,
) -> int:
    reported = read_live(live) if live is not None else None
    repo = valid_repo(root)
    if tenant is not None:
        parse_target(tenant, app_required=False)
        if tenant not in repo.tenants:
            raise argument_problem("tenant", f"there is no tenant {tenant!r} in tenants/")
    envs = [e.name for e in repo.platform.spec.environments]
    rows = []
    for name in sorted(repo.apps.keys() | repo.chart_apps.keys()):
        if tenant is not None and name != tenant:
            continue
        releases: dict[str, Callable[[str], Image | ChartVersion | None]] = {
            **{
                app_name: partial(released, app)
                for app_name, app in repo.apps.get(name, {}).items()
            },
            **{
                app_name: partial(released_chart, app)
                for app_name, app in repo.chart_apps.get(name, {}).items()
            },
        }
        for app_name in sorted(releases):
            cells: list[Cell] = []
            previous: Image | ChartVersion | None = None
            for env in envs:
                image = releases[app_name](env)
                differs = image is not None and previous is not None and image != previous
                seen = None
                if reported is not None and image is not None:
                    seen = reported.get(layout.app_application(name, app_name, env))
                cells.append(Cell(env, image, differs, seen))
                previous = image or previous
            rows.append(AppStatus(name, app_name, tuple(cells)))
    source = Source(live)
    open_ = scenario_statuses(repo, tenant, today())
    deliver(
        out,
        output,
        render(rows, envs, fmt, source, open_),
        render(rows, envs, "text", source, open_),
    )
    return 0


def render(
    rows: list[AppStatus],
    envs: list[str],
    fmt: StatusFormat,
    source: Source = Source(),
    scenarios: list[ScenarioStatus] | None = None,
) -> str:
    scenarios = scenarios or []
    if fmt == "json":
        data = {
            "desiredState": "git",
            "live": source.live_file,
            "environments": envs,
            "apps": [_json(r, source) for r in rows],
        } | ({"scenarios": scenario_status.as_json(scenarios)} if scenarios else {})
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(rows, envs, source) + scenario_status.markdown(scenarios)
    return _text(rows, envs, source) + scenario_status.text(scenarios)


def _json(row: AppStatus, source: Source) -> dict[str, object]:
    return {
        "tenant": row.tenant,
        "app": row.app,
        "environments": {
            c.env: None
            if c.image is None
            else _release_json(c.image)
            | {"differs": c.differs}
            | ({} if source.live_file is None else {"live": _live_json(c.live)})
            for c in row.cells
        },
    }


def _release_json(release: Image | ChartVersion) -> dict[str, object]:
    if isinstance(release, ChartVersion):
        return dict(release.as_json())
    return {"tag": release.tag, "digest": release.digest}


def _live_json(live: Live | None) -> dict[str, object] | None:
    if live is None:
        return None
    return {
        "sync": live.sync or None,
        "health": live.health or None,
        "revision": live.revision or None,
        "images": list(live.images),
    }


NOT_REPORTED = "not in export"


def _live_label(cell: Cell, source: Source) -> str:
    if source.live_file is None or cell.image is None:
        return ""
    return f" [{cell.live.label() if cell.live else NOT_REPORTED}]"


def _cell(cell: Cell, source: Source) -> str:
    if cell.image is None:
        return "-"
    return str(cell.image) + (" *" if cell.differs else "") + _live_label(cell, source)


def _header(source: Source) -> str:
    if source.live_file is None:
        return (
            "Desired state in Git (what Argo CD is told to run; --live FILE adds what it reports)"
        )
    return (
        f"Desired state in Git, with [sync/health] as Argo CD reported them in {source.live_file}"
    )


def _text(rows: list[AppStatus], envs: list[str], source: Source) -> str:
    table = [["APP", *(e.upper() for e in envs)]]
    table += [[f"{r.tenant}/{r.app}", *(_cell(c, source) for c in r.cells)] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [_header(source)]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    if not rows:
        lines.append("(no applications)")
    elif any(c.differs for r in rows for c in r.cells):
        lines.append("* differs from the environment before it: `berth promote` moves it")
    return "\n".join(lines) + "\n"


def _markdown(rows: list[AppStatus], envs: list[str], source: Source) -> str:
    said = "Desired state in Git: what Argo CD is told to run, not what the clusters report."
    if source.live_file is not None:
        said += f" [sync/health] as Argo CD reported them in {code(source.live_file)}."
    out = ["## Releases\n\n", f"{said}\n\n"]
    out.append(f"| App | {' | '.join(code(e) for e in envs)} |\n")
    out.append("|---" * (len(envs) + 1) + "|\n")
    for row in rows:
        cells = [
            "-"
            if c.image is None
            else (f"**{code(str(c.image))}**" if c.differs else code(str(c.image)))
            + (f" {code(_live_label(c, source).strip())}" if _live_label(c, source) else "")
            for c in row.cells
        ]
        out.append(f"| {code(f'{row.tenant}/{row.app}')} | {' | '.join(cells)} |\n")
    if not rows:
        out.append("\nNo applications.\n")
    elif any(c.differs for r in rows for c in r.cells):
        out.append("\n**Bold**: differs from the environment before it.\n")
    return "".join(out)

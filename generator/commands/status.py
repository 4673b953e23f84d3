"""`berth status [TENANT]`: the image each application runs in each environment.

One row per application, one column per environment of platform.yaml (in its order). A
value differs from the environment before it (for that application) is marked, in text
with `*`, in Markdown in bold, in JSON with `"differs": true`: that is what a promotion
would move. The main-branch workflow writes the Markdown into its run summary.

Exit codes: 0 reported; 1 the repository is invalid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, TextIO

from generator.commands.report import deliver
from generator.models.image import Image, released
from generator.problems.code_spans import code
from generator.release.propose import valid_repo
from generator.release.target import argument_problem, parse_target

StatusFormat = Literal["text", "json", "markdown"]


@dataclass(frozen=True)
class Cell:
    env: str
    image: Image | None  # None: the application does not run there
    differs: bool  # from the previous environment the application runs in


@dataclass(frozen=True)
class AppStatus:
    tenant: str
    app: str
    cells: tuple[Cell, ...]


def run(
    root: str,
    *,
    tenant: str | None,
    fmt: StatusFormat,
    out: TextIO,
    output: str | None = None,
) -> int:
    repo = valid_repo(root)
    if tenant is not None:
        parse_target(tenant, app_required=False)
        if tenant not in repo.tenants:
            raise argument_problem("tenant", f"there is no tenant {tenant!r} in tenants/")
    envs = [e.name for e in repo.platform.spec.environments]
    rows = []
    for name in sorted(repo.apps):
        if tenant is not None and name != tenant:
            continue
        for app_name, app in repo.apps[name].items():
            cells, previous = [], None
            for env in envs:
                image = released(app, env)
                differs = image is not None and previous is not None and image != previous
                cells.append(Cell(env, image, differs))
                previous = image or previous
            rows.append(AppStatus(name, app_name, tuple(cells)))
    deliver(out, output, render(rows, envs, fmt), render(rows, envs, "text"))
    return 0


def render(rows: list[AppStatus], envs: list[str], fmt: StatusFormat) -> str:
    if fmt == "json":
        return json.dumps({"environments": envs, "apps": [_json(r) for r in rows]}, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(rows, envs)
    return _text(rows, envs)


def _json(row: AppStatus) -> dict[str, object]:
    return {
        "tenant": row.tenant,
        "app": row.app,
        "environments": {
            c.env: None
            if c.image is None
            else {"tag": c.image.tag, "digest": c.image.digest, "differs": c.differs}
            for c in row.cells
        },
    }


def _cell(cell: Cell) -> str:
    return "-" if cell.image is None else str(cell.image) + (" *" if cell.differs else "")


def _text(rows: list[AppStatus], envs: list[str]) -> str:
    table = [["APP", *(e.upper() for e in envs)]]
    table += [[f"{r.tenant}/{r.app}", *(_cell(c) for c in r.cells)] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    if not rows:
        lines.append("(no applications)")
    elif any(c.differs for r in rows for c in r.cells):
        lines.append("* differs from the environment before it: `berth promote` moves it")
    return "\n".join(lines) + "\n"


def _markdown(rows: list[AppStatus], envs: list[str]) -> str:
    out = ["## Releases\n\n", f"| App | {' | '.join(code(e) for e in envs)} |\n"]
    out.append("|---" * (len(envs) + 1) + "|\n")
    for row in rows:
        cells = [
            "-"
            if c.image is None
            else (f"**{code(str(c.image))}**" if c.differs else code(str(c.image)))
            for c in row.cells
        ]
        out.append(f"| {code(f'{row.tenant}/{row.app}')} | {' | '.join(cells)} |\n")
    if not rows:
        out.append("\nNo applications.\n")
    elif any(c.differs for r in rows for c in r.cells):
        out.append("\n**Bold**: differs from the environment before it.\n")
    return "".join(out)

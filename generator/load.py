"""Finding and reading the request files of a repository (the first stage: load).

Nothing here judges content beyond "is this a YAML mapping we can read"; `validate/` does the
rest. Every file that cannot be read becomes a Problem, so one run reports them all.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from generator import layout
from generator.problems import Problem
from generator.yaml_load import Document, LoadError, load_request


@dataclass
class RawRepo:
    """The request documents of a repository, before validation."""

    root: str
    platform: Document | None
    tenants: dict[str, Document] = field(default_factory=dict)  # by folder name
    problems: list[Problem] = field(default_factory=list)


def load_repo(root: str) -> RawRepo:
    repo = RawRepo(root=root, platform=None)
    repo.platform = _load(root, layout.PLATFORM_FILE, repo.problems)
    tenants_dir = os.path.join(root, layout.TENANTS_DIR)
    try:
        entries = sorted(os.scandir(tenants_dir), key=lambda e: e.name)
    except FileNotFoundError:
        return repo
    for entry in entries:
        display = f"{layout.TENANTS_DIR}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            repo.problems.append(
                Problem(
                    display, 1, 1, "", "is a symbolic link; tenant folders must be real folders"
                )
            )
            continue
        if not entry.is_dir():
            if entry.name.lower() not in {"readme.md", "readme"}:
                repo.problems.append(
                    Problem(
                        display,
                        1,
                        1,
                        "",
                        "is a file; tenants/ holds one folder per tenant, with tenant.yaml in it",
                    )
                )
            continue
        path = layout.tenant_file(entry.name)
        if not os.path.lexists(os.path.join(root, path)):
            repo.problems.append(Problem(display, 1, 1, "", f"has no {layout.TENANT_FILE}"))
            continue
        doc = _load(root, path, repo.problems)
        if doc is not None:
            repo.tenants[entry.name] = doc
    return repo


def _load(root: str, path: str, problems: list[Problem]) -> Document | None:
    full = os.path.join(root, path)
    try:
        return load_request(full, path)
    except LoadError as exc:
        problems.append(exc.problem)
        return None


def is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False

"""Finding and reading the request files of a repository (the first stage: load).

Nothing here judges content beyond "is this a YAML mapping we can read"; `validate/` does the
rest. Every file that cannot be read becomes a Problem, so one run reports them all.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator import layout
from generator.atomic import write_atomic
from generator.fingerprint import generator_fingerprint
from generator.problems import Problem
from generator.yaml_load import Document, LoadError, load_request

if TYPE_CHECKING:
    from generator.blueprints import Blueprint


@dataclass
class RawRepo:
    """The request documents of a repository, before validation."""

    root: str
    platform: Document | None
    tenants: dict[str, Document] = field(default_factory=dict)  # by folder name
    problems: list[Problem] = field(default_factory=list)
    apps: dict[str, dict[str, Document]] = field(default_factory=dict)  # tenant folder -> stem
    blueprints: dict[str, Blueprint | None] = field(default_factory=dict)  # None: broken
    cache: RequestCache | None = None


class RequestCache:
    """`.berth/requests.json`: the model JSON of request files that passed their schema.

    An unchanged file (same size and modification time, same generator code) is not parsed
    again: its model is rebuilt from the JSON, and its YAML is read only if a cross-file rule
    needs a line number. A fresh clone (CI) has no cache and parses everything.
    """

    def __init__(self, root: str) -> None:
        self.file = os.path.join(root, layout.STATE_DIR, "requests.json")
        self.old: dict[str, list[object]] = {}
        self.new: dict[str, list[object]] = {}
        try:
            with open(self.file, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict) and data.get("fingerprint") == generator_fingerprint():
                self.old = data.get("files") or {}
        except (OSError, ValueError):
            pass

    def lookup(self, path: str, st: tuple[int, int]) -> str | None:
        entry = self.old.get(path)
        if entry is not None and entry[0] == st[0] and entry[1] == st[1]:
            self.new[path] = entry
            return str(entry[2])
        return None

    def learn(self, doc: Document, model_json: str) -> None:
        if doc.stat is not None:
            self.new[doc.path] = [doc.stat[0], doc.stat[1], model_json]

    def save(self) -> None:
        if self.new == self.old:
            return
        data = {"fingerprint": generator_fingerprint(), "files": self.new}
        write_atomic(self.file, json.dumps(data))


def load_repo(root: str, cache: RequestCache | None = None) -> RawRepo:
    repo = RawRepo(root=root, platform=None, cache=cache)
    repo.platform = _load(root, layout.PLATFORM_FILE, repo.problems, cache)
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
            others = [
                e.name
                for e in entries
                if e.name != entry.name
                and os.path.lexists(os.path.join(root, layout.tenant_file(e.name)))
            ]
            repo.problems += _without_tenant_file(root, entry.name, others)
            continue
        doc = _load(root, path, repo.problems, cache)
        if doc is not None:
            repo.tenants[entry.name] = doc
        apps = _load_apps(root, entry.name, repo.problems, cache)
        if apps:
            repo.apps[entry.name] = apps
    # Imported here: blueprints.py reuses validate/'s error translation, which imports this module.
    from generator.blueprints import load_blueprints

    repo.blueprints, found = load_blueprints(root)
    repo.problems += found
    return repo


def _without_tenant_file(root: str, tenant: str, others: list[str]) -> list[Problem]:
    """A folder without tenant.yaml: reported on its application files when it has some (an app
    added under a misspelt or not yet requested tenant), so the annotation lands on a file of
    the pull request; on the folder otherwise."""
    message = (
        f"{layout.TENANTS_DIR}/{tenant} has no {layout.TENANT_FILE}: an application belongs to"
        f" a requested tenant; request {layout.tenant_file(tenant)} first, or move this file to"
        " the folder of an existing tenant"
    )
    close = difflib.get_close_matches(tenant, others, n=1)
    if close:
        message += f" (did you mean {layout.apps_dir(close[0])}/?)"
    folder = layout.apps_dir(tenant)
    try:
        names = sorted(e.name for e in os.scandir(os.path.join(root, folder)))
    except (FileNotFoundError, NotADirectoryError):
        names = []
    apps = [n for n in names if n.endswith(layout.APP_SUFFIX) and not n.startswith(".")]
    if not apps:
        return [Problem(f"{layout.TENANTS_DIR}/{tenant}", 1, 1, "", f"has no {layout.TENANT_FILE}")]
    return [Problem(f"{folder}/{name}", 1, 1, "", message) for name in apps]


def _load_apps(
    root: str, tenant: str, problems: list[Problem], cache: RequestCache | None
) -> dict[str, Document]:
    """`tenants/<tenant>/apps/*.yaml`, by file name without `.yaml` (which must be the app's name)."""
    folder = layout.apps_dir(tenant)
    full = os.path.join(root, folder)
    if os.path.islink(full) or (os.path.lexists(full) and not os.path.isdir(full)):
        problems.append(Problem(folder, 1, 1, "", "must be a real folder, not a link or a file"))
        return {}
    try:
        entries = sorted(os.scandir(full), key=lambda e: e.name)
    except FileNotFoundError:
        return {}
    apps: dict[str, Document] = {}
    for entry in entries:
        display = f"{folder}/{entry.name}"
        if entry.name.startswith(".") or entry.name.lower() in {"readme.md", "readme"}:
            continue
        if entry.is_dir(follow_symlinks=False) or not entry.name.endswith(layout.APP_SUFFIX):
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "",
                    f"{folder}/ holds one <app>{layout.APP_SUFFIX} file per application and nothing else",
                )
            )
            continue
        doc = _load(root, display, problems, cache)
        if doc is not None:
            apps[entry.name[: -len(layout.APP_SUFFIX)]] = doc
    return apps


def _load(
    root: str, path: str, problems: list[Problem], cache: RequestCache | None = None
) -> Document | None:
    full = os.path.join(root, path)
    st: tuple[int, int] | None = None
    if cache is not None:
        try:
            info = os.lstat(full)
        except OSError:
            info = None
        if info is not None and stat.S_ISREG(info.st_mode):
            st = (info.st_size, info.st_mtime_ns)
            hit = cache.lookup(path, st)
            if hit is not None:
                return Document(
                    path, {}, model_json=hit, reload=lambda: load_request(full, path), stat=st
                )
    try:
        doc = load_request(full, path)
    except LoadError as exc:
        problems.append(exc.problem)
        return None
    doc.stat = st
    return doc


def is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False

"""Finding and reading the request files of a repository (the first stage: load).

Nothing here judges content beyond "is this a YAML mapping we can read"; `validate/` does the
rest. Every file that cannot be read becomes a Problem, so one run reports them all.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from generator.load.blueprints import Blueprint, load_blueprints
from generator.problems import Problem
from generator.repo import layout
from generator.repo.atomic import write_atomic
from generator.repo.changes import ChangeSet
from generator.repo.fingerprint import generator_fingerprint
from generator.repo.forbidden import repository_problems
from generator.repo.scenario_layout import SCENARIOS_DIR, changed_scenarios, scenarios_dir
from generator.repo.view import DiskView, Kind, RepoView
from generator.yamlio.reader import MAX_FILE_BYTES, Document, LoadError, parse_request

# Which tenant folders' applications to load, given every tenant's document: a scoped check
# (generator/repo/scope.py) loads the applications of the tenants a change can affect only.
AppSelection = Callable[[Mapping[str, Document]], Collection[str]]


@dataclass
class RawRepo:
    """The request documents of a repository, before validation."""

    root: str
    platform: Document | None
    tenants: dict[str, Document] = field(default_factory=dict)  # by folder name
    problems: list[Problem] = field(default_factory=list)
    apps: dict[str, dict[str, Document]] = field(default_factory=dict)  # tenant folder -> stem
    scenarios: dict[str, dict[str, Document]] = field(default_factory=dict)  # the same
    systems: dict[str, dict[str, Document]] = field(default_factory=dict)  # tenant folder -> stem
    blueprints: dict[str, Blueprint | None] = field(default_factory=dict)  # None: broken
    cache: RequestCache | None = None
    # Tenant folders a scoped check did not read: unchanged since a base that passed.
    unloaded: frozenset[str] = frozenset()
    changed: frozenset[str] | None = None  # a scoped check's scenario files written anew


class RequestCache:
    """`.berth/requests.json`: the model JSON of request files that passed their schema.

    A file whose bytes are unchanged (same generator code) is not parsed again: its model is
    rebuilt from the JSON, and its YAML is parsed only if a cross-file rule needs a line
    number. Entries are keyed by the sha256 of the bytes, not by size and modification time:
    an edit that keeps both (or restores the old time) must never be served the old model,
    and reading and hashing a small file costs little next to parsing it. A fresh clone (CI)
    has no cache and parses everything.
    """

    def __init__(self, root: str) -> None:
        self.file = os.path.join(root, layout.STATE_DIR, "requests.json")
        self.old: dict[str, list[object]] = {}
        self.new: dict[str, list[object]] = {}
        self.digests: dict[str, str] = {}  # path -> sha256 of the bytes read this run
        try:
            with open(self.file, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict) and data.get("fingerprint") == generator_fingerprint():
                self.old = data.get("files") or {}
        except (OSError, ValueError):
            pass

    def lookup(self, path: str, raw: bytes) -> str | None:
        digest = hashlib.sha256(raw).hexdigest()
        self.digests[path] = digest
        entry = self.old.get(path)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest:
            self.new[path] = entry
            return str(entry[1])
        return None

    def learn(self, doc: Document, model_json: str) -> None:
        digest = self.digests.get(doc.path)
        if digest is not None:
            self.new[doc.path] = [digest, model_json]

    def keep_unread(self) -> None:
        """Keep the entries of files this run did not read (a scoped run reads few)."""
        self.new = {**self.old, **self.new}

    def save(self) -> None:
        if self.new == self.old:
            return
        data = {"fingerprint": generator_fingerprint(), "files": self.new}
        write_atomic(self.file, json.dumps(data))


def load_repo(
    source: str | RepoView,
    cache: RequestCache | None = None,
    *,
    apps_of: AppSelection | None = None,
    blueprints_root: str | None = None,
    change: ChangeSet | None = None,
    tenants: Collection[str] | None = None,
) -> RawRepo:
    """Every request of the repository at `source` (a folder, or a view of one).

    `apps_of` picks the tenants whose applications are read (all by default); blueprints are
    read from `blueprints_root` (default: the repository's folder on disk). `tenants`: the
    only tenant folders to read (a scoped check); the others are listed, not opened. With `change` (a
    scoped check), only the paths it touched are looked at for files no repository may hold
    (generator/repo/forbidden.py).
    """
    view = DiskView(source) if isinstance(source, str) else source
    root = view.root
    repo = RawRepo(root=root, platform=None, cache=cache)
    repo.changed = None if change is None else changed_scenarios(view, change)
    repo.platform = _load(view, layout.PLATFORM_FILE, repo.problems, cache)
    if isinstance(view, DiskView):  # a view in memory adds no file Git could list
        repo.problems += (
            repository_problems(root)
            if change is None
            else repository_problems(root, change.paths, change.untracked)
        )
    if view.kind(layout.TENANTS_DIR) == "dir":
        folders = _load_tenants(view, repo, None if tenants is None else frozenset(tenants))
        chosen = set(folders) if apps_of is None else set(apps_of(repo.tenants))
        _load_chosen_apps(view, repo, folders, chosen)
    repo.blueprints, found = load_blueprints(blueprints_root or root)
    repo.problems += found
    return repo


def _load_tenants(view: RepoView, repo: RawRepo, wanted: frozenset[str] | None) -> list[str]:
    """Reads the tenant.yaml of each tenant folder (of those `wanted`, None: all) into `repo`,
    with the problems of every other entry of tenants/; returns the folders read."""
    entries = view.entries(layout.TENANTS_DIR)
    names = [name for name, _ in entries]
    unloaded: set[str] = set()
    folders: list[str] = []
    for name, kind in entries:
        if name.startswith("."):
            continue
        if wanted is not None and name not in wanted and kind == "dir":
            # An entry that is no folder belongs to no tenant: every scope reports it.
            unloaded.add(name)
            continue
        if kind != "dir" or view.kind(layout.tenant_file(name)) is None:
            repo.problems += _not_a_tenant_folder(view, name, kind, names)
            continue
        folders.append(name)
        doc = _load(view, layout.tenant_file(name), repo.problems, repo.cache)
        if doc is not None:
            repo.tenants[name] = doc
        repo.problems += _foreign_entries(view, name)
    repo.unloaded = frozenset(unloaded)
    return folders


def _load_chosen_apps(
    view: RepoView, repo: RawRepo, folders: list[str], chosen: Collection[str]
) -> None:
    """The applications of the tenant folders read that are `chosen`, in folder order."""
    for name in folders:
        if name in chosen:
            apps = _load_apps(view, name, repo.problems, repo.cache)
            if apps:
                repo.apps[name] = apps
            scenarios = _load_apps(view, name, repo.problems, repo.cache, scenarios_dir(name))
            if scenarios:
                repo.scenarios[name] = scenarios
            systems = _load_apps(view, name, repo.problems, repo.cache, layout.systems_dir(name))
            if systems:
                repo.systems[name] = systems


def _not_a_tenant_folder(view: RepoView, name: str, kind: Kind, names: list[str]) -> list[Problem]:
    """An entry of tenants/ that is no folder with a tenant.yaml (a README is welcome)."""
    display = f"{layout.TENANTS_DIR}/{name}"
    if kind == "link":
        return [
            Problem(display, 1, 1, "", "is a symbolic link; tenant folders must be real folders")
        ]
    if kind != "dir":
        if name.lower() in READMES:
            return []
        return [
            Problem(
                display,
                1,
                1,
                "",
                "is a file; tenants/ holds one folder per tenant, with tenant.yaml in it",
            )
        ]
    others = [n for n in names if n != name and view.kind(layout.tenant_file(n)) is not None]
    return _without_tenant_file(view, name, others)


def _without_tenant_file(view: RepoView, tenant: str, others: list[str]) -> list[Problem]:
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
    spelt = _yml_twin(layout.TENANT_FILE)
    if view.kind(f"{layout.TENANTS_DIR}/{tenant}/{spelt}") == "file":
        return [_misnamed(f"{layout.TENANTS_DIR}/{tenant}/{spelt}", layout.TENANT_FILE)]
    folder = layout.apps_dir(tenant)
    names = view.names(folder)
    apps = [n for n in names if n.endswith(layout.APP_SUFFIX) and not n.startswith(".")]
    if not apps:
        return [Problem(f"{layout.TENANTS_DIR}/{tenant}", 1, 1, "", f"has no {layout.TENANT_FILE}")]
    return [Problem(f"{folder}/{name}", 1, 1, "", message) for name in apps]


READMES = frozenset({"readme.md", "readme"})
_ARGOCD_API = re.compile(rb"^[ \t]*[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?argoproj\.io/", re.M)


def _foreign_entries(view: RepoView, tenant: str) -> list[Problem]:
    """Everything in `tenants/<tenant>/` but its requests and a README, each reported.

    CODEOWNERS gives the folder to the tenant's owners, so anything else in it (an Argo CD
    object, a link, a file some tool might pick up) would reach the default branch with no
    one but them having looked; a tenant folder holds requests only.
    """
    folder = f"{layout.TENANTS_DIR}/{tenant}"
    allowed = (
        f"{folder}/ holds only {layout.TENANT_FILE}, {layout.APPS_DIR}/<app>{layout.APP_SUFFIX},"
        f" {SCENARIOS_DIR}/<scenario>{layout.APP_SUFFIX},"
        f" {layout.SYSTEMS_DIR}/<system>{layout.APP_SUFFIX} and a README.md"
    )
    problems: list[Problem] = []
    for name in view.names(folder):
        display = f"{folder}/{name}"
        kind = view.kind(display)
        if kind == "link":
            if name not in {layout.TENANT_FILE, layout.APPS_DIR, SCENARIOS_DIR, layout.SYSTEMS_DIR}:
                problems.append(Problem(display, 1, 1, "", f"is a symbolic link; {allowed}"))
        elif name in {layout.APPS_DIR, layout.TENANT_FILE, SCENARIOS_DIR, layout.SYSTEMS_DIR}:
            continue  # loaded (and judged) above
        elif name.lower() in READMES and kind == "file":
            continue
        elif kind == "dir":
            problems.append(Problem(display, 1, 1, "", f"is a folder; {allowed}"))
        elif name == _yml_twin(layout.TENANT_FILE):
            said = f"Berth reads {layout.TENANT_FILE}, never {name}; merge this file into"
            problems.append(
                Problem(display, 1, 1, "", f"{said} {layout.TENANT_FILE} and delete it")
            )
        elif _argocd_shaped(view, display):
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "",
                    "is an Argo CD object (apiVersion argoproj.io/...), not a Berth request;"
                    f" Argo CD objects are generated into environments/ by `berth render`; {allowed}",
                )
            )
        else:
            problems.append(Problem(display, 1, 1, "", f"is not a request; {allowed}"))
    return problems


_YML = ".yml"


def _yml_twin(name: str) -> str:
    """`tenant.yaml` as editors and habits from other tools often spell it: `tenant.yml`."""
    return name.removesuffix(".yaml") + _YML


def _misnamed(display: str, wanted: str) -> Problem:
    return Problem(
        display,
        1,
        1,
        "",
        f"Berth reads requests from files ending in .yaml only; rename this file to {wanted}",
    )


def _argocd_shaped(view: RepoView, path: str) -> bool:
    try:
        head = view.read(path, 64 * 1024)
    except OSError:
        return False
    return _ARGOCD_API.search(head) is not None


def _load_apps(
    view: RepoView,
    tenant: str,
    problems: list[Problem],
    cache: RequestCache | None,
    folder: str | None = None,
) -> dict[str, Document]:
    """`tenants/<tenant>/apps/*.yaml` (or the request files of `folder`, such as its
    scenarios/ or systems/), by file name without `.yaml` (which must be the request's name)."""
    folder = folder or layout.apps_dir(tenant)
    what = folder.rsplit("/", 1)[-1].removesuffix("s")
    kind = view.kind(folder)
    if kind is None:
        return {}
    if kind != "dir":
        problems.append(Problem(folder, 1, 1, "", "must be a real folder, not a link or a file"))
        return {}
    apps: dict[str, Document] = {}
    for name in view.names(folder):
        display = f"{folder}/{name}"
        entry = view.kind(display)
        if name.lower() in READMES and entry != "link":
            continue
        if entry == "file" and name.endswith(_YML) and not name.startswith("."):
            problems.append(_misnamed(display, name.removesuffix(_YML) + layout.APP_SUFFIX))
            continue
        if entry == "dir" or not name.endswith(layout.APP_SUFFIX):
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "",
                    f"{folder}/ holds one <{what}>{layout.APP_SUFFIX} file per"
                    f" {'application' if what == 'app' else what} and nothing else",
                )
            )
            continue
        doc = _load(view, display, problems, cache)
        if doc is not None:
            apps[name[: -len(layout.APP_SUFFIX)]] = doc
    return apps


def read_request(view: RepoView, path: str) -> bytes:
    """The bytes of a request file, refusing what a request file never is."""
    kind = view.kind(path)
    if kind is None:
        raise LoadError(Problem(path, 1, 1, "", "cannot read: No such file or directory"))
    if kind == "link":
        raise LoadError(
            Problem(path, 1, 1, "", "is a symbolic link; requests must be regular files")
        )
    if kind != "file":
        raise LoadError(Problem(path, 1, 1, "", "is not a regular file"))
    size = view.size(path)
    if size > MAX_FILE_BYTES:
        raise LoadError(
            Problem(path, 1, 1, "", f"is {size} bytes; a request may be at most {MAX_FILE_BYTES}")
        )
    try:
        return view.read(path, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise LoadError(Problem(path, 1, 1, "", f"cannot read: {exc.strerror}")) from None


def _load(
    view: RepoView, path: str, problems: list[Problem], cache: RequestCache | None = None
) -> Document | None:
    try:
        raw = read_request(view, path)
        if cache is not None:
            hit = cache.lookup(path, raw)
            if hit is not None:
                # The bytes are kept: the YAML parsed later for a line number is the YAML
                # that was hashed, whatever happens to the file meanwhile.
                return Document(path, {}, model_json=hit, reload=lambda: parse_request(raw, path))
        return parse_request(raw, path)
    except LoadError as exc:
        problems.append(exc.problem)
        return None


def is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False

"""From a request issue to the files of its pull request, or to the problems that stop it.

The order matters for safety: the names from the form are checked by the request models (the
same validators and messages as `berth validate`) before any path is built from them; the
request is then put into a view of the checkout in memory (generator/repo/view.py `OverlayView`:
nothing is copied, nothing written), checked by the whole pipeline (load -> validate), and
rendered. Nothing here runs a process or evaluates the issue text: it is data from the parser to
the YAML emitter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from generator.intake import APP_FORM, FormError, RequestDraft, request_from_issue
from generator.intake.event import IssueEvent
from generator.intake.merge import merge_form
from generator.load import load_repo
from generator.models.application import Application, AppName
from generator.models.common import TenantName
from generator.models.errors import validate_model
from generator.models.scenario import Scenario, ScenarioName
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.render.pipeline import build
from generator.repo import layout
from generator.repo.scenario_layout import scenario_file
from generator.repo.view import DiskView, OverlayView, RepoView
from generator.validate import validate_repo
from generator.write import Workspace
from generator.write.rendered import plan_render
from generator.yamlio.edit import EditError, changes_between, edit
from generator.yamlio.reader import LoadError, load_request, parse_request, read_request_bytes
from generator.yamlio.writer import dump

_TENANT_NAME: TypeAdapter[str] = TypeAdapter(TenantName)
_APP_NAME: TypeAdapter[str] = TypeAdapter(AppName)
_SCENARIO_NAME: TypeAdapter[str] = TypeAdapter(ScenarioName)
# What the name of each kind of request must be (a Tenant's is its tenant's).
_NAMES = {"Tenant": _TENANT_NAME, "Application": _APP_NAME, "Scenario": _SCENARIO_NAME}
_PLACEHOLDER = {"Tenant": "<tenant>", "Application": "<app>", "Scenario": "<scenario>"}
_MODELS: dict[str, type[Tenant | Application | Scenario]] = {
    "Tenant": Tenant,
    "Application": Application,
    "Scenario": Scenario,
}
TENANT_LABEL = APP_FORM.field("tenant").label  # an application's tenant: a form field only


@dataclass(frozen=True)
class Proposal:
    """The pull request to open: the request file and the generated files it changes."""

    kind: str  # Tenant | Application | Scenario
    tenant: str
    name: str
    request_path: str
    files: dict[str, bytes]
    generated: int  # generated files that differ from the default branch
    unchanged: bool  # the default branch has this request already, byte for byte
    updates: bool  # the request file exists on the default branch already
    stale: tuple[str, ...]  # generated files the change deletes (`berth render` on the branch)


@dataclass(frozen=True)
class Rejection:
    """Why there is no pull request: the problems of the request file built from the issue
    (as `berth validate` reports them) or of the form's fields (`issue #N`, by label)."""

    problems: tuple[Problem, ...]
    request: str | None = None  # the request file built from the issue, which problems refer to


def propose(root: str, event: IssueEvent) -> Proposal | Rejection:
    draft = request_from_issue(event.body, event.labels, domains=_domains(root))
    if not isinstance(draft, RequestDraft):
        return Rejection((form_problem(draft, event.number),))
    if draft.document is None or draft.tenant is None or draft.name is None:
        return Rejection(tuple(form_problem(e, event.number) for e in draft.errors))
    text = request_text(draft.document, event.number)
    problems = _model_problems(draft, draft.tenant, draft.name, text, event.number)
    if problems:
        return Rejection(problems, text)
    # From here on both names are valid DNS labels: now they may become a path.
    path = _request_path(draft.kind, draft.tenant, draft.name)
    if draft.kind != "Tenant" and not os.path.isfile(
        os.path.join(root, layout.tenant_file(draft.tenant))
    ):
        return Rejection(
            (
                issue_problem(
                    event.number,
                    TENANT_LABEL,
                    f"there is no tenant {draft.tenant!r}; request it with the tenant form first",
                ),
            )
        )
    text = _updated(root, path, draft.kind, draft.document) or text
    _inside(root, path)
    # The checkout with the request file put in, in memory: nothing is copied or written.
    view = OverlayView(DiskView(root), {path: text.encode()})
    return _validate_and_render(root, view, draft, path, text)


def issue_problem(issue: int, label: str, message: str) -> Problem:
    """A problem of a form field, which has no file or line: `issue #7:1:1: Team name: ...`."""
    return Problem(f"issue #{issue}", 1, 1, label, message)


def form_problem(error: FormError, issue: int) -> Problem:
    return issue_problem(issue, error.label or error.field, error.message)


def request_text(document: dict[str, Any], issue: int) -> str:
    kind = document.get("kind")
    schema = (
        "../../schemas/tenant"
        if kind == "Tenant"
        else "../../../schemas/scenario"
        if kind == "Scenario"
        else "../../../schemas/application"
    )
    return (
        f"# yaml-language-server: $schema={schema}.schema.json\n"
        f"# Requested in issue #{issue}. Editing the issue updates this file on the branch\n"
        f"# berth/issue-{issue} until its pull request is merged.\n" + dump(document)
    )


def _updated(root: str, path: str, kind: str, form: dict[str, Any]) -> str | None:
    """The existing request file with only the form's fields changed (generator/yamlio/edit.py
    keeps every other byte), or None when there is no such file or it cannot be read."""
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        return None
    try:
        raw = read_request_bytes(full, path)
        existing = parse_request(raw, path).data
    except LoadError:
        return None  # the form's version replaces a file that does not even parse
    merged = merge_form(existing, form, kind)
    try:
        return edit(raw, path, changes_between(existing, merged)).decode("utf-8")
    except EditError:
        # A block-style list or mapping that changed: the fields are kept, the layout not.
        head = "".join(
            line for line in raw.decode("utf-8").splitlines(True) if line.startswith("#")
        )
        return (head if raw.startswith(b"#") else "") + dump(merged)


def _request_path(kind: str, tenant: str, name: str) -> str:
    if kind == "Scenario":
        return scenario_file(tenant, name)
    return layout.tenant_file(tenant) if kind == "Tenant" else layout.app_file(tenant, name)


def _model_problems(
    draft: RequestDraft, tenant: str, name: str, text: str, issue: int
) -> tuple[Problem, ...]:
    """What the request model says about the request (names included), as the CLI says it."""
    tenant_errors = _errors(_TENANT_NAME, tenant)
    # An application's or a scenario's tenant is a form field, not a field of the file:
    # reported by its label.
    found = (
        [issue_problem(issue, TENANT_LABEL, e) for e in tenant_errors]
        if draft.kind != "Tenant"
        else []
    )
    names_ok = not tenant_errors and not _errors(_NAMES[draft.kind], name)
    # Problems name the file the request would become; a name that is not valid yet does not
    # go into it, not even as text.
    display = (
        _request_path(draft.kind, tenant, name)
        if names_ok
        else _request_path(draft.kind, "<tenant>", _PLACEHOLDER[draft.kind])
    )
    try:
        doc = parse_request(text.encode("utf-8", "surrogatepass"), display)
    except LoadError as exc:
        return (*found, exc.problem)
    _, problems = validate_model(_MODELS[draft.kind], doc)
    return (*found, *problems)


def _errors(adapter: TypeAdapter[str], value: str) -> list[str]:
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        return [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
    return []


def _validate_and_render(
    root: str, view: RepoView, draft: RequestDraft, path: str, text: str
) -> Proposal | Rejection:
    valid, problems = validate_repo(load_repo(view))
    if valid is None:
        return Rejection(tuple(p for p in problems if p.severity == "error"), text)
    tenant, name = draft.tenant or "", draft.name or ""
    # A scenario's generated files are those of the tenant it renders as, `<tenant>-<name>`.
    scope = {tenant, f"{tenant}-{name}"} if draft.kind == "Scenario" else {tenant}
    # Everything `berth render` writes for the branch, by render's own code path: the request's
    # pull request then passes `render --check` as opened, before any commit-back.
    built = build(view, valid)
    if any(p.severity == "error" for p in built.problems):
        return Rejection(tuple(p for p in built.problems if p.severity == "error"), text)
    extra, tree = built.extra, built.units
    # The generated tree is the checkout's (the request changes none of it); plan_render only
    # reads it, and the checkout's render cache.
    outcome, writes, _ = plan_render(root, built, Workspace(root))
    changed = {c.path: writes[c.path] for c in outcome.changes if c.action != "delete"}
    # Also this tenant's generated files (its root entries included) where unchanged from the
    # default branch: an edited issue must undo what an earlier version of the request
    # changed on the branch. The host skips the files the branch already has.
    files = {path: text.encode()}
    files |= {p: t.encode() for p, t in extra.items() if p in _SHARED or _in_scope(p, scope)}
    for unit in tree:
        if any(_in_scope(p, scope) for p in unit.paths):
            files |= {p: t.encode() for p, t in unit.build().items() if _in_scope(p, scope)}
    files |= changed
    return Proposal(
        kind=draft.kind,
        tenant=tenant,
        name=name,
        request_path=path,
        files=dict(sorted(files.items())),
        generated=len(changed),
        unchanged=not changed and _read(os.path.join(root, path)) == text,
        updates=os.path.isfile(os.path.join(root, path)),
        stale=tuple(c.path for c in outcome.changes if c.action == "delete"),
    )


# The generated files every new tenant changes besides its own.
_SHARED = frozenset({layout.CODEOWNERS_FILE, layout.CATALOG_LOCATION_FILE})


def _in_scope(path: str, tenants: set[str]) -> bool:
    # The tenant's folders and its entry in each environment's root (no environment file
    # lists the tenants).
    return layout.generated_tenant(path) in tenants


def _domains(root: str) -> dict[str, str]:
    """Environment -> domain from platform.yaml, for application hosts; {} if unreadable."""
    try:
        doc = load_request(os.path.join(root, layout.PLATFORM_FILE), layout.PLATFORM_FILE)
    except LoadError:
        return {}
    spec = doc.data.get("spec")
    envs = spec.get("environments") if isinstance(spec, dict) else None
    return {
        env["name"]: env["domain"]
        for env in (envs if isinstance(envs, list) else [])
        if isinstance(env, dict)
        and isinstance(env.get("name"), str)
        and isinstance(env.get("domain"), str)
    }


def _inside(root: str, path: str) -> None:
    """Refuse a request path that leaves root/tenants, by name or through a symbolic link
    (an overlay would otherwise show a linked folder as a real one)."""
    tenants = os.path.realpath(os.path.join(root, layout.TENANTS_DIR))
    target = os.path.realpath(os.path.join(root, path))
    if not target.startswith(tenants + os.sep):
        raise ValueError(f"refusing to put {path!r} outside {layout.TENANTS_DIR}/")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return None

"""Issue forms as data: the body GitHub renders from an issue form, parsed into a request.

An issue created from `.github/ISSUE_TEMPLATE/tenant-request.yml` (or from the GitLab template
of the same name, which uses the same headings) has a body like::

    ### Tenant name

    payments

    ### Environments

    - [X] dev
    - [ ] prod

    ### Monthly budget

    _No response_

This module turns such a body into the request mapping of contract section 1 (a Tenant or an
Application) and reports what it cannot use as `FormError`s, one per field. It is pure: no I/O,
nothing is evaluated (no YAML, no templates, no shell), every value stays a plain string exactly
as typed. It does not judge whether a value is *valid* (a tenant name of `../../etc` is kept as
it is): the real validator does that next, with the same messages as the CLI. Nothing here
builds a file path either; the caller does so only after validation.

The issue author controls the whole body (an issue made from a form can be edited as raw
Markdown), so every shape of text must give either values or errors, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

API_VERSION = "berth.dev/v1alpha1"

# Far above any honest form (a full tenant form is under 1 KiB) and small enough that nothing
# downstream (validator, YAML emitter, issue comment) has to think about size.
MAX_BODY_BYTES = 64 * 1024

# What GitHub writes for an optional field left empty.
NO_RESPONSE = "_No response_"

FieldKind = Literal["input", "textarea", "dropdown", "checkboxes"]
FormKind = Literal["tenant", "app"]
FieldValue = str | tuple[str, ...] | None


@dataclass(frozen=True)
class FormField:
    """One field of an issue form: `id` is the key in parsed values, `label` its heading."""

    id: str
    label: str
    kind: FieldKind
    # For checkboxes: at least one option must be ticked (GitHub's own `required` on a
    # checkbox option means "this option must be ticked", which is not what we want).
    required: bool
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssueForm:
    """An issue form: the issue label that selects it and its fields, in form order."""

    kind: FormKind
    label: str
    fields: tuple[FormField, ...]

    def field(self, field_id: str) -> FormField:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)


# The option lists are those of the example platform (contract section 1) and only document the
# forms; the parser accepts any ticked option and the validator checks it against platform.yaml.
EXAMPLE_ENVIRONMENTS = ("dev", "staging", "prod")
EXAMPLE_SIZES = ("small", "medium", "large")
BLUEPRINTS = ("web-service", "worker", "cronjob")

TENANT_FORM = IssueForm(
    kind="tenant",
    label="tenant-request",
    fields=(
        FormField("tenant_name", "Tenant name", "input", required=True),
        FormField("description", "Description", "textarea", required=True),
        FormField("owners", "Owners", "input", required=True),
        FormField("group", "Group", "input", required=True),
        FormField("cost_center", "Cost center", "input", required=True),
        FormField(
            "environments",
            "Environments",
            "checkboxes",
            required=True,
            options=EXAMPLE_ENVIRONMENTS,
        ),
        FormField("size", "Size", "dropdown", required=True, options=EXAMPLE_SIZES),
        FormField("budget", "Monthly budget", "input", required=False),
    ),
)

APP_FORM = IssueForm(
    kind="app",
    label="app-request",
    fields=(
        FormField("tenant", "Tenant", "input", required=True),
        FormField("app_name", "Application name", "input", required=True),
        FormField("blueprint", "Blueprint", "dropdown", required=True, options=BLUEPRINTS),
        FormField("image", "Image", "input", required=True),
        FormField("port", "Port", "input", required=False),
        FormField("cpu", "CPU", "input", required=True),
        FormField("memory", "Memory", "input", required=True),
        FormField("health_path", "Health path", "input", required=False),
        FormField("schedule", "Schedule", "input", required=False),
        FormField(
            "environments",
            "Environments",
            "checkboxes",
            required=True,
            options=EXAMPLE_ENVIRONMENTS,
        ),
        FormField("tag", "Image tag", "input", required=True),
        FormField("replicas", "Replicas", "input", required=True),
        FormField("host_prefix", "Host prefix", "input", required=False),
    ),
)

FORMS: tuple[IssueForm, ...] = (TENANT_FORM, APP_FORM)


@dataclass(frozen=True)
class FormError:
    """Something the form cannot turn into a request: `field` is a field id, or `body`/`labels`."""

    field: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label or self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedForm:
    """The values of one form, keyed by field id; a field that is absent or empty is None."""

    form: IssueForm
    values: Mapping[str, FieldValue]
    errors: tuple[FormError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RequestDraft:
    """A request built from a form, not yet validated.

    `document` is the request mapping (apiVersion/kind/metadata/spec) when there are no errors,
    else None. `tenant` and `name` are the names exactly as typed (None when missing); for a
    Tenant both are the tenant's name.
    """

    kind: Literal["Tenant", "Application"]
    tenant: str | None
    name: str | None
    document: dict[str, Any] | None
    errors: tuple[FormError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


# --- selecting the form -----------------------------------------------------------------------


def select_form(labels: Iterable[object]) -> IssueForm | FormError:
    """The form an issue was made from, judged by its labels (exactly one of ours must be set)."""
    names = {label for label in labels if isinstance(label, str)}
    found = [form for form in FORMS if form.label in names]
    if len(found) == 1:
        return found[0]
    wanted = " or ".join(f"'{form.label}'" for form in FORMS)
    if not found:
        return FormError("labels", "Labels", f"the issue has neither label {wanted}")
    return FormError("labels", "Labels", f"the issue has more than one of the labels {wanted}")


# --- parsing the body -------------------------------------------------------------------------

_CHECKBOX = re.compile(r"[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?")


def _strip_html_comments(text: str) -> str:
    """Drop `<!-- ... -->`: GitLab templates carry hints in them, and nobody sees them rendered.

    Keeping only what the rendered issue shows means reviewers see everything that becomes the
    request. A linear scan, not a regular expression, so no body can make this slow; an
    unterminated comment is left as text.
    """
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def _heading(line: str) -> str | None:
    """The text of a `### heading` line, casefolded for matching; None for any other line."""
    if not line.startswith("###") or line.startswith("####"):
        return None
    rest = line[3:]
    if not rest[:1].isspace():
        return None
    return rest.strip().casefold()


def parse_issue_body(body: object, form: IssueForm) -> ParsedForm:
    """Split an issue body into the form's fields; never raises.

    Only `### <label>` lines whose label is one of the form's start a field, so a description may
    contain other headings. A field's heading appearing twice is an error rather than a guess
    about which one counts. Text before the first known heading is ignored.
    """
    empty: dict[str, FieldValue] = {f.id: None for f in form.fields}
    if body is None:  # GitHub sends null for an empty body
        body = ""
    if not isinstance(body, str):
        return ParsedForm(form, MappingProxyType(empty), (_body_error("is not text"),))
    # len() first: a string of more than MAX_BODY_BYTES characters is at least that many bytes.
    if len(body) > MAX_BODY_BYTES or _utf8_size(body) > MAX_BODY_BYTES:
        return ParsedForm(
            form,
            MappingProxyType(empty),
            (
                _body_error(
                    f"is larger than {MAX_BODY_BYTES // 1024} KiB; a request form is far smaller"
                ),
            ),
        )

    text = _strip_html_comments(body.replace("\r\n", "\n").replace("\r", "\n"))
    by_label = {f.label.casefold(): f for f in form.fields}
    sections: dict[str, list[str]] = {}
    errors: list[FormError] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        heading = _heading(line)
        found = by_label.get(heading) if heading is not None else None
        if found is None:
            if current is not None:
                current.append(line)
            continue
        if found.id in sections:
            errors.append(_error(found, f"the heading '### {found.label}' appears more than once"))
            current = None  # what follows the repeated heading belongs to no field
            continue
        current = sections[found.id] = []

    values = dict(empty)
    failed = {e.field for e in errors}
    for f in form.fields:
        if f.id in failed:
            continue
        lines = sections.get(f.id)
        if lines is None:
            if f.required:
                errors.append(_error(f, f"the heading '### {f.label}' is missing"))
            continue
        raw = "\n".join(lines).strip()
        value, error = _field_value(f, raw)
        if error is not None:
            errors.append(_error(f, error))
            continue
        if f.required and not value:
            what = "tick at least one option" if f.kind == "checkboxes" else "it is required"
            errors.append(_error(f, f"no response: {what}"))
            continue
        values[f.id] = value
    return ParsedForm(form, MappingProxyType(values), tuple(errors))


def _utf8_size(text: str) -> int:
    # surrogatepass: a lone surrogate (possible in JSON-decoded text) is counted, not raised on.
    return len(text.encode("utf-8", "surrogatepass"))


def _field_value(f: FormField, raw: str) -> tuple[FieldValue, str | None]:
    if f.kind == "checkboxes":
        return _checkboxes(raw)
    if raw in ("", NO_RESPONSE):
        return None, None
    if f.kind in ("input", "dropdown") and "\n" in raw:
        return None, "must be a single line"
    return raw, None


def _checkboxes(raw: str) -> tuple[FieldValue, str | None]:
    if raw in ("", NO_RESPONSE):
        return (), None
    ticked: list[str] = []
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        match = _CHECKBOX.fullmatch(line.strip())
        if match is None:
            return None, f"line {number} is not a checkbox such as '- [x] dev'"
        option = (match.group(2) or "").strip()
        if match.group(1) == " ":
            continue
        if not option:
            return None, f"line {number} ticks a checkbox without an option"
        if option in ticked:
            return None, f"'{option}' is ticked more than once"
        ticked.append(option)
    return tuple(ticked), None


def _error(f: FormField, message: str) -> FormError:
    return FormError(f.id, f.label, message)


def _body_error(message: str) -> FormError:
    return FormError("body", "Issue body", f"the issue body {message}")


# --- building requests ------------------------------------------------------------------------

_WHOLE = re.compile(r"[0-9]{1,9}")
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,12})(?:\.[0-9]{1,2})?")


class _Values:
    """Typed access to parsed values; a field that already has an error yields None quietly."""

    def __init__(self, parsed: ParsedForm) -> None:
        self.form = parsed.form
        self.values = parsed.values
        self.errors: list[FormError] = list(parsed.errors)

    def text(self, field_id: str) -> str | None:
        value = self.values.get(field_id)
        return value if isinstance(value, str) else None

    def options(self, field_id: str) -> tuple[str, ...]:
        value = self.values.get(field_id)
        return value if isinstance(value, tuple) else ()

    def whole_number(self, field_id: str) -> int | None:
        value = self.text(field_id)
        if value is None:
            return None
        if not _WHOLE.fullmatch(value):
            self.fail(field_id, f"'{value}' is not a whole number")
            return None
        return int(value)

    def fail(self, field_id: str, message: str) -> None:
        self.errors.append(_error(self.form.field(field_id), message))


def build_tenant_request(parsed: ParsedForm) -> RequestDraft:
    """The Tenant mapping of contract section 1 from a parsed tenant form.

    One size applies to every ticked environment (the form has one dropdown); quota overrides
    and `allowFrom` are not on the form and are edited in the pull request if needed.
    """
    v = _Values(parsed)
    if parsed.form.kind != "tenant":
        v.errors.append(FormError("body", "Issue body", "this is not a tenant request form"))
    name = v.text("tenant_name")
    size = v.text("size")
    spec: dict[str, Any] = {
        "description": v.text("description"),
        "owners": _owners(v),
        "group": v.text("group"),
        "costCenter": v.text("cost_center"),
        "environments": {env: {"size": size} for env in v.options("environments")},
    }
    budget = _budget(v)
    if budget is not None:
        spec["budget"] = {"monthly": budget}
    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Tenant",
        "metadata": {"name": name},
        "spec": spec,
    }
    errors = tuple(v.errors)
    return RequestDraft("Tenant", name, name, None if errors else document, errors)


def _owners(v: _Values) -> list[str]:
    # Comma- or whitespace-separated; one leading '@' is dropped because people type mentions
    # out of habit. Everything else is kept as typed for the validator to judge.
    raw = v.text("owners")
    if raw is None:
        return []
    owners = [o for o in (item.removeprefix("@") for item in re.split(r"[,\s]+", raw)) if o]
    if not owners:
        v.fail("owners", "no usernames found; list them separated by commas")
    return owners


def _budget(v: _Values) -> int | float | None:
    value = v.text("budget")
    if value is None:
        return None
    if not _AMOUNT.fullmatch(value):
        v.fail("budget", f"'{value}' is not an amount such as 2500 or 2500.50")
        return None
    plain = value.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def build_application_request(
    parsed: ParsedForm, *, domains: Mapping[str, str] | None = None
) -> RequestDraft:
    """The Application mapping of contract section 1 from a parsed app form.

    Tag, replicas and host apply to every ticked environment (edit the file in the pull request
    to differ per environment). With a host prefix, each environment's host is
    `<prefix>.<domain>`, its domain taken from `domains` (platform.yaml environment -> domain).
    """
    v = _Values(parsed)
    if parsed.form.kind != "app":
        v.errors.append(FormError("body", "Issue body", "this is not an application request form"))
    tenant = v.text("tenant")
    name = v.text("app_name")
    spec: dict[str, Any] = {"blueprint": v.text("blueprint"), "image": v.text("image")}
    port = v.whole_number("port")
    if port is not None:
        spec["port"] = port
    spec["resources"] = {"cpu": v.text("cpu"), "memory": v.text("memory")}
    for field_id, key in (("health_path", "healthPath"), ("schedule", "schedule")):
        value = v.text(field_id)
        if value is not None:
            spec[key] = value

    tag = v.text("tag")
    replicas = v.whole_number("replicas")
    prefix = v.text("host_prefix")
    environments: dict[str, Any] = {}
    for env in v.options("environments"):
        entry: dict[str, Any] = {"tag": tag}
        if spec["blueprint"] != "cronjob":  # a cronjob runs one pod per schedule, not replicas
            entry["replicas"] = replicas
        if prefix is not None:
            domain = (domains or {}).get(env)
            if domain is None:
                v.fail("environments", f"'{env}' is not an environment of this platform")
                continue
            entry["host"] = f"{prefix}.{domain}"
        environments[env] = entry
    spec["environments"] = environments

    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {"name": name},
        "spec": spec,
    }
    errors = tuple(v.errors)
    return RequestDraft("Application", tenant, name, None if errors else document, errors)


def request_from_issue(
    body: object, labels: Iterable[object], *, domains: Mapping[str, str] | None = None
) -> RequestDraft | FormError:
    """Select the form by the issue's labels, parse the body and build the request; never raises.

    A FormError means the issue is not a request issue at all (no or both labels).
    """
    form = select_form(labels)
    if isinstance(form, FormError):
        return form
    parsed = parse_issue_body(body, form)
    if form.kind == "tenant":
        return build_tenant_request(parsed)
    return build_application_request(parsed, domains=domains)

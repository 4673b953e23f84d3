"""Request mappings (a Tenant or an Application, docs/requests.md) from parsed form values.

Pure like the parser: every value stays the string typed, nothing is evaluated, and what cannot
be used is a `FormError` on its field. Whether a value is *valid* is the validator's call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from generator.intake.body import FormError, ParsedForm, field_error, parse_issue_body, select_form

API_VERSION = "berth.dev/v1alpha1"


@dataclass(frozen=True)
class RequestDraft:
    """A request built from a form, not yet validated.

    `document` is the request mapping (apiVersion/kind/metadata/spec) when there are no errors,
    else None. `tenant` and `name` are the names exactly as typed (None when missing); for a
    Tenant both are the tenant's name.
    """

    kind: Literal["Tenant", "Application", "Scenario"]
    tenant: str | None
    name: str | None
    document: dict[str, Any] | None
    errors: tuple[FormError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


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
        self.errors.append(field_error(self.form.field(field_id), message))


def build_tenant_request(parsed: ParsedForm) -> RequestDraft:
    """The Tenant mapping (docs/requests.md) from a parsed tenant form.

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
    """The Application mapping (docs/requests.md) from a parsed app form.

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


def build_scenario_request(parsed: ParsedForm) -> RequestDraft:
    """The Scenario mapping (docs/requests.md, Scenarios) from a parsed scenario form.

    The apps are names only: each runs as in the base environment (`{}`), and no apps means
    every app of the base; a pinned tag or replicas are edited in the pull request.
    """
    v = _Values(parsed)
    if parsed.form.kind != "scenario":
        v.errors.append(FormError("body", "Issue body", "this is not a scenario request form"))
    tenant = v.text("tenant")
    name = v.text("scenario_name")
    spec: dict[str, Any] = {}
    description = v.text("description")
    if description is not None:
        spec["description"] = description
    spec |= {"base": v.text("base"), "expires": v.text("expires"), "size": v.text("size")}
    apps = [a for a in re.split(r"[,\s]+", v.text("apps") or "") if a]
    if apps:
        spec["apps"] = {app: {} for app in apps}
    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Scenario",
        "metadata": {"name": name},
        "spec": spec,
    }
    errors = tuple(v.errors)
    return RequestDraft("Scenario", tenant, name, None if errors else document, errors)


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
    if form.kind == "scenario":
        return build_scenario_request(parsed)
    return build_application_request(parsed, domains=domains)

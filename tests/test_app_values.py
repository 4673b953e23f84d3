"""Helm values from request data: no value can change the values file's structure.

The Jinja environment's `finalize` writes every `{{ expr }}` as one YAML flow value, so hostile
strings (a newline plus `evil: true`, `{{ 7*7 }}`, `*alias`, `: `, `#`, quotes, backslashes,
Unicode line separators) come back from the parsed file as exactly the strings they were. This
is proven three ways: on `flow` itself, on every string the real templates interpolate, and end
to end through `berth render` and `helm template`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from generator.load.blueprints import Blueprint, load_blueprints
from generator.load.jinja import make_environment
from generator.render.values import BlueprintError, render_blueprint
from generator.yamlio.writer import dump, flow
from tests.support.cli import berth
from tests.support.tools import REPO, helm_template

HOSTILE = [
    "x\nevil: true",
    "{{ 7*7 }}",
    "{% raw %}",
    "*alias",
    "&anchor value",
    "a: b",
    "# not a comment",
    "a #comment",
    'say "hi"',
    "back\\slash\\",
    "line\u2028separator\u2029paragraph\x85next-line",
    "- item",
    "[1, 2]",
    "{a: 1}",
    "!!python/object/apply:os.system ['id']",
    "%TAG ! tag:evil.example,2000:",
    "---\nkind: Secret",
    "...",
    "",
    " ",
    "  leading and trailing  ",
    "tab\there\r\nand CRLF",
    "yes",
    "null",
    "~",
    "0x1F",
    "1e3",
    "010",
    "true",
    "@at `tick` |pipe >fold",
    "h\u00e9llo \u2713 \U0001f680",
    "\ufeffbom",
    "nul\x00and\x1bescape\x7fdel",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_flow_writes_one_complete_value(text: str) -> None:
    written = flow(text)
    assert "\n" not in written and "\r" not in written
    assert yaml.safe_load(f"key: {written}\nnext: 1\n") == {"key": text, "next": 1}
    nested = {"k": text, text: [text, 1, True, None, {"x": text}]}
    assert yaml.safe_load(f"key: {flow(nested)}\n") == {"key": nested}


def test_flow_types() -> None:
    assert [flow(v) for v in (True, False, None, 0, -3, 1.5, 1e16, [], {})] == [
        "true",
        "false",
        "null",
        "0",
        "-3",
        "1.5",
        "1.0e+16",
        "[]",
        "{}",
    ]
    assert yaml.safe_load(f"x: {flow(1e16)}") == {"x": 1e16}
    for bad in (float("nan"), object(), {1: "x"}):
        with pytest.raises((TypeError, ValueError)):
            flow(bad)


def test_environment_is_strict() -> None:
    env = make_environment(jinja2.DictLoader({"t": "a: {{ missing }}\n"}))
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("t").render()
    assert env.autoescape is False
    assert env.keep_trailing_newline
    # Sandboxed: a template cannot reach Python's internals.
    escape = make_environment(jinja2.DictLoader({"t": "{{ ''.__class__.__mro__ }}"}))
    with pytest.raises(jinja2.exceptions.SecurityError):
        escape.get_template("t").render()


@pytest.fixture(scope="module")
def blueprints() -> dict[str, Blueprint]:
    found, problems = load_blueprints(str(REPO))
    assert not problems
    return {name: b for name, b in found.items() if b is not None}


def context(blueprint: str) -> dict[str, Any]:
    app: dict[str, Any] = {
        "name": "api",
        "tenant": "payments",
        "environment": "dev",
        "costCenter": "CC-1042",
        "repository": "ghcr.io/acme/api",
        "tag": "1.0.0",
        "digest": "sha256:" + "ab" * 32,
        "replicas": 2,
        "port": 8080 if blueprint == "web-service" else 0,
        "resources": {"cpu": "250m", "memory": "256Mi"},
        "healthPath": "/healthz",
        "env": {"LOG_LEVEL": "info"},
        "secrets": [{"name": "TOKEN", "key": "/dev/payments/api/token"}],
        "host": "api.dev.acme.example" if blueprint == "web-service" else None,
        "autoscale": None if blueprint == "cronjob" else {"min": 2, "max": 4, "cpuPercent": 70},
        "schedule": "0 1 * * *" if blueprint == "cronjob" else None,
        "database": {
            "instances": 1,
            "storage": "10Gi",
            "cpu": "250m",
            "memory": "512Mi",
            "backupSchedule": "0 0 3 * * *",
        },
        "vpa": {"enabled": True, "mode": "Off", "controlledResources": ["memory"]},
        "alerts": {"enabled": True, "runbookUrl": "https://runbooks.acme.example/{alert}"},
        "slo": {
            "availability": {
                "enabled": False,
                "objective": "99.9",
                "errorBudget": "0.001",
                "errors": "",
                "total": "",
            },
            "latency": {
                "enabled": False,
                "objective": "99",
                "errorBudget": "0.01",
                "thresholdMs": 250,
                "fast": "",
                "total": "",
            },
        },
    }
    platform = {
        "ingressClass": "nginx",
        "clusterIssuer": "letsencrypt",
        "gateway": None,
        "secretStore": "aws-parameter-store",
    }
    return {"app": app, "platform": platform}


# Where each interpolated string of the context lands in the values, per blueprint.
FIELDS: list[tuple[str, tuple[str | int, ...], tuple[str | int, ...], tuple[str, ...]]] = [
    ("name", ("app", "name"), ("name",), ()),
    ("tenant", ("app", "tenant"), ("tenant",), ()),
    ("environment", ("app", "environment"), ("environment",), ()),
    ("costCenter", ("app", "costCenter"), ("costCenter",), ()),
    ("repository", ("app", "repository"), ("image", "repository"), ()),
    ("tag", ("app", "tag"), ("image", "tag"), ()),
    ("digest", ("app", "digest"), ("image", "digest"), ()),
    ("cpu", ("app", "resources", "cpu"), ("resources", "cpu"), ()),
    ("memory", ("app", "resources", "memory"), ("resources", "memory"), ()),
    ("healthPath", ("app", "healthPath"), ("healthPath",), ("web-service",)),
    ("host", ("app", "host"), ("ingress", "host"), ("web-service",)),
    ("schedule", ("app", "schedule"), ("schedule",), ("cronjob",)),
    ("env value", ("app", "env", "LOG_LEVEL"), ("env", "LOG_LEVEL"), ()),
    ("secret name", ("app", "secrets", 0, "name"), ("secrets", 0, "name"), ()),
    ("secret key", ("app", "secrets", 0, "key"), ("secrets", 0, "key"), ()),
    ("db storage", ("app", "database", "storage"), ("database", "storage"), ()),
    ("db cpu", ("app", "database", "cpu"), ("database", "cpu"), ()),
    ("db memory", ("app", "database", "memory"), ("database", "memory"), ()),
    ("db backup", ("app", "database", "backupSchedule"), ("database", "backupSchedule"), ()),
    ("runbookUrl", ("app", "alerts", "runbookUrl"), ("alerts", "runbookUrl"), ()),
    ("vpa mode", ("app", "vpa", "mode"), ("vpa", "mode"), ()),
    ("slo errors", ("app", "slo", "availability", "errors"), ("slo", "availability", "errors"), ()),
    ("slo fast", ("app", "slo", "latency", "fast"), ("slo", "latency", "fast"), ()),
    ("secretStore", ("platform", "secretStore"), ("secretStore",), ()),
    ("ingressClass", ("platform", "ingressClass"), ("ingress", "className"), ()),
    ("clusterIssuer", ("platform", "clusterIssuer"), ("ingress", "clusterIssuer"), ()),
]


def at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    at(data, path[:-1])[path[-1]] = value


def shape(data: Any) -> Any:
    """The structure without the scalars: which keys, which lengths."""
    if isinstance(data, dict):
        return {k: shape(v) for k, v in data.items()}
    if isinstance(data, list):
        return [shape(v) for v in data]
    return type(data).__name__


CASES = [
    pytest.param(blueprint, field, source, target, id=f"{blueprint}-{field}")
    for blueprint in ("web-service", "worker", "cronjob")
    for field, source, target, only in FIELDS
    if not only or blueprint in only
]


@pytest.mark.parametrize(("blueprint", "field", "source", "target"), CASES)
def test_every_interpolated_string_stays_one_string(
    blueprints: dict[str, Blueprint],
    blueprint: str,
    field: str,
    source: tuple[str | int, ...],
    target: tuple[str | int, ...],
) -> None:
    template = blueprints[blueprint].template
    clean = yaml.safe_load(template.render(context(blueprint)))
    for text in HOSTILE:
        ctx = context(blueprint)
        put(ctx, source, text)
        rendered = yaml.safe_load(template.render(ctx))
        assert at(rendered, target) == text, (field, text)
        put(rendered, target, at(clean, target))
        assert rendered == clean, (field, text)


def test_hostile_env_keys_stay_keys(blueprints: dict[str, Blueprint]) -> None:
    ctx = context("worker")
    ctx["app"]["env"] = {text: text for text in HOSTILE}
    rendered = yaml.safe_load(blueprints["worker"].template.render(ctx))
    assert rendered["env"] == ctx["app"]["env"]
    assert "evil" not in rendered


def test_schema_failure_names_the_blueprint(blueprints: dict[str, Blueprint]) -> None:
    ctx = context("web-service")
    ctx["app"]["name"] = "x\nevil: true"  # the request models never let this through
    with pytest.raises(BlueprintError) as raised:
        render_blueprint(blueprints["web-service"], ctx, "tenants/payments/apps/api.yaml in dev")
    message = str(raised.value)
    assert message.startswith(
        "blueprint 'web-service' (blueprints/web-service/values.yaml.j2) renders values for"
        " tenants/payments/apps/api.yaml in dev that the chart's values.schema.json rejects at /name:"
    )


# Strings a request may carry as they are: env values (free text) and health paths (no spaces).
END_TO_END_ENV = {f"V{i}": text for i, text in enumerate(HOSTILE) if "\x00" not in text}
END_TO_END_PATH = '/a#b:c*d&e{{7*7}}"\\!%-[x]'


@pytest.mark.tools
def test_hostile_request_values_render_as_plain_strings(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "cases" / "apps" / "_base", repo)
    shutil.copytree(REPO / "blueprints", repo / "blueprints")
    app = {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "hostile"},
        "spec": {
            "blueprint": "web-service",
            "image": "ghcr.io/acme/hostile",
            "port": 8080,
            "resources": {"cpu": "100m", "memory": "128Mi"},
            "healthPath": END_TO_END_PATH,
            "env": END_TO_END_ENV,
            "environments": {"dev": {"tag": "1.0.0"}},
        },
    }
    path = repo / "tenants" / "checkout" / "apps" / "hostile.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(dump(app))
    code, _, err = berth(repo, "render")
    assert code == 0, err

    values_file = repo / "environments/dev/tenants/checkout/apps/hostile.values.yaml"
    values = yaml.safe_load(values_file.read_text())
    assert values["env"] == END_TO_END_ENV
    assert values["healthPath"] == END_TO_END_PATH
    assert "evil" not in values and "kind" not in values

    docs = [
        d
        for d in yaml.safe_load_all(
            helm_template(
                repo / "blueprints/chart", [values_file], name="hostile", namespace="checkout-dev"
            )
        )
        if d
    ]
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env == END_TO_END_ENV
    assert container["livenessProbe"]["httpGet"]["path"] == END_TO_END_PATH

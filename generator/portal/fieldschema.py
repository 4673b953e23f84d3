"""What a form field may hold, from one place: the request models' JSON Schema and platform.yaml.

`field_schema` gives the JSON Schema of one form field (type, lengths, pattern, range, and
the platform's environments, sizes or blueprints as its options); the Backstage templates use
it as their parameters, and the issue forms take their options and the limits quoted in their
help texts from it. The models' schemas are those `berth schema` writes to schemas/.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from generator.load.blueprints import Blueprint
from generator.models.application import MAX_APP_NAME, Application
from generator.models.common import DNS_LABEL, LABEL_VALUE, MAX_TENANT_NAME, OWNER
from generator.models.forms import FormField, FormKind, IssueForm
from generator.models.platform import Platform
from generator.models.scenario import MAX_SCENARIO_NAME, Scenario
from generator.models.tenant import Tenant

MODELS: dict[FormKind, type[BaseModel]] = {
    "tenant": Tenant,
    "app": Application,
    "scenario": Scenario,
}
_APP_NAME = r"[a-z](?:[-a-z0-9]*[a-z0-9])?"

# Checks the models make in validators, which a JSON Schema does not show: stated here once.
EXTRA: dict[tuple[FormKind, str], dict[str, Any]] = {
    ("tenant", "metadata.name"): {
        "maxLength": MAX_TENANT_NAME,
        "pattern": f"^{DNS_LABEL.pattern}$",
    },
    ("app", "tenant"): {
        "type": "string",
        "maxLength": MAX_TENANT_NAME,
        "pattern": f"^{DNS_LABEL.pattern}$",
    },
    ("app", "metadata.name"): {"maxLength": MAX_APP_NAME, "pattern": f"^{_APP_NAME}$"},
    ("scenario", "tenant"): {
        "type": "string",
        "maxLength": MAX_TENANT_NAME,
        "pattern": f"^{DNS_LABEL.pattern}$",
    },
    ("scenario", "metadata.name"): {
        "maxLength": MAX_SCENARIO_NAME,
        "pattern": f"^{DNS_LABEL.pattern}$",
    },
    ("tenant", "spec.costCenter"): {"maxLength": 63, "pattern": f"^{LABEL_VALUE.pattern}$"},
    ("tenant", "spec.owners"): {"items": {"type": "string", "pattern": f"^(?:{OWNER.pattern})$"}},
}
_KEEP = (
    "type", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "minItems", "maxItems", "items", "examples",
)  # fmt: skip


@cache
def _model_schema(kind: FormKind) -> dict[str, Any]:
    return MODELS[kind].model_json_schema()


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` and drop the `null` of an optional field's `anyOf`."""
    while True:
        if "$ref" in node:
            node = {
                **root["$defs"][node["$ref"].rsplit("/", 1)[-1]],
                **{k: v for k, v in node.items() if k != "$ref"},
            }
        elif "anyOf" in node:
            others = [n for n in node["anyOf"] if n.get("type") != "null"]
            if len(others) != 1:
                return node
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, **others[0]}
        else:
            return node


def model_property(kind: FormKind, source: str) -> dict[str, Any]:
    """The JSON Schema of `source` (`spec.resources.cpu`, `*` for any map key) in the model."""
    root = _model_schema(kind)
    node: dict[str, Any] = root
    for part in source.split("."):
        node = _resolve(node, root)
        if part == "*":
            node = node["additionalProperties"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            return {}
    return _resolve(node, root)


def options(platform: Platform, blueprints: Mapping[str, Blueprint]) -> dict[str, tuple[str, ...]]:
    scenarios = platform.spec.scenarios
    return {
        "environments": tuple(e.name for e in platform.spec.environments),
        "sizes": tuple(platform.spec.sizes),
        "blueprints": tuple(sorted(blueprints)),
        "scenarioEnvironments": tuple(scenarios.environments) if scenarios else (),
    }


def with_options(
    form: IssueForm, platform: Platform, blueprints: Mapping[str, Blueprint]
) -> IssueForm:
    return form.with_options(options(platform, blueprints))


def field_schema(kind: FormKind, field: FormField) -> dict[str, Any]:
    """The JSON Schema of what the field holds (options filled in: see `with_options`)."""
    found = model_property(kind, field.source) if field.source else {}
    schema = {k: v for k, v in found.items() if k in _KEEP}
    schema.update(EXTRA.get((kind, field.source), {}))
    if field.kind == "checkboxes":
        return {"type": "array", "items": {"type": "string", "enum": list(field.options)},
                "uniqueItems": True, "minItems": 1}  # fmt: skip
    if field.options:
        schema = {"type": "string", "enum": list(field.options)}
    schema.setdefault("type", "string")
    return schema


_NAME = re.compile(r"\{([A-Za-z]+)\}")


def help_text(kind: FormKind, field: FormField, context: Mapping[str, str]) -> str:
    """The field's help with `{maxLength}` and such filled from its schema or `context`."""
    schema = field_schema(kind, field)
    values = {k: _plain(v) for k, v in schema.items() if not isinstance(v, (dict, list))}
    values.update(context)
    return _NAME.sub(lambda m: values.get(m.group(1), m.group(0)), field.help)


def placeholder(field: FormField, context: Mapping[str, str]) -> str:
    """The field's example with `{registry}`, `{platform}` and such filled from `context`: a
    form in another company's repository shows its registry, not the example company's."""
    return _NAME.sub(lambda m: context.get(m.group(1), m.group(0)), field.placeholder)


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def help_context(platform: Platform, blueprints: Mapping[str, Blueprint]) -> dict[str, str]:
    """Platform facts the help texts quote."""
    first = platform.spec.environments[0]
    return {
        "blueprints": "; ".join(
            f"{name}: {blueprints[name].description.rstrip('.')}" for name in sorted(blueprints)
        )
        + ".",
        "registries": ", ".join(platform.spec.registries),
        "registry": platform.spec.registries[0],
        "platform": platform.metadata.name,
        "domain": first.domain,
        "environment": first.name,
    }

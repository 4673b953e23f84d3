"""Helm values from a blueprint's Jinja2 template, safe by construction.

Templates are compiled in the one Jinja2 environment of Berth (generator/load/jinja.py), whose
`finalize` turns every `{{ expr }}` into ONE complete YAML flow value on one line
(generator/yamlio/writer.py `flow`): a string becomes a double-quoted scalar with escapes,
numbers and booleans their literal, None `null`, and mappings and lists flow collections of
the same. So no value from a request can change the document's structure: a newline plus
`evil: true`, `{{ 7*7 }}`, `*alias`, `: `, `#` all stay inside one string. Here the text is
parsed back and checked against the chart's values.schema.json; the data is then written out
again by generator/yamlio/writer.py, so that Helm reads exactly the data that was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from jsonschema.protocols import Validator

from generator.load.blueprints import Blueprint
from generator.yamlio.trusted import TrustedYAMLError, load_trusted


class BlueprintError(Exception):
    """A blueprint renders values its chart refuses: the blueprint is broken, not the request.

    Valid requests are checked against everything the chart's values schema demands, so this
    never points at a request; it surfaces as an internal error (exit 3, docs/commands.md).
    """


def render_values(
    origin: str,
    template: jinja2.Template,
    validator: Validator,
    context: Mapping[str, Any],
    where: str,
) -> dict[str, Any]:
    """Render, parse back and check one values file.

    `origin` names the blueprint and `where` the application, for the error messages.
    """
    try:
        text = template.render(context)
    except jinja2.TemplateError as exc:
        raise BlueprintError(f"{origin} fails to render {where}: {exc}") from None
    try:
        data = load_trusted(text)
    except TrustedYAMLError as exc:
        raise BlueprintError(f"{origin} renders invalid YAML for {where}: {exc}") from None
    if not isinstance(data, dict):
        raise BlueprintError(f"{origin} renders no mapping for {where}")
    error = next(iter(validator.iter_errors(data)), None)
    if error is not None:
        path = "/" + "/".join(str(p) for p in error.absolute_path)
        raise BlueprintError(
            f"{origin} renders values for {where} that the chart's values.schema.json"
            f" rejects at {path}: {error.message}; the blueprint is broken, not the request"
        )
    return data


def render_blueprint(
    blueprint: Blueprint, context: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """The checked values of one application in one environment (BlueprintError if not)."""
    origin = f"blueprint {blueprint.name!r} ({blueprint.values_path})"
    return render_values(origin, blueprint.template, blueprint.validator, context, where)

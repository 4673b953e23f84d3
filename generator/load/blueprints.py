"""Blueprints as data: `blueprints/<name>/blueprint.yaml` descriptors, their values templates
and the chart they render.

Loading reads every descriptor with the strict request loader, compiles each values template
once in the one Jinja2 environment (`jinja.py`), loads the chart's values schema, and
digests every file a blueprint's output depends on, so that changing a blueprint re-renders
exactly the applications that use it. Anything broken is a Problem with file and line, like a
broken request.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from dataclasses import dataclass, field

import jinja2
from jsonschema import Draft7Validator, SchemaError
from jsonschema.protocols import Validator

from generator.load.jinja import make_environment
from generator.models.blueprint import BlueprintDescriptor
from generator.models.errors import validate_model
from generator.problems import Problem
from generator.repo import layout
from generator.yamlio.reader import LoadError, load_request

CHART_FILE = "Chart.yaml"
VALUES_SCHEMA = "values.schema.json"


@dataclass(frozen=True)
class Blueprint:
    name: str
    description: str
    requires: tuple[str, ...]
    forbids: tuple[str, ...]
    chart: str  # repository-relative folder of the Helm chart
    values_path: str  # repository-relative path of the values template
    digest: str  # of the descriptor, the template folder and the chart
    template: jinja2.Template = field(compare=False, repr=False)
    validator: Validator = field(compare=False, repr=False)


def load_blueprints(root: str) -> tuple[dict[str, Blueprint | None], list[Problem]]:
    """Every `blueprints/<name>/` folder with a descriptor; folders without one are not blueprints.

    A blueprint that cannot be used maps to None, its problems in the list.
    """
    top = os.path.join(root, layout.BLUEPRINTS_DIR)
    try:
        names = sorted(e.name for e in os.scandir(top) if e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return {}, []
    env = make_environment(jinja2.FileSystemLoader(top, followlinks=False))
    found: dict[str, Blueprint | None] = {}
    problems: list[Problem] = []
    chart_digests: dict[str, str] = {}
    for name in names:
        path = layout.blueprint_file(name)
        if not os.path.lexists(os.path.join(root, path)):
            continue
        found[name] = _load_one(root, name, env, chart_digests, problems)
    return found, problems


def _load_one(
    root: str,
    name: str,
    jinja: jinja2.Environment,
    chart_digests: dict[str, str],
    problems: list[Problem],
) -> Blueprint | None:
    path = layout.blueprint_file(name)
    try:
        doc = load_request(os.path.join(root, path), path)
    except LoadError as exc:
        problems.append(exc.problem)
        return None
    descriptor, invalid = validate_model(BlueprintDescriptor, doc)
    problems += invalid
    if descriptor is None:
        return None
    folder = layout.blueprint_dir(name)
    found: list[Problem] = []
    chart = posixpath.normpath(posixpath.join(folder, descriptor.chart))
    validator = None
    if not chart.startswith(layout.BLUEPRINTS_DIR + "/") or not _is_chart(root, chart):
        found.append(
            doc.problem(
                ("chart",),
                f"{descriptor.chart!r} is not a Helm chart folder inside {layout.BLUEPRINTS_DIR}/"
                f" (with {CHART_FILE} and {VALUES_SCHEMA})",
            )
        )
    else:
        validator = _values_validator(root, chart, found)
    both = set(descriptor.requires) & set(descriptor.forbids)
    if both:
        found.append(
            doc.problem(("forbids",), f"{', '.join(sorted(both))}: both required and forbidden")
        )
    values_path = f"{folder}/{descriptor.values}"
    template = None
    if not os.path.isfile(os.path.join(root, values_path)):
        found.append(doc.problem(("values",), f"{values_path} does not exist"))
    else:
        try:
            template = jinja.get_template(f"{name}/{descriptor.values}")
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno or 1
            found.append(Problem(values_path, line, 1, "", f"template syntax error: {exc.message}"))
    problems += found
    if found or validator is None or template is None:
        return None
    if chart not in chart_digests:
        chart_digests[chart] = _digest_folder(root, chart)
    digest = hashlib.sha256(
        f"{_digest_folder(root, folder)}\0{chart}\0{chart_digests[chart]}".encode()
    ).hexdigest()
    return Blueprint(
        name=name,
        description=descriptor.description,
        requires=tuple(descriptor.requires),
        forbids=tuple(descriptor.forbids),
        chart=chart,
        values_path=values_path,
        digest=digest,
        template=template,
        validator=validator,
    )


def _is_chart(root: str, chart: str) -> bool:
    return all(os.path.isfile(os.path.join(root, chart, f)) for f in (CHART_FILE, VALUES_SCHEMA))


def _values_validator(root: str, chart: str, problems: list[Problem]) -> Validator | None:
    path = f"{chart}/{VALUES_SCHEMA}"
    try:
        with open(os.path.join(root, path), encoding="utf-8") as fh:
            schema = json.load(fh)
        Draft7Validator.check_schema(schema)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        problems.append(Problem(path, 1, 1, "", f"is not valid JSON: {exc}"))
        return None
    except SchemaError as exc:
        problems.append(Problem(path, 1, 1, "", f"is not a valid JSON Schema: {exc.message}"))
        return None
    return Draft7Validator(schema)


def _digest_folder(root: str, folder: str) -> str:
    """A digest of every file below `folder`: names and bytes, in a fixed order."""
    digest = hashlib.sha256()
    base = os.path.join(root, folder)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
        for filename in sorted(filenames):
            full = os.path.join(dirpath, filename)
            digest.update(f"{rel}/{filename}\0".encode())
            if os.path.islink(full):
                digest.update(b"link:" + os.readlink(full).encode())
            else:
                with open(full, "rb") as fh:
                    digest.update(fh.read())
            digest.update(b"\0")
    return digest.hexdigest()

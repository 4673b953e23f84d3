"""The JSON Schemas in schemas/ are the models', and the example files pass them."""

from __future__ import annotations

import json

import jsonschema
import yaml

from generator.commands.schema import schema_files
from tests.support.cli import berth
from tests.support.example import example
from tests.support.tools import REPO


def test_committed_schemas_match_the_models() -> None:
    for path, text in schema_files().items():
        assert (REPO / path).read_text() == text, f"{path} is stale: run `berth schema`"
    assert berth(REPO, "schema", "--check")[0] == 0


def test_schemas_are_2020_12_with_ids_and_descriptions() -> None:
    for path in schema_files():
        schema = json.loads((REPO / path).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].startswith("https://berth.dev/schemas/")
        assert schema["title"].startswith("Berth ")


def test_example_requests_pass_their_schema_and_point_editors_at_it() -> None:
    schemas = {
        p.split("/")[-1].split(".")[0]: json.loads((REPO / p).read_text()) for p in schema_files()
    }
    root = example()
    files = [root / "platform.yaml", *sorted(root.glob("tenants/*/tenant.yaml"))]
    for path in files:
        kind = "platform" if path.name == "platform.yaml" else "tenant"
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (root / "schemas" / f"{kind}.schema.json").resolve(), path
        jsonschema.Draft202012Validator(schemas[kind]).validate(yaml.safe_load(path.read_text()))

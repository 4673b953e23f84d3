"""The example repository's applications, checked with the real tools.

Every committed values file renders with `helm template` into objects that pass the strict
Kubernetes and CRD schemas and checkov. `berth verify` on the example and on tampered copies
is tested in tests/test_verify.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from generator.verify.kube_schema import validate_yaml_stream
from tests.support.example import example
from tests.support.tools import REPO, helm_template, reference, run, tool
from tests.test_chart import CHECKOV_ANNOTATED, CHECKOV_SKIPS

EXAMPLE = example()
VALUES = sorted(EXAMPLE.glob("environments/*/tenants/*/apps/*.values.yaml"))


def release_of(path: Path) -> tuple[str, str]:
    """(release name, namespace) of a values file environments/<env>/tenants/<t>/apps/<app>."""
    env, tenant, app = path.parts[-5], path.parts[-3], path.name.removesuffix(".values.yaml")
    return app, f"{tenant}-{env}"


@cache
def rendered(path: Path) -> str:
    release, namespace = release_of(path)
    return helm_template(REPO / "blueprints" / "chart", [path], name=release, namespace=namespace)


def test_example_has_every_blueprint_and_a_database() -> None:
    blueprints = {yaml.safe_load(p.read_text())["blueprint"] for p in VALUES}
    assert blueprints == {"web-service", "worker", "cronjob"}
    assert any(yaml.safe_load(p.read_text())["database"]["enabled"] for p in VALUES)
    assert len(VALUES) == 8


@pytest.mark.tools
@pytest.mark.parametrize("path", VALUES, ids=lambda p: "/".join(p.parts[-5:]))
def test_example_values_render_into_valid_objects(path: Path) -> None:
    reference("crds")
    text = rendered(path)
    assert validate_yaml_stream(text) == []
    _, namespace = release_of(path)
    for doc in yaml.safe_load_all(text):
        if doc:
            assert doc["metadata"]["namespace"] == namespace


@pytest.mark.tools
def test_checkov_passes_on_the_example(tmp_path: Path) -> None:
    checkov = tool("checkov")
    out = tmp_path / "rendered"
    out.mkdir()
    for i, path in enumerate(VALUES):
        (out / f"{i}-{path.name}").write_text(rendered(path))
    args = [checkov, "-d", str(out), "--framework", "kubernetes", "--skip-download", "--compact"]
    args += ["--skip-check", ",".join(sorted(CHECKOV_SKIPS)), "-o", "json"]
    proc = run(args, cwd=tmp_path, check=False)
    report = json.loads(proc.stdout)
    results = report["results"]
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    assert proc.returncode == 0, proc.stderr
    for check in results["skipped_checks"]:
        assert check["check_id"] in CHECKOV_ANNOTATED, check["check_id"]
        assert check["check_result"].get("suppress_comment"), check["check_id"]


def test_example_apps_pass_their_schema_and_point_editors_at_it() -> None:
    import jsonschema

    schema = json.loads((REPO / "schemas/application.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    apps = sorted(EXAMPLE.glob("tenants/*/apps/*.yaml"))
    assert len(apps) == 3
    for path in apps:
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../../schemas/application.schema.json"
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (EXAMPLE / "schemas/application.schema.json").resolve()
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))

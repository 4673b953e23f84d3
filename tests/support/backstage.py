"""Backstage's own validators (tests/support/backstage_validate.mjs), run with the pinned npm
packages `.ci/install-tools` puts in `.tools/backstage`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.tools import REPO, tool

SCRIPT = REPO / "tests" / "support" / "backstage_validate.mjs"
PACKAGES = REPO / ".tools" / "backstage"


def _packages() -> Path:
    wanted = ("catalog-model", "plugin-scaffolder-common")
    if all(
        (PACKAGES / "node_modules" / "@backstage" / p / "package.json").is_file() for p in wanted
    ):
        return PACKAGES
    message = f"the Backstage packages are not installed in {PACKAGES} (run .ci/install-tools)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def resolve_placeholders(value: Any) -> Any:
    """What Backstage's PlaceholderProcessor makes of an entity before validating it: each
    `{$text: <url>}` becomes the text read from the URL (here a stand-in naming it; only https
    URLs, which an integration reads, are accepted)."""
    if isinstance(value, dict):
        if list(value) == ["$text"]:
            url = value["$text"]
            assert isinstance(url, str) and url.startswith("https://"), value
            return f"(the text at {url})"
        return {k: resolve_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v) for v in value]
    return value


def validate(entities: list[dict[str, Any]]) -> dict[str, str]:
    """Entity ref -> Backstage's error, for every entity Backstage refuses ({} when all pass),
    after the placeholder substitution the catalog does first."""
    node, packages = tool("node"), _packages()
    resolved = [resolve_placeholders(e) for e in entities]
    proc = run_json([node, str(SCRIPT), str(packages)], json.dumps(resolved))
    assert len(proc) == len(entities)
    return {row["ref"]: row["error"] for row in proc if row["error"] is not None}


def run_json(args: list[str], stdin: str) -> list[dict[str, Any]]:
    done = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def load_entities(*paths: Path) -> list[dict[str, Any]]:
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))]


SCAFFOLD = REPO / "tests" / "support" / "backstage_scaffold.mjs"


def scaffold(
    template: dict[str, Any], parameters: dict[str, Any], skeletons: dict[str, str]
) -> dict[str, Any]:
    """A dry run of the template with Backstage's template engine: files, step inputs, links."""
    node, packages = tool("node"), _packages()
    stdin = json.dumps({"template": template, "parameters": parameters, "skeletons": skeletons})
    done = subprocess.run(
        [node, str(SCAFFOLD), str(packages)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result

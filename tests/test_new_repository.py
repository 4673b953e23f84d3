""" "New application" with a new repository (generator/portal/new_repository.py), dry-run with
Backstage's template engine (tests/support/backstage_scaffold.mjs): it templates the blueprint's
skeleton, publishes it next to the platform repository, and requests the image the skeleton's
CI pushes at the repository's first commit; the request passes the repository's checks, and
the skeleton templated with exactly the values the template passes passes the linters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.repo import layout
from tests.support.backstage import scaffold, validate
from tests.support.repo import berth, make_repo, write
from tests.support.tools import reference
from tests.test_skeletons import lint
from tests.test_skeletons import template as template_skeleton

FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"  # backstage_scaffold.mjs's commitHash
APPS: dict[str, dict[str, Any]] = {
    "web-service": {"port": 8080, "health_path": "/healthz", "host_prefix": "payments"},
    "worker": {},
    "cronjob": {"schedule": "30 1 * * *"},
}


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(reference("backstage", name).read_text())
    return loaded


def _run(root: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    template = yaml.safe_load((root / layout.catalog_template_file("new-application")).read_text())
    folder = root / layout.CATALOG_DIR / "templates" / "skeletons"
    skeletons = {f"./skeletons/{p.name}": p.read_text() for p in folder.iterdir()}
    return scaffold(template, parameters, skeletons)


def _parameters(blueprint: str) -> dict[str, Any]:
    return {
        "create_repository": True, "tenant": "payments", "app_name": "orders",
        "blueprint": blueprint, "cpu": "250m", "memory": "256Mi",
        "environments": ["dev", "prod"], "replicas": 1, **APPS[blueprint],
    }  # fmt: skip


@pytest.mark.tools
@pytest.mark.parametrize("blueprint", list(APPS))
def test_new_repository_from_the_skeleton_and_the_request_for_its_first_image(
    blueprint: str, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "platform", commit=False, render=True)
    done = _run(repo, _parameters(blueprint))
    skeleton, service, publish, _, pull = done["steps"]
    assert [s["action"] for s in done["steps"]] == [
        "fetch:template", "fetch:template", "publish:github", "fetch:template:file",
        "publish:github:pull-request",
    ]  # fmt: skip

    # The shared part, then the blueprint's service, found from the template's own folder and
    # templated into one folder with the same values.
    template_dir = (repo / layout.catalog_template_file("new-application")).parent
    assert skeleton["input"]["url"] == "../../blueprints/skeleton"
    assert (template_dir / skeleton["input"]["url"] / "Dockerfile").is_file()
    assert service["input"]["url"] == f"../../blueprints/{blueprint}/skeleton"
    assert (template_dir / service["input"]["url"] / "app.py").is_file()
    assert service["input"]["targetPath"] == skeleton["input"]["targetPath"]
    assert service["input"]["values"] == skeleton["input"]["values"]
    # The repository goes next to the platform repository, from the skeleton's folder only.
    jsonschema.Draft202012Validator(_schema("publish-github.input.schema.json")).validate(
        publish["input"]
    )
    assert publish["input"]["repoUrl"] == "github.com?owner=acme&repo=payments-orders"
    assert publish["input"]["sourcePath"] == skeleton["input"]["targetPath"]
    # The pull request carries the request only.
    assert pull["input"]["sourcePath"] == "./request" != publish["input"]["sourcePath"]
    # The output the request's tag comes from is one publish:github declares.
    assert "commitHash" in _schema("publish-github.output.schema.json")["properties"]

    ((path, text),) = done["files"].items()
    assert path == "request/" + layout.app_file("payments", "orders")
    document = yaml.safe_load(text)
    assert document["spec"]["image"] == "ghcr.io/acme/payments-orders"
    assert {e["tag"] for e in document["spec"]["environments"].values()} == {FAKE_COMMIT}
    write(repo, {layout.app_file("payments", "orders"): text})
    code, out, err = berth(repo, "validate")
    assert code == 0, out + err

    assert done["links"] == [
        {"title": "Repository", "url": "https://example.invalid/repo"},
        {"title": "Pull request", "url": "https://example.invalid/pr/1"},
        {"title": "Catalog entry (once the request is merged)", "entityRef": "component:payments/orders"},
    ]  # fmt: skip

    # The skeleton templated with the values the template passes: linted, and its CI pushes
    # the request's image at the commit (the request's tag) and releases it where it runs first.
    values = skeleton["input"]["values"]
    assert values["image"] == document["spec"]["image"] and values["environment"] == "dev"
    out_dir = tmp_path / "repository"
    template_skeleton(blueprint, values, out_dir)
    lint(out_dir)
    workflow = yaml.safe_load((out_dir / ".github/workflows/release.yml").read_text())
    assert workflow["env"]["IMAGE"] == document["spec"]["image"]
    bump = workflow["jobs"]["release"]["steps"][-1]["with"]
    assert (bump["tenant"], bump["app"], bump["environment"]) == ("payments", "orders", "dev")
    assert bump["tag"] == "${{ github.sha }}"
    assert (
        'docker push "$IMAGE:$GITHUB_SHA"'
        in (out_dir / ".github/workflows/release.yml").read_text()
    )


@pytest.mark.tools
def test_on_gitlab_the_repository_is_a_gitlab_project(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "platform", commit=False)
    platform = (repo / "platform.yaml").read_text()
    write(repo, {"platform.yaml": platform.replace(
        "https://github.com/acme/platform.git", "https://gitlab.example.com/acme/infra/platform.git"
    )})  # fmt: skip
    assert berth(repo, "render")[0] == 0
    template = yaml.safe_load((repo / layout.catalog_template_file("new-application")).read_text())
    assert validate([template]) == {}
    done = _run(repo, _parameters("web-service"))
    skeleton, _, publish, _, merge = done["steps"]
    assert publish["action"] == "publish:gitlab"
    jsonschema.Draft202012Validator(_schema("publish-gitlab.input.schema.json")).validate(
        publish["input"]
    )
    assert "commitHash" in _schema("publish-gitlab.output.schema.json")["properties"]
    jsonschema.Draft202012Validator(
        _schema("publish-gitlab-merge-request.input.schema.json")
    ).validate(merge["input"])
    assert publish["input"]["repoUrl"] == "gitlab.example.com?owner=acme/infra&repo=payments-orders"
    out_dir = tmp_path / "repository"
    template_skeleton("web-service", skeleton["input"]["values"], out_dir)
    lint(out_dir)
    gitlab = yaml.safe_load((out_dir / ".gitlab-ci.yml").read_text())
    assert gitlab["include"][0]["project"] == "acme/infra/platform"
    assert gitlab["release"]["variables"]["BERTH_PLATFORM_PROJECT"] == "acme%2Finfra%2Fplatform"

"""The "New system" software template: Backstage's validators accept it, and a dry run with
Backstage's template engine writes a System request that passes Berth's checks, in a pull
request (GitHub) or merge request (GitLab) whose input the vendored action schema accepts."""

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

HOSTILE = 'Money "moves": ${{ parameters.x }} {% raw %} --- \n- [x] prod #x'


def _template(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (root / layout.catalog_template_file("new-system")).read_text()
    )
    return loaded


def _run(root: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    folder = root / layout.CATALOG_DIR / "templates" / "skeletons"
    skeletons = {f"./skeletons/{p.name}": p.read_text() for p in folder.iterdir()}
    return scaffold(_template(root), parameters, skeletons)


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(reference("backstage", name).read_text())
    return loaded


@pytest.mark.tools
def test_new_system_opens_a_pull_request_berth_accepts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False, render=True)
    template = _template(repo)
    assert validate([template]) == {}
    (page,) = template["spec"]["parameters"]
    tenants = sorted(p.name for p in (repo / "tenants").iterdir() if p.is_dir())
    assert page["properties"]["tenant"]["enum"] == tenants
    done = _run(repo, {"tenant": "payments", "system_name": "money", "description": HOSTILE})
    ((path, text),) = done["files"].items()
    assert path == layout.system_file("payments", "money")
    assert yaml.safe_load(text) == {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "System",
        "metadata": {"name": "money"},
        "spec": {"description": HOSTILE},
    }
    publish = done["steps"][-1]
    assert publish["action"] == "publish:github:pull-request"
    jsonschema.Draft202012Validator(
        _schema("publish-github-pull-request.input.schema.json")
    ).validate(publish["input"])
    assert publish["input"]["branchName"] == "berth/system-payments-money"
    assert done["links"] == [{"title": "Pull request", "url": "https://example.invalid/pr/1"}]
    # The pull request is checked like a hand-written one, and its System reaches the catalog.
    write(repo, {path: text})
    code, out, err = berth(repo, "validate")
    assert code == 0, out + err
    assert berth(repo, "render")[0] == 0
    catalog = (repo / layout.catalog_tenant_file("payments")).read_text()
    assert "name: money\n  namespace: payments" in catalog


@pytest.mark.tools
def test_new_system_on_gitlab_opens_a_merge_request(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    platform = (repo / "platform.yaml").read_text()
    write(repo, {"platform.yaml": platform.replace(
        "https://github.com/acme/platform.git", "https://gitlab.example.com/acme/infra/platform.git"
    )})  # fmt: skip
    assert berth(repo, "render")[0] == 0
    assert validate([_template(repo)]) == {}
    done = _run(repo, {"tenant": "search", "system_name": "index", "description": "Indexing"})
    publish = done["steps"][-1]
    assert publish["action"] == "publish:gitlab:merge-request"
    jsonschema.Draft202012Validator(
        _schema("publish-gitlab-merge-request.input.schema.json")
    ).validate(publish["input"])
    assert done["links"] == [{"title": "Merge request", "url": "https://example.invalid/mr/1"}]


@pytest.mark.tools
def test_a_system_named_after_its_tenant_is_refused_by_the_checks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False, render=True)
    done = _run(repo, {"tenant": "payments", "system_name": "payments", "description": "x"})
    write(repo, dict(done["files"]))
    code, out, err = berth(repo, "validate")
    assert code == 1 and "is the tenant's own System" in out + err

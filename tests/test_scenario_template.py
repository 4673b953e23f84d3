"""The Backstage template "New scenario environment": generated from platform.yaml's limits and
the Scenario model, valid for Backstage's own validator, and what it writes is a scenario
request that `berth validate` accepts (and refuses by the platform's limits, not the form's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.repo import layout
from tests.support.backstage import scaffold, validate
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, make_repo, write
from tests.support.tools import reference

TEMPLATE = layout.catalog_template_file("new-scenario")
SKELETONS = Path(layout.CATALOG_DIR) / "templates" / "skeletons"
PR_INPUT = json.loads(
    reference("backstage", "publish-github-pull-request.input.schema.json").read_text()
)
QA = {
    "tenant": "payments",
    "scenario_name": "qa",
    "description": 'QA of "refunds": ${{ parameters.x }} {% raw %}\n- [x] prod',
    "base": "dev",
    "expires": "2026-12-19",
    "size": "medium",
    "apps": ["api"],
}


def _allow_scenarios(root: Path, limits: str = "{environments: [dev], maxDays: 14}") -> None:
    platform = root / "platform.yaml"
    text = platform.read_text()
    platform.write_text(text.replace("  pricing:", f"  scenarios: {limits}\n  pricing:", 1))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BERTH_TODAY", "2026-12-05")
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    _allow_scenarios(root)
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    return root


def _template(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / TEMPLATE).read_text())
    return loaded


def _run(root: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    skeletons = {f"./skeletons/{p.name}": p.read_text() for p in (root / SKELETONS).iterdir()}
    return scaffold(_template(root), parameters, skeletons)


@pytest.mark.tools
def test_the_template_validates_with_backstage_and_offers_the_platforms_choices(
    repo: Path,
) -> None:
    template = _template(repo)
    assert validate([template]) == {}
    broken = json.loads(json.dumps(template))
    del broken["spec"]["steps"][1]["action"]
    assert list(validate([broken])) == ["Template:default/berth-new-scenario"]

    (page,) = template["spec"]["parameters"]
    properties = page["properties"]
    assert properties["base"]["enum"] == ["dev"]  # scenarios.environments, not every one
    assert properties["size"]["enum"] == ["small", "medium", "large"]
    assert properties["scenario_name"]["maxLength"] == 20
    assert "at most 14 days" in properties["expires"]["description"]
    assert page["required"] == ["tenant", "scenario_name", "base", "expires", "size"]
    # The catalog's Location lists it with the other templates.
    location = yaml.safe_load((repo / layout.CATALOG_LOCATION_FILE).read_text())
    assert "./templates/new-scenario.yaml" in location["spec"]["targets"]


@pytest.mark.tools
def test_the_template_writes_a_scenario_that_validates(repo: Path) -> None:
    done = _run(repo, QA)

    ((path, text),) = done["files"].items()
    assert path == "tenants/payments/scenarios/qa.yaml"
    assert yaml.safe_load(text) == {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Scenario",
        "metadata": {"name": "qa"},
        "spec": {
            "description": QA["description"],  # a hostile string stays one string
            "base": "dev",
            "expires": "2026-12-19",
            "size": "medium",
            "apps": {"api": {}},
        },
    }
    publish = done["steps"][-1]
    assert publish["action"] == "publish:github:pull-request"
    assert publish["input"]["branchName"] == "berth/scenario-payments-qa"
    jsonschema.Draft202012Validator(PR_INPUT).validate(publish["input"])
    assert done["links"] == [{"title": "Pull request", "url": "https://example.invalid/pr/1"}]

    write(repo, {path: text})
    code, out, err = berth(repo, "validate")
    assert code == 0, out + err
    assert berth(repo, "render")[0] == 0
    assert (repo / "environments/dev/tenants/payments-qa/apps/api.values.yaml").is_file()


@pytest.mark.tools
def test_without_apps_or_description_the_scenario_copies_every_app(repo: Path) -> None:
    bare = {k: v for k, v in QA.items() if k not in ("apps", "description")}
    ((_, text),) = _run(repo, bare | {"apps": []})["files"].items()
    assert yaml.safe_load(text)["spec"] == {
        "base": "dev",
        "expires": "2026-12-19",
        "size": "medium",
    }


@pytest.mark.tools
def test_the_platforms_limits_refuse_what_the_form_let_through(repo: Path) -> None:
    ((path, text),) = _run(repo, QA | {"expires": "2027-03-01"})["files"].items()
    write(repo, {path: text})
    code, out, err = berth(repo, "validate")
    assert code == 1 and f"{path}:" in out + err and "maxDays" in out + err


def test_a_platform_without_scenarios_has_no_such_template(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False, render=True)
    assert not (root / TEMPLATE).exists()
    assert not (root / SKELETONS / "scenario.yaml.njk").exists()
    location = yaml.safe_load((root / layout.CATALOG_LOCATION_FILE).read_text())
    assert not any("scenario" in target for target in location["spec"]["targets"])


@pytest.mark.tools
def test_a_gitlab_platform_gets_a_merge_request(repo: Path) -> None:
    platform = (repo / "platform.yaml").read_text()
    write(repo, {"platform.yaml": platform.replace(
        "https://github.com/acme/platform.git", "https://gitlab.example.com/acme/platform.git"
    )})  # fmt: skip
    assert berth(repo, "render")[0] == 0
    assert validate([_template(repo)]) == {}
    publish = _run(repo, QA)["steps"][-1]
    assert publish["action"] == "publish:gitlab:merge-request"
    assert publish["input"]["repoUrl"] == "gitlab.example.com?owner=acme&repo=platform"

"""The scenario issue form and `berth intake` turning it into a validated pull request.

The form is generated like the tenant and application forms (only where platform.yaml allows
scenarios, with its scenario environments as the base's options); the events are the real
webhook payloads of tests/test_intake.py with the body and labels replaced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.intake import SCENARIO_FORM, parse_issue_body, request_from_issue
from generator.intake.event import issue_event
from generator.intake.proposal import Proposal, Rejection, propose
from generator.repo import layout
from tests import test_intake as base
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, make_repo, write
from tests.support.tools import reference, run, tool
from tests.test_intake import apply_proposal, github_event, gitlab_event, intake

# The fakes of tests/test_intake.py, holding this module's checkout as the job sees it.
github, gitlab = base.github, base.gitlab
LABEL = "scenario-request"
QA_FILE = "tenants/payments/scenarios/qa.yaml"


def scenario_form(*, tenant: str = "payments", name: str = "qa", **answers: str) -> str:
    values = {
        "Tenant": tenant,
        "Scenario name": name,
        "Description": "QA of the refunds flow",
        "Base environment": "dev",
        "Expires": "2026-12-19",
        "Size": "small",
        "Applications": "api",
    } | {k.replace("_", " "): v for k, v in answers.items()}
    return "".join(f"### {label}\n\n{value}\n\n" for label, value in values.items())


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default branch: payments with its api, a platform allowing scenarios in dev."""
    monkeypatch.setenv("BERTH_TODAY", "2026-12-05")
    root = make_repo(tmp_path / "checkout", commit=False)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    platform = root / "platform.yaml"
    platform.write_text(
        platform.read_text().replace(
            "  pricing:", "  scenarios: {environments: [dev], maxDays: 14}\n  pricing:", 1
        )
    )
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    return root


def _event(tmp_path: Path, body: str) -> Any:
    return issue_event(json.loads(github_event(tmp_path, "opened", body, (LABEL,)).read_text()))


def test_the_forms_offer_the_scenario_environments_and_parse_back(checkout: Path) -> None:
    form = yaml.safe_load((checkout / layout.github_form_file(LABEL)).read_text())
    assert form["labels"] == [LABEL]
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert list(fields) == [f.id for f in SCENARIO_FORM.fields]
    assert fields["base"]["attributes"]["options"] == ["dev"]  # not staging or prod
    assert fields["size"]["attributes"]["options"] == ["small", "medium", "large"]
    assert "at most 20 characters" in fields["scenario_name"]["attributes"]["description"]

    gitlab_text = (checkout / layout.gitlab_template_file(LABEL)).read_text()
    headings = [line[4:] for line in gitlab_text.splitlines() if line.startswith("### ")]
    assert headings == [f.label for f in SCENARIO_FORM.fields]
    assert f'/label ~"{LABEL}"' in gitlab_text
    parsed = parse_issue_body(scenario_form(), SCENARIO_FORM)
    assert parsed.errors == ()


@pytest.mark.tools
def test_the_scenario_form_matches_the_issue_forms_schema(checkout: Path) -> None:
    schema = reference("github", "schemas", "github-issue-forms.json")
    run(
        [
            tool("check-jsonschema"),
            "--schemafile",
            str(schema),
            str(checkout / layout.github_form_file(LABEL)),
        ]
    )


def test_a_platform_without_scenarios_has_no_scenario_form(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False, render=True)
    assert not (root / layout.github_form_file(LABEL)).exists()
    assert not (root / layout.gitlab_template_file(LABEL)).exists()
    assert (root / layout.github_form_file("app-request")).exists()


def test_the_form_becomes_the_scenario_request() -> None:
    draft = request_from_issue(scenario_form(Applications="api, worker"), [LABEL])
    assert not isinstance(draft, type(None)) and getattr(draft, "ok", False), draft
    assert (draft.kind, draft.tenant, draft.name) == ("Scenario", "payments", "qa")  # type: ignore[union-attr]
    assert draft.document == {  # type: ignore[union-attr]
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Scenario",
        "metadata": {"name": "qa"},
        "spec": {
            "description": "QA of the refunds flow",
            "base": "dev",
            "expires": "2026-12-19",
            "size": "small",
            "apps": {"api": {}, "worker": {}},
        },
    }
    bare = request_from_issue(
        scenario_form(Description="_No response_", Applications="_No response_"), [LABEL]
    )
    assert bare.document["spec"] == {  # type: ignore[union-attr]
        "base": "dev",
        "expires": "2026-12-19",
        "size": "small",
    }


def test_a_scenario_issue_becomes_a_pull_request_that_passes_render_check(
    checkout: Path, tmp_path: Path
) -> None:
    result = propose(str(checkout), _event(tmp_path, scenario_form()))

    assert isinstance(result, Proposal), result
    assert (result.kind, result.request_path) == ("Scenario", QA_FILE)
    assert {
        QA_FILE,
        "catalog/tenants/payments.yaml",  # its Resource
        "environments/dev/tenants/payments-qa/argocd.yaml",
        "environments/dev/tenants/payments-qa/apps/api.values.yaml",
        "environments/dev/tenants/payments-qa/guardrails/kustomization.yaml",
    } <= set(result.files)
    assert not any("tenants/checkout" in p for p in result.files)
    request = result.files[QA_FILE].decode()
    assert request.startswith(
        "# yaml-language-server: $schema=../../../schemas/scenario.schema.json"
    )

    apply_proposal(checkout, result)
    code, out, err = berth(checkout, "render", "--check")
    assert (code, err) == (0, ""), out
    assert berth(checkout, "validate")[0] == 0


@pytest.mark.parametrize(
    ("answers", "label", "message"),
    [
        ({"Expires": "2027-03-01"}, "spec.expires", "maxDays"),
        ({"Base environment": "prod"}, "spec.base", "prod"),
        ({"Applications": "nope"}, "spec.apps", "nope"),
    ],
    ids=["too-long", "base-not-allowed", "unknown-app"],
)
def test_the_platforms_limits_refuse_it_with_the_validators_words(
    checkout: Path, tmp_path: Path, answers: dict[str, str], label: str, message: str
) -> None:
    result = propose(str(checkout), _event(tmp_path, scenario_form(**answers)))

    assert isinstance(result, Rejection), result
    assert any(
        p.file == QA_FILE and label in p.field and message in p.message for p in result.problems
    ), result


def test_a_bad_scenario_name_is_refused_before_it_becomes_a_path(
    checkout: Path, tmp_path: Path
) -> None:
    result = propose(str(checkout), _event(tmp_path, scenario_form(name="../../x")))

    assert isinstance(result, Rejection), result
    # No name from the issue goes into the path until both are valid.
    (problem,) = result.problems
    assert problem.file == "tenants/<tenant>/scenarios/<scenario>.yaml"
    assert (problem.field, problem.line) == ("metadata.name", 7)


def test_an_edited_issue_keeps_the_pins_of_the_apps_it_still_names(
    checkout: Path, tmp_path: Path
) -> None:
    write(
        checkout,
        {
            QA_FILE: "# pinned by hand\napiVersion: berth.dev/v1alpha1\nkind: Scenario\n"
            'metadata: {name: qa}\nspec:\n  base: dev\n  expires: "2026-12-10"\n'
            '  size: small\n  apps:\n    api: {tag: "1.5.0-rc1"}\n'
        },
    )
    assert berth(checkout, "render")[0] == 0

    result = propose(str(checkout), _event(tmp_path, scenario_form()))

    assert isinstance(result, Proposal) and result.updates, result
    request = result.files[QA_FILE].decode()
    assert request.startswith("# pinned by hand\n")
    assert yaml.safe_load(request)["spec"] == {
        "base": "dev",
        "expires": "2026-12-19",
        "size": "small",
        "apps": {"api": {"tag": "1.5.0-rc1"}},
        "description": "QA of the refunds flow",
    }
    # An issue that names no app any more: every app of the base, the pins gone with the list.
    every = propose(str(checkout), _event(tmp_path, scenario_form(Applications="_No response_")))
    assert isinstance(every, Proposal), every
    assert "apps" not in yaml.safe_load(every.files[QA_FILE])["spec"]


def test_github_intake_opens_one_pull_request_for_an_owner(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = github_event(tmp_path, "opened", scenario_form(), (LABEL,))
    payload = json.loads(event.read_text())
    payload["issue"]["user"]["login"] = payload["sender"]["login"] = "alice"  # an owner
    event.write_text(json.dumps(payload))

    code, out, err = intake(checkout, event, monkeypatch)

    assert (code, err) == (0, ""), out
    (pull,) = github.open_pulls("berth/issue-1")
    assert pull["title"] == "berth: add scenario qa of tenant payments"
    assert b"kind: Scenario" in github.git.files("berth/issue-1")[QA_FILE]


def test_gitlab_intake_refuses_someone_who_is_not_an_owner(
    checkout: Path, gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = gitlab_event(tmp_path, scenario_form(), (LABEL,))

    code, out, _ = intake(checkout, event, monkeypatch, gitlab=True)

    assert code == 1, out
    assert "may not change this tenant" in out

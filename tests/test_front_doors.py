"""Every front door from one source: the issue forms, the GitLab templates and the Backstage
software templates are generated from platform.yaml and the request models, ask the same
fields with the same limits, and what they produce is the same request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.intake import APP_FORM, TENANT_FORM, IssueForm, request_from_issue
from generator.repo import layout
from tests.support.backstage import load_entities, scaffold, validate
from tests.support.example import example
from tests.support.repo import berth, make_repo, write
from tests.support.tools import REPO, reference

EXAMPLE = example()

TEMPLATES = {"new-tenant": TENANT_FORM, "new-application": APP_FORM}
MODEL_SCHEMAS = {"tenant": "tenant", "app": "application"}
DOMAINS = {"dev": "dev.acme.example", "staging": "staging.acme.example", "prod": "acme.example"}
PR_INPUT = json.loads(
    reference("backstage", "publish-github-pull-request.input.schema.json").read_text()
)


def _template(root: Path, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / layout.catalog_template_file(name)).read_text())
    return loaded


def _skeletons(root: Path) -> dict[str, str]:
    folder = root / layout.CATALOG_DIR / "templates" / "skeletons"
    return {f"./skeletons/{p.name}": p.read_text() for p in folder.iterdir()}


@pytest.mark.tools
def test_both_templates_validate_with_backstage() -> None:
    templates = [_template(EXAMPLE, name) for name in TEMPLATES]
    assert validate(templates) == {}
    broken = json.loads(json.dumps(templates[0]))
    del broken["spec"]["steps"][0]["action"]
    assert list(validate([broken])) == ["Template:default/berth-new-tenant"]


def _schema_property(kind: str, source: str) -> dict[str, Any]:
    """The property `source` of schemas/<model>.schema.json, followed through $ref and anyOf."""
    root = json.loads((REPO / "schemas" / f"{MODEL_SCHEMAS[kind]}.schema.json").read_text())
    node: dict[str, Any] = root
    for part in source.split("."):
        while "$ref" in node or "anyOf" in node:
            if "$ref" in node:
                node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
            else:
                node = next(n for n in node["anyOf"] if n.get("type") != "null")
        node = node["additionalProperties"] if part == "*" else node["properties"][part]
    while "anyOf" in node or "$ref" in node:
        node = (
            next(n for n in node["anyOf"] if n.get("type") != "null")
            if "anyOf" in node
            else root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        )
    return node


LIMITS = (
    "type",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
)


@pytest.mark.parametrize(("name", "form"), TEMPLATES.items())
def test_template_parameters_are_the_form_and_the_schema(name: str, form: IssueForm) -> None:
    platform = yaml.safe_load((EXAMPLE / "platform.yaml").read_text())["spec"]
    options = {
        "environments": [e["name"] for e in platform["environments"]],
        "sizes": list(platform["sizes"]),
        "blueprints": sorted(p.parent.name for p in (REPO / "blueprints").glob("*/blueprint.yaml")),
    }
    (page,) = _template(EXAMPLE, name)["spec"]["parameters"]
    # "New application" asks image and tag only for an existing repository (new_repository.py).
    moved = {"image", "tag"} if name == "new-application" else set()
    own = [k for k in page["properties"] if k != "create_repository"]
    assert own == [f.id for f in form.fields if f.id not in moved]
    assert page["required"] == [f.id for f in form.fields if f.required and f.id not in moved]
    properties = dict(page["properties"])
    if moved:
        branch = page["dependencies"]["create_repository"]["oneOf"][1]
        assert branch["properties"].pop("create_repository") == {"const": False}
        assert set(branch["properties"]) == set(branch["required"]) == moved
        properties |= branch["properties"]
    github = yaml.safe_load((EXAMPLE / layout.github_form_file(form.label)).read_text())
    items = {i["id"]: i for i in github["body"] if i["type"] != "markdown"}
    for f in form.fields:
        prop = properties[f.id]
        assert prop["title"] == items[f.id]["attributes"]["label"] == f.label
        assert prop["description"] == items[f.id]["attributes"]["description"]
        if f.source and f.source != "tenant":
            schema = _schema_property(form.kind, f.source)
            for key in LIMITS:
                if key in schema and not (key == "type" and f.choices):
                    assert prop[key] == schema[key], (f.id, key)
        if f.kind == "checkboxes":
            assert prop["items"]["enum"] == options[f.choices]
            assert [o["label"] for o in items[f.id]["attributes"]["options"]] == options[f.choices]
        elif f.choices:
            assert prop["enum"] == items[f.id]["attributes"]["options"] == options[f.choices]
        assert not re.search(r"\{[A-Za-z]+\}", prop["description"]), (f.id, "unfilled")
        for number in re.findall(r"\d+", prop["description"]):
            assert int(number) in {*(v for v in prop.values() if isinstance(v, int)), 5}, (
                f.id,
                number,
            )


def _issue_body(form_label: str, answers: dict[str, Any], root: Path = EXAMPLE) -> str:
    """The body GitHub writes for an issue made from the form in `root`."""
    github = yaml.safe_load((root / layout.github_form_file(form_label)).read_text())
    parts = []
    for item in github["body"]:
        if item["type"] == "markdown":
            continue
        answer = answers.get(item["id"])
        if item["type"] == "checkboxes":
            value = "\n".join(
                f"- [{'X' if o['label'] in answer else ' '}] {o['label']}"
                for o in item["attributes"]["options"]
            )
        elif isinstance(answer, list):
            value = ", ".join(answer)
        else:
            value = "_No response_" if answer in (None, "") else str(answer)
        parts.append(f"### {item['attributes']['label']}\n\n{value}")
    return "\n\n".join(parts)


HOSTILE = 'Cards "and" refunds: ${{ parameters.x }} {% raw %} --- \n- [x] prod #x'
TENANT = {
    "tenant_name": "shop", "description": HOSTILE, "owners": ["alice", "bob"],
    "group": "acme/shop", "cost_center": "CC-77", "environments": ["dev", "prod"],
    "size": "medium", "budget": 2500,
}  # fmt: skip
# Apps whose repository exists: the form asks for image and tag, as the issue form does.
APPS = [
    {"create_repository": False, "tenant": "shop", "app_name": "web", "blueprint": "web-service", "image": "ghcr.io/acme/shop",
     "port": 8080, "cpu": "250m", "memory": "256Mi", "health_path": "/healthz",
     "environments": ["dev", "prod"], "tag": "1.0.0", "replicas": 2, "host_prefix": "shop"},
    {"create_repository": False, "tenant": "shop", "app_name": "nightly", "blueprint": "cronjob", "image": "ghcr.io/acme/n",
     "cpu": "100m", "memory": "128Mi", "schedule": "30 1 * * *", "environments": ["dev"],
     "tag": "0.1.0", "replicas": 1},
]  # fmt: skip


def _run(name: str, parameters: dict[str, Any], root: Path = EXAMPLE) -> dict[str, Any]:
    return scaffold(_template(root, name), parameters, _skeletons(root))


@pytest.mark.tools
def test_templates_write_the_request_the_issue_form_writes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    runs = [("new-tenant", TENANT), *(("new-application", app) for app in APPS)]
    for name, parameters in runs:
        done = _run(name, parameters)
        ((path, text),) = done["files"].items()
        publish = done["steps"][-1]
        # The pull request's files are those under its sourcePath.
        path = str(Path(path).relative_to(publish["input"].get("sourcePath", ".")))
        form = TEMPLATES[name]
        draft = request_from_issue(
            _issue_body(form.label, parameters), [form.label], domains=DOMAINS
        )
        assert not isinstance(draft, type(None)) and getattr(draft, "ok", False), draft
        assert yaml.safe_load(text) == draft.document  # type: ignore[union-attr]
        assert path == (
            layout.tenant_file("shop") if name == "new-tenant"
            else layout.app_file("shop", parameters["app_name"])
        )  # fmt: skip
        write(repo, {path: text})
        assert [s["action"] for s in done["steps"]][:-1] == ["fetch:template:file"]
        assert publish["action"] == "publish:github:pull-request"
        jsonschema.Draft202012Validator(PR_INPUT).validate(publish["input"])
        links = [{"title": "Pull request", "url": "https://example.invalid/pr/1"}]
        if name == "new-application":
            entry = f"component:shop/{parameters['app_name']}"
            links.append(
                {"title": "Catalog entry (once the request is merged)", "entityRef": entry}
            )
        assert done["links"] == links
    tenant = yaml.safe_load((repo / layout.tenant_file("shop")).read_text())
    assert tenant["spec"]["description"] == HOSTILE
    # The pull request goes through the checks of a hand-written one, and passes them.
    code, out, err = berth(repo, "validate")
    assert code == 0, out + err
    assert berth(repo, "render")[0] == 0


@pytest.mark.tools
def test_a_hostile_request_is_refused_by_the_checks_not_the_template(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    bad = TENANT | {"tenant_name": "../etc", "owners": ["x\ny: 1"]}
    ((_, text),) = _run("new-tenant", bad)["files"].items()
    document = yaml.safe_load(text)
    assert document["metadata"]["name"] == "../etc" and document["spec"]["owners"] == ["x\ny: 1"]
    write(repo, {"tenants/etc/tenant.yaml": text})
    code, out, err = berth(repo, "validate")
    assert code == 1 and "tenants/etc/tenant.yaml:" in out + err


@pytest.mark.tools
def test_gitlab_repository_gets_the_merge_request_variant(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    platform = (repo / "platform.yaml").read_text()
    write(repo, {"platform.yaml": platform.replace(
        "https://github.com/acme/platform.git", "https://gitlab.example.com/acme/infra/platform.git"
    )})  # fmt: skip
    assert berth(repo, "render")[0] == 0
    templates = [_template(repo, name) for name in TEMPLATES]
    assert validate(templates) == {}
    done = _run("new-tenant", TENANT, repo)
    publish = done["steps"][-1]
    assert publish["action"] == "publish:gitlab:merge-request"
    assert publish["input"]["repoUrl"] == "gitlab.example.com?owner=acme/infra&repo=platform"
    assert done["links"][0]["url"] == "https://example.invalid/mr/1"


def test_a_new_environment_and_size_reach_every_front_door(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False, render=True)
    platform = (repo / "platform.yaml").read_text()
    qa = (
        "    - name: qa\n      server: https://kubernetes.default.svc\n"
        "      domain: qa.acme.example\n      sync: auto\n      podSecurity: restricted\n"
        '      ceiling: {cpu: "16", memory: 32Gi, storage: 200Gi}\n'
        '      backup: {schedule: "0 3 * * *", ttl: 168h}\n'
    )
    platform = platform.replace("  sizes:", qa + "  sizes:", 1).replace(
        "    large:", '    xlarge: {cpu: "16", memory: 32Gi, storage: 100Gi}\n    large:', 1
    )
    write(repo, {"platform.yaml": platform})
    fronts = [
        *(layout.github_form_file(f.label) for f in (TENANT_FORM, APP_FORM)),
        *(layout.gitlab_template_file(f.label) for f in (TENANT_FORM, APP_FORM)),
        *(layout.catalog_template_file(n) for n in TEMPLATES),
    ]
    code, out, _ = berth(repo, "render", "--check")
    assert code == 1
    assert {line.split()[1] for line in out.splitlines() if line.startswith("stale:")} >= set(
        fronts
    )
    assert berth(repo, "render")[0] == 0
    assert berth(repo, "render", "--check")[0] == 0
    tenant_form = yaml.safe_load((repo / layout.github_form_file("tenant-request")).read_text())
    fields = {i.get("id"): i for i in tenant_form["body"]}
    assert "qa" in [o["label"] for o in fields["environments"]["attributes"]["options"]]
    assert "xlarge" in fields["size"]["attributes"]["options"]
    gitlab = (repo / layout.gitlab_template_file("tenant-request")).read_text()
    assert "- [ ] qa\n" in gitlab and "xlarge" in gitlab
    (page,) = _template(repo, "new-tenant")["spec"]["parameters"]
    assert "qa" in page["properties"]["environments"]["items"]["enum"]
    assert "xlarge" in page["properties"]["size"]["enum"]
    app = _template(repo, "new-application")
    (request,) = (s for s in app["spec"]["steps"] if s["id"] == "request")
    assert request["input"]["values"]["domains"]["qa"] == "qa.acme.example"
    # An issue made from the new form parses with the same parser.
    answers = TENANT | {"environments": ["qa"], "size": "xlarge"}
    draft = request_from_issue(_issue_body("tenant-request", answers, repo), ["tenant-request"])
    assert getattr(draft, "document", {}).get("spec", {}).get("environments") == {
        "qa": {"size": "xlarge"}
    }
    assert load_entities(*sorted((repo / layout.CATALOG_DIR / "templates").glob("*.yaml")))

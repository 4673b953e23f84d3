"""The Backstage software template "New scenario environment" and its skeleton.

Like "New tenant" and "New application" (backstage.py), it writes one request file,
`tenants/<tenant>/scenarios/<name>.yaml` (docs/requests.md, Scenarios), and opens a pull
request (or a GitLab merge request) that the repository's checks validate like a hand-written
one: the platform's limits, the dates, the quota and the budget are `validate`'s, not the
form's. Its parameters take their limits from the Scenario model and their options from
platform.yaml (the environments `scenarios.environments` allows, the sizes). A platform that
allows no scenarios gets no template: it could only ask for what `validate` refuses.
"""

from __future__ import annotations

from typing import Any

from generator.models.common import DNS_LABEL, MAX_TENANT_NAME
from generator.models.platform import Platform
from generator.models.scenario import MAX_SCENARIO_NAME, Scenario
from generator.portal.backstage import API_VERSION, is_gitlab, repository
from generator.repo import layout
from generator.repo.scenario_layout import scenario_file
from generator.yamlio.writer import dump

NAME = "new-scenario"
TITLE = "New scenario environment"
SKELETON = "scenario.yaml.njk"
SOURCES = (layout.PLATFORM_FILE, "generator/models/scenario.py")


def names(platform: Platform) -> list[str]:
    """The template's name if the platform allows scenarios (for the catalog's Location)."""
    return [NAME] if platform.spec.scenarios is not None else []


def files(platform: Platform) -> dict[str, str]:
    """The template and its skeleton, if the platform allows scenarios."""
    if platform.spec.scenarios is None:
        return {}
    return {
        layout.catalog_template_file(NAME): layout.header(*SOURCES) + dump(template(platform)),
        f"{layout.CATALOG_DIR}/templates/skeletons/{SKELETON}": skeleton(),
    }


def _spec_string(name: str) -> dict[str, Any]:
    """The string schema of an optional field of the Scenario model's spec."""
    node = Scenario.model_json_schema()["$defs"]["ScenarioSpec"]["properties"][name]
    found: dict[str, Any] = next(n for n in node["anyOf"] if n.get("type") == "string")
    return found


def _param(field_id: str) -> str:
    return "${{ parameters." + field_id + " }}"


def template(platform: Platform) -> dict[str, Any]:
    limits = platform.spec.scenarios
    assert limits is not None  # files() writes no template otherwise
    label = f"^{DNS_LABEL.pattern}$"
    description = _spec_string("description")
    properties: dict[str, Any] = {
        "tenant": {
            "title": "Tenant",
            "type": "string",
            "maxLength": MAX_TENANT_NAME,
            "pattern": label,
            "description": "The tenant whose apps the scenario copies (its folder under"
            " `tenants/`).",
            "ui:placeholder": "payments",
        },
        "scenario_name": {
            "title": "Scenario name",
            "type": "string",
            "maxLength": MAX_SCENARIO_NAME,
            "pattern": label,
            "description": "Lowercase letters, digits and '-', at most"
            f" {MAX_SCENARIO_NAME} characters. Its namespace is"
            " `<tenant>-<scenario>-<environment>`, its hosts `<app>.<scenario>.<tenant>.<domain>`.",
            "ui:placeholder": "load-test",
        },
        "description": {
            "title": "Description",
            "type": "string",
            "minLength": description["minLength"],
            "maxLength": description["maxLength"],
            "description": "Optional. What it is for, in a sentence.",
            "ui:widget": "textarea",
        },
        "base": {
            "title": "Base environment",
            "type": "string",
            "enum": list(limits.environments),
            "description": "The environment it copies: its cluster, sync mode, guardrails and"
            " the releases its apps run there.",
        },
        "expires": {
            "title": "Expires",
            "type": "string",
            "format": "date",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": f"The last day it runs, at most {limits.maxDays} days from the pull"
            " request; after it, a pull request removes the scenario. No backups, no alerts:"
            " it is disposable.",
        },
        "size": {
            "title": "Size",
            "type": "string",
            "enum": list(platform.spec.sizes),
            "description": "The scenario's own quota"
            + ("; it counts against the tenant's budget." if limits.countsAgainstBudget else "."),
        },
        "apps": {
            "title": "Applications",
            "type": "array",
            "items": {"type": "string", "maxLength": 63, "pattern": label},
            "uniqueItems": True,
            "description": "Optional. The tenant's apps to run, each as it runs in the base"
            " environment (pin another tag in the pull request). Empty: every app of the base.",
        },
    }
    parameters = {
        "title": TITLE,
        "required": ["tenant", "scenario_name", "base", "expires", "size"],
        "properties": properties,
    }
    path = scenario_file(_param("tenant"), _param("scenario_name"))
    write = {
        "id": "request",
        "name": "Write the request file",
        "action": "fetch:template:file",
        "input": {
            "url": f"./skeletons/{SKELETON}",
            "targetPath": f"./{path}",
            "values": {k: _param(k) for k in properties},
        },
    }
    gitlab = is_gitlab(platform)
    host, owner, repo = repository(platform)
    title = f"Scenario: {_param('scenario_name')} of {_param('tenant')}"
    publish_input: dict[str, Any] = {
        "repoUrl": f"{host}?owner={owner}&repo={repo}",
        "branchName": f"berth/scenario-{_param('tenant')}-{_param('scenario_name')}",
        "targetBranchName": platform.spec.targetRevision,
        "title": title,
        "description": f"Adds `{path}`, written by the Backstage template"
        f' "{TITLE}". The repository\'s checks validate and plan it (its cost until it'
        " expires) like a hand-written request; the tenant's owners review it.",
    }
    if gitlab:
        publish_input |= {"commitAction": "create", "removeSourceBranch": True}
    else:
        publish_input["commitMessage"] = title
    publish = {
        "id": "publish",
        "name": "Open the merge request" if gitlab else "Open the pull request",
        "action": "publish:gitlab:merge-request" if gitlab else "publish:github:pull-request",
        "input": publish_input,
    }
    output = "mergeRequestUrl" if gitlab else "remoteUrl"
    return {
        "apiVersion": API_VERSION,
        "kind": "Template",
        "metadata": {
            "name": f"berth-{NAME}",
            "title": TITLE,
            "description": "A short-lived, isolated copy of your tenant's apps in one"
            " environment, for a test scenario, removed when it expires. Opens a pull request"
            " with the request file; the repository's checks validate it like a hand-written"
            " one.",
            "tags": ["berth"],
        },
        "spec": {
            "type": "berth-request",
            "parameters": [parameters],
            "steps": [write, publish],
            "output": {
                "links": [
                    {
                        "title": "Merge request" if gitlab else "Pull request",
                        "url": "${{ steps.publish.output." + output + " }}",
                    }
                ]
            },
        },
    }


SCENARIO_SKELETON = """\
# yaml-language-server: $schema=../../../schemas/scenario.schema.json
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: ${{ values.scenario_name | dump }}
spec:
{%- if values.description %}
  description: ${{ values.description | dump }}
{%- endif %}
  base: ${{ values.base | dump }}
  expires: ${{ values.expires | dump }}
  size: ${{ values.size | dump }}
{%- if values.apps and values.apps.length %}
  apps:
{%- for app in values.apps %}
    ${{ app | dump }}: {}
{%- endfor %}
{%- endif %}
"""


def skeleton() -> str:
    """The skeleton; its header is a template comment, so the request it writes has none."""
    return (
        f"{{# {layout.GENERATED_MARK} from generator/portal/scenario_template.py. Do not edit:"
        " run `berth render`. Backstage's fetch:template:file renders it into the request"
        " file. #}" + SCENARIO_SKELETON
    )

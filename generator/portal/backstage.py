"""The Backstage software templates "New tenant" and "New application", and their skeletons.

Each template's parameters are the form's fields (`models/forms.py`) with the JSON Schema of
what they hold (`fieldschema.py`: the request models' limits, the platform's options), so the
portal asks exactly what the issue forms ask. Its steps write the request file only (from a
skeleton, every value passed through `dump`, so a typed string stays one YAML string) and open
a pull request (GitHub) or merge request (GitLab, chosen by platform.yaml `repoURL`) against
the target revision; they register nothing. That pull request is checked like any other.
"New application" first creates the application's repository from its blueprint's skeleton
unless the form says it exists (`new_repository.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from generator.load.blueprints import Blueprint
from generator.models.forms import APP_FORM, TENANT_FORM, IssueForm
from generator.models.platform import Platform
from generator.portal import new_repository
from generator.portal.fieldschema import (
    field_schema,
    help_context,
    help_text,
    placeholder,
    with_options,
)
from generator.repo import layout

API_VERSION = "scaffolder.backstage.io/v1beta3"
TEMPLATES = {"new-tenant": TENANT_FORM, "new-application": APP_FORM}
SKELETONS = {"tenant": "tenant.yaml.njk", "app": "application.yaml.njk"}
TITLES = {"tenant": "New tenant", "app": "New application"}


def skeleton_file(kind: str) -> str:
    return f"{layout.CATALOG_DIR}/templates/skeletons/{SKELETONS[kind]}"


def repository(platform: Platform) -> tuple[str, str, str]:
    """(host, owner, repo) of platform.yaml `repoURL`: `https://github.com/acme/platform.git`."""
    parts = urlsplit(platform.spec.repoURL)
    path = parts.path.strip("/").removesuffix(".git")
    owner, _, repo = path.rpartition("/")
    return parts.hostname or "", owner, repo


def is_gitlab(platform: Platform) -> bool:
    return "gitlab" in repository(platform)[0]


def template(name: str, platform: Platform, blueprints: Mapping[str, Blueprint]) -> dict[str, Any]:
    form = with_options(TEMPLATES[name], platform, blueprints)
    context = help_context(platform, blueprints)
    properties: dict[str, Any] = {}
    for f in form.fields:
        schema: dict[str, Any] = {"title": f.label, **field_schema(form.kind, f)}
        schema["description"] = help_text(form.kind, f, context)
        if f.kind == "checkboxes":
            schema["ui:widget"] = "checkboxes"
        elif f.kind == "textarea":
            schema["ui:widget"] = "textarea"
        if f.placeholder:
            schema["ui:placeholder"] = placeholder(f, context)
        if f.default:
            schema["default"] = int(f.default) if schema["type"] == "integer" else f.default
        properties[f.id] = schema
    title = TITLES[form.kind]
    parameters: dict[str, Any] = {
        "title": title,
        "required": [f.id for f in form.fields if f.required],
        "properties": properties,
    }
    steps = [_write_step(form, platform), _publish_step(form, platform)]
    links = [
        {
            "title": "Merge request" if is_gitlab(platform) else "Pull request",
            "url": "${{ steps.publish.output."
            + ("mergeRequestUrl" if is_gitlab(platform) else "remoteUrl")
            + " }}",
        }
    ]
    if form.kind == "app":
        # The app's repository, created from its blueprint's skeleton (new_repository.py).
        parameters["properties"] = {
            new_repository.OPTION: new_repository.option_schema(),
            **{k: v for k, v in properties.items() if k not in new_repository.EXISTING_ONLY},
        }
        parameters["required"] = [
            f for f in parameters["required"] if f not in new_repository.EXISTING_ONLY
        ]
        parameters["dependencies"] = new_repository.dependencies(properties)
        repo = repository(platform)
        steps[:0] = new_repository.steps(name, platform, repo, is_gitlab(platform))
        links[:0] = new_repository.links()[:1]
        links += new_repository.links()[1:]
    return {
        "apiVersion": API_VERSION,
        "kind": "Template",
        "metadata": {
            "name": f"berth-{name}",
            "title": title,
            "description": f"{form.description}"
            + (
                " Creates the app's repository from its blueprint's skeleton."
                if form.kind == "app"
                else ""
            )
            + " Opens a pull request with the request file;"
            " the repository's checks validate it like a hand-written one.",
            "tags": ["berth"],
        },
        "spec": {
            "type": "berth-request",
            "parameters": [parameters],
            "steps": steps,
            "output": {"links": links},
        },
    }


def _param(field_id: str) -> str:
    return "${{ parameters." + field_id + " }}"


def request_path(form: IssueForm) -> str:
    """Where the step writes the request, as a template expression."""
    if form.kind == "tenant":
        return layout.tenant_file(_param("tenant_name"))
    return layout.app_file(_param("tenant"), _param("app_name"))


def _write_step(form: IssueForm, platform: Platform) -> dict[str, Any]:
    values: dict[str, Any] = {f.id: _param(f.id) for f in form.fields}
    target = "./" + request_path(form)
    if form.kind == "app":
        values["domains"] = {e.name: e.domain for e in platform.spec.environments}
        values["image"] = new_repository.request_image(platform)
        values["tag"] = new_repository.request_tag()
        # A folder of its own: the pull request carries the request, not the new repository.
        target = f"{new_repository.REQUEST_WORKSPACE}/{request_path(form)}"
    return {
        "id": "request",
        "name": "Write the request file",
        "action": "fetch:template:file",
        "input": {
            "url": "./skeletons/" + SKELETONS[form.kind],
            "targetPath": target,
            "values": values,
        },
    }


def _publish_step(form: IssueForm, platform: Platform) -> dict[str, Any]:
    host, owner, repo = repository(platform)
    if form.kind == "tenant":
        what, branch = _param("tenant_name"), "berth/tenant-" + _param("tenant_name")
    else:
        what = f"{_param('app_name')} of {_param('tenant')}"
        branch = f"berth/app-{_param('tenant')}-{_param('app_name')}"
    title = f"{form.name}: {what}"
    description = (
        f"Adds `{request_path(form)}`, written by the Backstage template"
        f' "{TITLES[form.kind]}". The repository\'s checks validate and plan it like a'
        " hand-written request; its owners review it."
    )
    common: dict[str, Any] = {
        "repoUrl": f"{host}?owner={owner}&repo={repo}",
        "branchName": branch,
        "targetBranchName": platform.spec.targetRevision,
        "title": title,
        "description": description,
    }
    if form.kind == "app":
        common["sourcePath"] = new_repository.REQUEST_WORKSPACE
    if is_gitlab(platform):
        action = "publish:gitlab:merge-request"
        extra: dict[str, Any] = {"commitAction": "create", "removeSourceBranch": True}
    else:
        action = "publish:github:pull-request"
        extra = {"commitMessage": title}
    return {
        "id": "publish",
        "name": "Open the merge request" if is_gitlab(platform) else "Open the pull request",
        "action": action,
        "input": {**common, **extra},
    }


TENANT_SKELETON = """\
# yaml-language-server: $schema=../../schemas/tenant.schema.json
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: ${{ values.tenant_name | dump }}
spec:
  description: ${{ values.description | dump }}
  owners: ${{ values.owners | dump }}
  group: ${{ values.group | dump }}
  costCenter: ${{ values.cost_center | dump }}
  environments:
{%- for env in values.environments %}
    ${{ env | dump }}: {size: ${{ values.size | dump }}}
{%- endfor %}
{%- if values.budget %}
  budget: {monthly: ${{ values.budget | dump }}}
{%- endif %}
"""

APP_SKELETON = """\
# yaml-language-server: $schema=../../../schemas/application.schema.json
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: ${{ values.app_name | dump }}
spec:
  blueprint: ${{ values.blueprint | dump }}
  image: ${{ values.image | dump }}
{%- if values.port %}
  port: ${{ values.port | dump }}
{%- endif %}
  resources: {cpu: ${{ values.cpu | dump }}, memory: ${{ values.memory | dump }}}
{%- if values.health_path %}
  healthPath: ${{ values.health_path | dump }}
{%- endif %}
{%- if values.schedule %}
  schedule: ${{ values.schedule | dump }}
{%- endif %}
  environments:
{%- for env in values.environments %}
    ${{ env | dump }}:
      tag: ${{ values.tag | dump }}
{%- if values.blueprint != "cronjob" %}
      replicas: ${{ values.replicas | dump }}
{%- endif %}
{%- if values.host_prefix %}
      host: ${{ (values.host_prefix + "." + values.domains[env]) | dump }}
{%- endif %}
{%- endfor %}
"""


def skeleton(kind: str) -> str:
    """A skeleton; its header is a template comment, so the request it writes has none."""
    body = TENANT_SKELETON if kind == "tenant" else APP_SKELETON
    # The comment shares the first line with the request's own first line: no blank line.
    return (
        f"{{# {layout.GENERATED_MARK} from generator/portal/backstage.py. Do not edit: run"
        " `berth render`. Backstage's fetch:template:file renders it into the request file."
        " #}" + body
    )

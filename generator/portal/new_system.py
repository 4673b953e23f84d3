"""The Backstage software template "New system": a pull request adding one System request.

It writes `tenants/<tenant>/systems/<name>.yaml` (models/system.py) from a skeleton, every
value passed through `dump`, and opens a pull request (GitHub) or merge request (GitLab) with
it, like "New tenant" (backstage.py). A new file, not an edit of tenant.yaml: Backstage's
built-in actions add files to a pull request but edit none in place (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from generator.models.common import DNS_LABEL
from generator.models.platform import Platform
from generator.portal.backstage import API_VERSION, is_gitlab, repository
from generator.repo import layout

NAME = "new-system"
SKELETON = "system.yaml.njk"
TITLE = "New system"


def _param(field_id: str) -> str:
    return "${{ parameters." + field_id + " }}"


def request_path() -> str:
    return layout.system_file(_param("tenant"), _param("system_name"))


def template(platform: Platform, tenants: list[str]) -> dict[str, Any]:
    label = f"^{DNS_LABEL.pattern}$"
    properties: dict[str, Any] = {
        "tenant": {
            "title": "Tenant",
            "type": "string",
            "enum": tenants,
            "description": "The tenant that owns the System; its Group owns it in the catalog.",
        },
        "system_name": {
            "title": "System name",
            "type": "string",
            "maxLength": 63,
            "pattern": label,
            "description": "Lowercase letters, digits and '-', at most 63 characters; not the"
            " tenant's own name. Applications join it with `system: <name>`.",
            "ui:placeholder": "checkout-flow",
        },
        "description": {
            "title": "Description",
            "type": "string",
            "minLength": 1,
            "maxLength": 300,
            "description": "What the System does, in a sentence (at most 300 characters).",
            "ui:widget": "textarea",
        },
    }
    host, owner, repo = repository(platform)
    title = f"New system: {_param('system_name')} of {_param('tenant')}"
    publish: dict[str, Any] = {
        "repoUrl": f"{host}?owner={owner}&repo={repo}",
        "branchName": f"berth/system-{_param('tenant')}-{_param('system_name')}",
        "targetBranchName": platform.spec.targetRevision,
        "title": title,
        "description": f"Adds `{request_path()}`, written by the Backstage template"
        f' "{TITLE}". The repository\'s checks validate it like a hand-written request;'
        " the tenant's owners review it.",
    }
    if is_gitlab(platform):
        action = "publish:gitlab:merge-request"
        publish |= {"commitAction": "create", "removeSourceBranch": True}
    else:
        action = "publish:github:pull-request"
        publish["commitMessage"] = title
    return {
        "apiVersion": API_VERSION,
        "kind": "Template",
        "metadata": {
            "name": f"berth-{NAME}",
            "title": TITLE,
            "description": "A System of your tenant: a group of its applications in the catalog."
            " Opens a pull request with the request file; the repository's checks validate it"
            " like a hand-written one.",
            "tags": ["berth"],
        },
        "spec": {
            "type": "berth-request",
            "parameters": [
                {"title": TITLE, "required": list(properties), "properties": properties}
            ],
            "steps": [
                {
                    "id": "request",
                    "name": "Write the request file",
                    "action": "fetch:template:file",
                    "input": {
                        "url": f"./skeletons/{SKELETON}",
                        "targetPath": f"./{request_path()}",
                        "values": {k: _param(k) for k in properties},
                    },
                },
                {
                    "id": "publish",
                    "name": "Open the merge request"
                    if is_gitlab(platform)
                    else "Open the pull request",
                    "action": action,
                    "input": publish,
                },
            ],
            "output": {
                "links": [
                    {
                        "title": "Merge request" if is_gitlab(platform) else "Pull request",
                        "url": "${{ steps.publish.output."
                        + ("mergeRequestUrl" if is_gitlab(platform) else "remoteUrl")
                        + " }}",
                    }
                ]
            },
        },
    }


def skeleton() -> str:
    """The request file; its header is a template comment, so the request has none."""
    return (
        f"{{# {layout.GENERATED_MARK} from generator/portal/new_system.py. Do not edit: run"
        " `berth render`. Backstage's fetch:template:file renders it into the request file. #}"
        "# yaml-language-server: $schema=../../../schemas/system.schema.json\n"
        "apiVersion: berth.dev/v1alpha1\n"
        "kind: System\n"
        "metadata:\n"
        "  name: ${{ values.system_name | dump }}\n"
        "spec:\n"
        "  description: ${{ values.description | dump }}\n"
    )

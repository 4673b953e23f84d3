"""The steps of "New application" that create the application's repository.

With `create_repository` ticked (the default), the template templates the skeleton with
`fetch:template` in two steps into one folder: what every blueprint's repository shares
(`blueprints/skeleton/`: the Dockerfile and CI for both hosts) and the blueprint's own service
(`blueprints/<blueprint>/skeleton/`), publishes it as `<tenant>-<app>` next to the platform repository (same GitHub
organisation or GitLab group) with `publish:github` or `publish:gitlab`, and writes the request
with the image the skeleton's CI pushes (`<first registry><tenant>-<app>`) and, as its tag, the
new repository's first commit: the skeleton's CI tags every image with its commit, so the
first image the repository builds is the one the request names. Unticked, the form asks for
the image and tag of an existing repository, as the issue forms do.

The catalog's Component of the application stays the one `render` writes from the request (it
is kept in step with the request on every change); registering the new repository's own
`catalog-info.yaml` would define `component:<tenant>/<app>` a second time, which Backstage
refuses as a conflict, so the template links to the Component instead of registering anything.
"""

from __future__ import annotations

import json
from typing import Any

from generator.models.platform import Platform
from generator.repo import layout

OPTION = "create_repository"
# The fields the form asks only for an existing repository.
EXISTING_ONLY = ("image", "tag")
DEFAULT_BRANCH = "main"
WORKSPACE = "./repository"
REQUEST_WORKSPACE = "./request"


def param(field_id: str) -> str:
    return "${{ parameters." + field_id + " }}"


def _created() -> str:
    return "${{ parameters." + OPTION + " }}"


def repository_name() -> str:
    return f"{param('tenant')}-{param('app_name')}"


def image_prefix(platform: Platform) -> str:
    """Where the skeleton's CI pushes: the platform's first registry."""
    return platform.spec.registries[0]


def option_schema() -> dict[str, Any]:
    return {
        "title": "Create the application's repository",
        "description": "Create `<tenant>-<app>` from the blueprint's skeleton (service, Dockerfile"
        " and CI that builds the image and asks Berth to release it). Untick it for an"
        " existing repository: you then give its image and tag.",
        "type": "boolean",
        "default": True,
    }


def dependencies(properties: dict[str, Any]) -> dict[str, Any]:
    """The image and tag fields, shown and required only without a new repository (the form
    library's dependencies: each branch of the oneOf holds one value of the checkbox)."""
    return {
        OPTION: {
            "oneOf": [
                {"properties": {OPTION: {"const": True}}},
                {
                    "properties": {
                        OPTION: {"const": False},
                        **{f: properties[f] for f in EXISTING_ONLY},
                    },
                    "required": list(EXISTING_ONLY),
                },
            ]
        }
    }


def request_image(platform: Platform) -> str:
    """The request's image, as a template expression."""
    return "${{ (" + _image(platform) + ") if parameters." + OPTION + " else parameters.image }}"


def _image(platform: Platform) -> str:
    # A JSON string is a Nunjucks string literal: the prefix cannot end the expression.
    return json.dumps(image_prefix(platform)) + ' + parameters.tenant + "-" + parameters.app_name'


def request_tag() -> str:
    """The request's tag: the new repository's first commit, which its CI tags the image with."""
    return (
        "${{ steps.repository.output.commitHash if parameters." + OPTION + " else parameters.tag }}"
    )


SHARED_SKELETON = f"{layout.BLUEPRINTS_DIR}/skeleton"  # what every blueprint's repository holds


def skeleton_url(template_name: str, blueprint: str | None) -> str:
    """The skeleton folder relative to the template file (Backstage resolves it there): the
    blueprint's own part, or with None the part every blueprint shares."""
    depth = layout.catalog_template_file(template_name).count("/")
    folder = (
        SHARED_SKELETON if blueprint is None else f"{layout.BLUEPRINTS_DIR}/{blueprint}/skeleton"
    )
    return "../" * depth + folder


def steps(
    template_name: str, platform: Platform, repository: tuple[str, str, str], gitlab: bool
) -> list[dict[str, Any]]:
    """`repository`: (host, owner, name) of the platform repository."""
    host, owner, name = repository
    registry = image_prefix(platform)
    values = {
        "name": param("app_name"),
        "tenant": param("tenant"),
        "blueprint": param("blueprint"),
        "port": param("port"),
        "healthPath": param("health_path"),
        "schedule": param("schedule"),
        "image": "${{ " + _image(platform) + " }}",
        "registry": registry.split("/", 1)[0],
        "environment": "${{ parameters.environments[0] }}",
        "platformRepository": f"{owner}/{name}",
        "platformOwner": owner,
        "platformName": name,
        "platformRef": platform.spec.targetRevision,
        "defaultBranch": DEFAULT_BRANCH,
    }
    shared, own = (
        {
            "id": step_id,
            "name": title,
            "if": _created(),
            "action": "fetch:template",
            "input": {
                "url": skeleton_url(template_name, part),
                "targetPath": WORKSPACE,
                "values": values,
            },
        }
        for step_id, title, part in (
            ("skeleton", "Template the repository's Dockerfile and CI", None),
            ("service", "Template the blueprint's service", param("blueprint")),
        )
    )
    common = {
        "repoUrl": f"{host}?owner={owner}&repo={repository_name()}",
        "sourcePath": WORKSPACE,
        "defaultBranch": DEFAULT_BRANCH,
        "repoVisibility": "private",
        "gitCommitMessage": f"{param('app_name')}: created from Berth's {param('blueprint')}"
        " skeleton",
    }
    if not gitlab:
        common["description"] = f"{param('app_name')} of the tenant {param('tenant')}"
    publish = {
        "id": "repository",
        "name": "Create the repository",
        "if": _created(),
        "action": "publish:gitlab" if gitlab else "publish:github",
        "input": common,
    }
    return [shared, own, publish]


def links() -> list[dict[str, Any]]:
    return [
        {
            "title": "Repository",
            "if": _created(),
            "url": "${{ steps.repository.output.remoteUrl }}",
        },
        {
            "title": "Catalog entry (once the request is merged)",
            "entityRef": f"component:{param('tenant')}/{param('app_name')}",
        },
    ]

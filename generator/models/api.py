"""What an application provides and consumes: `spec.api` and `spec.consumes` (models/application.py).

`api.definition` is a path in the application's repository or an https URL; the catalog
(portal/catalog.py) renders it as the `$text` of a Backstage API entity. Whether a consumed
application exists and provides an API is a cross-file rule (validate/api_rules.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from generator.models.common import Strict

API_TYPES = ("openapi", "asyncapi", "graphql", "grpc")
# A path in the app's repository: relative segments of printable ASCII, no '..', no '\\'.
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_@+=,~-][A-Za-z0-9_.@+=,~-]*")
_HTTPS = re.compile(r"https://[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?(?::[0-9]{1,5})?/[!-~]*")
# `<tenant>/<app>` or `<app>` (the consumer's own tenant).
_CONSUMED = re.compile(r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?/)?[a-z](?:[-a-z0-9]*[a-z0-9])?")


def _definition(value: str) -> str:
    if value.startswith("https://"):
        if not _HTTPS.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an https URL: a lowercase host and a path of printable"
                " ASCII, no spaces"
            )
        return value
    if "://" in value or value.startswith("http:"):
        raise ValueError(f"{value!r}: a URL must be https://")
    parts = value.split("/")
    if value.startswith("/") or not all(_PATH_SEGMENT.fullmatch(p) for p in parts):
        raise ValueError(
            f"{value!r} is neither an https URL nor a relative path in the application's"
            " repository (such as api/openapi.yaml: segments of letters, digits and ._-, no"
            " leading '/', no '..')"
        )
    return value


def _consumed(value: str) -> str:
    if not _CONSUMED.fullmatch(value):
        raise ValueError(
            f"{value!r} names no application: write <app> (of this tenant) or <tenant>/<app>"
        )
    return value


class Api(Strict):
    """The API an application provides, rendered as a Backstage API entity."""

    type: Literal["openapi", "asyncapi", "graphql", "grpc"] = Field(
        description="The definition's format: " + ", ".join(API_TYPES) + "."
    )
    definition: Annotated[str, Field(max_length=1024), AfterValidator(_definition)] = Field(
        description="The API's definition: a path in the application's repository (the"
        " `<tenant>-<app>` repository next to the platform repository, on its main branch), such"
        " as api/openapi.yaml, or an https URL.",
        examples=["api/openapi.yaml", "https://example.com/specs/payments.graphql"],
    )


ConsumedApp = Annotated[
    str,
    Field(max_length=94),
    AfterValidator(_consumed),
    Field(
        description="An application whose API this one calls: `<app>` of the same tenant or"
        " `<tenant>/<app>`; it must exist and declare `api`."
    ),
]

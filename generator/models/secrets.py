"""`platform.yaml` `secrets`: where each tenant's keys live in the secret store, per environment.
The admission policies confine ExternalSecrets and PushSecrets to the same prefix
(generator/render/admission_secrets.py)."""

from __future__ import annotations

from pydantic import Field, field_validator

from generator.models.common import Strict

DEFAULT_KEY_TEMPLATE = "/{environment}/{tenant}/{key}"
# Each segment of a key template: a placeholder, or literal text a path segment may hold.
_TEMPLATE_SEGMENT = r"(\{environment\}|\{tenant\}|[A-Za-z0-9_.-]+)"


class Secrets(Strict):
    """Where in the secret store each tenant's keys live."""

    keyTemplate: str = Field(
        default=DEFAULT_KEY_TEMPLATE,
        max_length=200,
        pattern=rf"^(/{_TEMPLATE_SEGMENT})*/\{{key\}}$",
        description="The remote key an application's secret `key` is read from: `{environment}`,"
        " `{tenant}` and `{key}` are replaced, each a whole path segment, `{key}` last. Default"
        " `/{environment}/{tenant}/{key}`, so no environment reads another's values. The"
        " admission policies confine every ExternalSecret and PushSecret in a tenant namespace to"
        " the keys below the template's prefix for that tenant and environment.",
        examples=["/{environment}/{tenant}/{key}", "/apps/{environment}/{tenant}/{key}"],
    )

    @field_validator("keyTemplate")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        segments = value.split("/")[1:-1]
        if segments.count("{tenant}") != 1:
            raise ValueError("needs {tenant} once, as a whole path segment before /{key}")
        if segments.count("{environment}") > 1:
            raise ValueError("may hold {environment} at most once")
        if any(s in (".", "..") for s in segments):
            raise ValueError("must not hold '.' or '..' segments")
        return value

    def prefix(self, environment: str, tenant: str) -> str:
        """The path every key of `tenant` in `environment` starts with (ends in '/')."""
        return self.keyTemplate.removesuffix("{key}").format(environment=environment, tenant=tenant)

    def key(self, environment: str, tenant: str, key: str) -> str:
        return self.prefix(environment, tenant) + key

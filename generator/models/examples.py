"""Examples that validation messages quote, taken from the platform's own settings.

"such as ghcr.io/acme/payments-api" in another company's repository points its developers at
a registry they may not use. The validator of a request is given the platform's examples as
pydantic's validation context (`validate_model(..., context=examples_of(...))`): its first
registry and its first environment's domain. Where no valid platform is at hand (platform.yaml
itself is being judged) the examples are neutral, from the reserved `example.com`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationInfo

if TYPE_CHECKING:
    from generator.models.platform import Platform

NEUTRAL = {"image": "registry.example.com/team/app", "host": "app.example.com"}


def examples_of(registries: Sequence[str], domain: str) -> dict[str, Any]:
    """The validation context of requests on a platform with these registries and domain."""
    registry = registries[0] if registries else "registry.example.com/team/"
    return {"examples": {"image": f"{registry}payments-api", "host": f"api.{domain}"}}


def platform_examples(platform: Platform | None) -> dict[str, Any] | None:
    """The context of a valid platform; None (neutral examples) without one."""
    if platform is None:
        return None
    return examples_of(platform.spec.registries, platform.spec.environments[0].domain)


def example(info: ValidationInfo, name: str) -> str:
    context = info.context if isinstance(info.context, Mapping) else {}
    found = context.get("examples", NEUTRAL)
    return str(found.get(name, NEUTRAL[name]))

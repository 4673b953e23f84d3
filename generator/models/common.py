"""Field types shared by every request kind: names, quantities, the Kubernetes-style envelope."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from generator.models.quantity import QuantityError, check_quantity

API_VERSION = "berth.dev/v1alpha1"

# ASCII only by construction: `[a-z]` in a str pattern never matches look-alike letters such as
# Cyrillic a (U+0430), and nothing is normalised, so a name is exactly the bytes the user typed.
DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
GIT_USER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# A team as CODEOWNERS names it, without the '@': `org/team` (GitHub), `group/subgroup/team`
# (GitLab). At most 63 characters, single separators, so its Backstage Group name
# (portal/catalog.py, '/' -> '.') is a valid entity name.
GIT_TEAM = re.compile(rf"(?=.{{3,63}}$){GIT_USER.pattern}(?:/[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)+")
OWNER = re.compile(rf"{GIT_TEAM.pattern}|{GIT_USER.pattern}")

MAX_TENANT_NAME = 30


class Strict(BaseModel):
    """Unknown fields are errors and nothing is coerced: typos and `yes`-booleans must not pass."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _dns_label(max_len: int) -> Any:
    def check(value: str) -> str:
        if len(value) > max_len:
            raise ValueError(f"{value!r} is {len(value)} characters; at most {max_len} allowed")
        if not DNS_LABEL.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a DNS-1123 label: use lowercase ASCII letters, digits and '-',"
                " starting and ending with a letter or digit"
            )
        return value

    return AfterValidator(check)


DnsLabel = Annotated[
    str,
    _dns_label(63),
    Field(description="A DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters."),
]
TenantName = Annotated[
    str,
    _dns_label(MAX_TENANT_NAME),
    Field(
        description="A DNS-1123 label of at most 30 characters, so that `<tenant>-<env>` fits in 63."
    ),
]


def _label_value(value: str) -> str:
    if len(value) > 63 or not LABEL_VALUE.fullmatch(value):
        raise ValueError(
            f"{value!r} cannot be a Kubernetes label value: at most 63 ASCII letters, digits, '-', '_' or '.',"
            " starting and ending with a letter or digit"
        )
    return value


LabelValue = Annotated[str, AfterValidator(_label_value)]


def _git_user(value: str) -> str:
    if not GIT_USER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Git hosting username (ASCII letters, digits and single '-', at most 39;"
            " no leading '@')"
        )
    return value


GitUser = Annotated[str, AfterValidator(_git_user)]


def is_team(owner: str) -> bool:
    """`org/team`: a team of the Git host, whose members Berth cannot list (no team API)."""
    return "/" in owner


def _owner(value: str) -> str:
    if value.startswith("@"):
        raise ValueError(
            f"{value!r}: write it without the leading '@' ({value[1:]!r}); Berth adds it in"
            " CODEOWNERS"
        )
    if is_team(value):
        if not GIT_TEAM.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a team as CODEOWNERS names it: org/team (or group/subgroup/"
                "team on GitLab) of letters and digits with single '.', '_' or '-' between them,"
                " at most 63 characters, without the '@'"
            )
    elif not GIT_USER.fullmatch(value):
        raise ValueError(
            f"{value!r} is neither a Git hosting username (ASCII letters, digits and single '-',"
            " at most 39) nor a team (org/team)"
        )
    return value


Owner = Annotated[str, AfterValidator(_owner)]


def _quantity_input(value: Any) -> Any:
    # A whole number is unambiguous (`cpu: 2`), so it is accepted as the string "2"; a float is
    # not (`0.1` may have been `0.10`), and neither is a boolean.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _quantity(resource: str) -> Any:
    def check(value: str) -> str:
        try:
            check_quantity(resource, value)
        except QuantityError as exc:
            raise ValueError(str(exc)) from None
        return value

    return AfterValidator(check)


CpuQuantity = Annotated[
    str,
    BeforeValidator(_quantity_input),
    _quantity("cpu"),
    Field(description='CPU as a Kubernetes quantity: "2", "500m".', examples=["2", "500m"]),
]
ByteQuantity = Annotated[
    str,
    BeforeValidator(_quantity_input),
    _quantity("memory"),
    Field(description='Bytes as a Kubernetes quantity: "4Gi", "512Mi", "1Ti".', examples=["4Gi"]),
]


class Metadata(Strict):
    name: DnsLabel = Field(description="The request's name; must equal its folder name.")

"""Third-party Helm charts: the platform's allow-list (`platform.yaml` `spec.charts`) and the
tenant's request for one (`tenants/<tenant>/apps/<app>.yaml` with `blueprint: chart`).

A chart app is its own request model, not an `Application` with optional fields: it has no
image, resources or probes of Berth's (the chart owns its workloads), and the checks that need
them (registries of `spec.image`, quotas of `resources`) would otherwise all learn a second
shape. Versions are semantic versions, as Helm requires of a chart: exact ones or a range of
comparators (`>=1.2.0 <2.0.0`), the subset of Helm's constraint syntax a reviewer reads at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from generator.models.application import HOST, AppMetadata, Database
from generator.models.common import DnsLabel, Strict
from generator.yamlio.reader import Document

CHART_BLUEPRINT = "chart"
# The Application of what Berth adds beside a chart (its route, its ExternalSecret) is named
# after the chart's own: `<tenant>-<app>-<env>-extras` (render/chart_app.py).
EXTRAS_APPLICATION_SUFFIX = "-extras"
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?"
)
_COMPARATOR = re.compile(r"(>=|<=|>|<|=)?(.+)")
# Plain http:// only to a loopback address: a mirror on the same machine, never across a network.
_REPO_URL = re.compile(
    r"(?:(?:https://|oci://)[A-Za-z0-9.-]+|http://(?:127\.0\.0\.1|localhost))(?::[0-9]{1,5})?"
    r"(?:/[A-Za-z0-9._~-]+)*/?"
)
_CHART_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9._]*[a-z0-9])?")
_REPO_PATH = re.compile(r"(?!(?:.*/)?\.\.(?:/|$))[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9._-]+)*")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_VALUE_PATH = re.compile(r"(?:[A-Za-z0-9_-]+|\*)(?:\.(?:[A-Za-z0-9_-]+|\*))*")

# Keys refused anywhere in a chart app's values, whatever the chart: each turns a pod into one
# the tenant's admission rules refuse (host namespaces, privileged containers, host paths), or
# makes the chart create what a tenant's project cannot hold (RBAC, PodSecurityPolicies). The
# platform adds paths per chart (`deniedValues`); it cannot remove these.
DENIED_KEYS: Mapping[str, str] = {
    "hostNetwork": "pods on the node's network",
    "hostPID": "pods in the node's process namespace",
    "hostIPC": "pods in the node's IPC namespace",
    "hostPort": "ports opened on the node",
    "hostPath": "node folders mounted into pods",
    "privileged": "privileged containers",
    "allowPrivilegeEscalation": "privilege escalation",
}
# Keys whose string value names an image or a registry: they must be under platform.yaml
# `registries` when they name a registry host at all.
IMAGE_KEYS = frozenset({"image", "repository", "registry"})
MAX_VALUES_BYTES = 64 * 1024


def semver(value: str) -> tuple[int, int, int, tuple[str, ...]] | None:
    """The parts of a semantic version (pre-release identifiers last), or None."""
    match = _SEMVER.fullmatch(value.removeprefix("v"))
    if not match:
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), pre


def _order(value: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    parts = semver(value)
    assert parts is not None  # checked by the caller
    major, minor, patch, pre = parts
    # A release sorts after its pre-releases; numeric identifiers before alphanumeric ones.
    ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre)
    return major, minor, patch, 0 if pre else 1, ids


def _comparators(text: str) -> Iterator[tuple[str, str]]:
    for token in text.split():
        match = _COMPARATOR.fullmatch(token)
        assert match is not None  # `.+` matches any token
        yield match.group(1) or "=", match.group(2)


def _version_spec(value: str) -> str:
    tokens = list(_comparators(value))
    if not tokens:
        raise ValueError("is empty; give a version (1.2.3) or a range (>=1.2.0 <2.0.0)")
    for _op, version in tokens:
        if semver(version) is None:
            raise ValueError(
                f"{version!r} is not a semantic version: give MAJOR.MINOR.PATCH such as 1.2.3,"
                ' or a range of comparators >=, >, <=, <, = such as ">=1.2.0 <2.0.0"'
            )
    return value


def version_allowed(version: str, spec: str) -> bool:
    """Whether `version` meets every comparator of `spec` (pre-releases only when named)."""
    if semver(version) is None:
        return False
    got = _order(version)
    for op, wanted in _comparators(spec):
        want = _order(wanted)
        if got[3] == 0 and got[:3] != want[:3]:
            return False  # as Helm: a pre-release satisfies a range only on its own version
        ok = {
            "=": got == want,
            ">=": got >= want,
            ">": got > want,
            "<=": got <= want,
            "<": got < want,
        }[op]
        if not ok:
            return False
    return True


VersionSpec = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_version_spec)]


def _checked(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


class AllowedChart(Strict):
    """One chart the platform lets tenants deploy, and which of its versions."""

    repoURL: Annotated[
        str,
        Field(max_length=500),
        _checked(
            _REPO_URL,
            "a chart repository URL: https://<host>/<path> or oci://<host>/<path>"
            " (http:// only to 127.0.0.1 or localhost)",
        ),
    ] = Field(description="The Helm repository (https://) or OCI registry (oci://) of the chart.")
    chart: Annotated[
        str, Field(max_length=100), _checked(_CHART_NAME, "a chart name such as redis")
    ] = Field(description="The chart's name in that repository.")
    versions: list[VersionSpec] = Field(
        min_length=1,
        max_length=50,
        description='Versions tenants may run: exact ones ("18.6.1") or ranges of comparators'
        ' (">=18.0.0 <19.0.0"); a version is allowed when it meets any entry.',
    )
    description: str = Field(min_length=1, max_length=300, description="One line for people.")
    valuesSchema: (
        Annotated[
            str, Field(max_length=255), _checked(_REPO_PATH, "a file path in this repository")
        ]
        | None
    ) = Field(
        default=None,
        description="The chart's values.schema.json, copied into this repository (such as"
        " `charts/redis/values.schema.json`): `berth validate` checks tenants' values against it"
        " offline; `berth verify` checks them against the chart's own when it renders it.",
    )
    deniedValues: list[
        Annotated[str, Field(max_length=200), _checked(_VALUE_PATH, "a dotted value path")]
    ] = Field(
        default_factory=list,
        max_length=100,
        description="Value paths a tenant may not set for this chart, dotted, `*` for any one key"
        " (`rbac.create`, `*.serviceAccount.create`); on top of the keys refused for every chart"
        " (" + ", ".join(DENIED_KEYS) + ").",
    )

    def allows(self, version: str) -> bool:
        return any(version_allowed(version, spec) for spec in self.versions)


class ChartSecret(Strict):
    """One key of the secret store, as one key of the Secret `<app>-secrets`."""

    name: Annotated[
        str,
        Field(max_length=253),
        _checked(_SECRET_KEY, "a Secret key: ASCII letters, digits, '-', '_' and '.'"),
    ] = Field(description="The key in the Secret, as the chart expects it (`redis-password`).")
    key: str = Field(
        min_length=1,
        max_length=512,
        description="Key under the tenant's own path in the secret store (as other apps' secrets).",
        examples=["cache/redis-password"],
    )


class ChartRef(Strict):
    name: DnsLabel = Field(description="The chart's name in platform.yaml `spec.charts`.")


class Expose(Strict):
    """A route (an Ingress with TLS) in front of one of the chart's Services."""

    service: DnsLabel = Field(description="A Service the chart renders, by its name.")
    port: int = Field(ge=1, le=65535, description="The Service's port to route to.")


class ChartEnvironment(Strict):
    """How the chart runs in one environment."""

    version: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description='The chart version, one platform.yaml allows for the chart (quote it: "18.6.1").'
    )
    host: (
        Annotated[str, Field(max_length=253), _checked(HOST, "a lowercase DNS host name")] | None
    ) = Field(
        default=None,
        description="Public host of `expose` in this environment, in the tenant's own space (as"
        " a web-service's `host`).",
    )


class ChartAppSpec(Strict):
    blueprint: Literal["chart"] = Field(description="Always `chart` for a third-party chart.")
    chart: ChartRef
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="The chart's values: checked against the chart's values.schema.json and the"
        " platform's denied value paths.",
    )
    secrets: list[ChartSecret] = Field(
        default_factory=list,
        max_length=100,
        description="Keys of the secret store, gathered in one Secret `<app>-secrets` (each under"
        " its `name`) for the chart's values to name.",
    )
    expose: Expose | None = Field(
        default=None,
        description="Route each environment's `host` to one of the chart's Services.",
    )
    database: Database | None = Field(
        default=None,
        description="Optional managed PostgreSQL (CloudNativePG Cluster `<app>-db`), as other"
        " apps'; the chart's values name its Secret `<app>-db-app` (keys host, port, dbname,"
        " user, password, uri).",
    )
    environments: dict[DnsLabel, ChartEnvironment] = Field(
        min_length=1, description="The environments the chart runs in: a subset of its tenant's."
    )


class ChartApplication(Strict):
    """A tenant's application from a third-party chart of the platform's allow-list."""

    model_config = Strict.model_config | {
        "title": "Berth chart Application",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/chart-application.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"]
    kind: Literal["Application"]
    metadata: AppMetadata
    spec: ChartAppSpec


Charts = Annotated[
    dict[DnsLabel, AllowedChart],
    Field(default_factory=dict, description="Third-party Helm charts tenants may deploy, by name."),
]


def is_chart_app(doc: Document) -> bool:
    """Whether a request under `apps/` asks for a third-party chart (`spec.blueprint: chart`);
    a cached one arrives as its model's JSON."""
    data: Any = json.loads(doc.model_json) if doc.model_json is not None else doc.data
    spec = data.get("spec") if isinstance(data, dict) else None
    return isinstance(spec, dict) and spec.get("blueprint") == CHART_BLUEPRINT

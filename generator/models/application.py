"""`tenants/<tenant>/apps/<app>.yaml` (kind: Application): one workload of a tenant.

The model checks what one field alone can say (names, quantities, tags, hosts as DNS names);
`validate/app_rules.py` checks what needs the platform, the tenant or the other applications
(registries, domains, quotas, uniqueness, the blueprint's required and forbidden fields).
Every constraint the chart's `values.schema.json` puts on a value is met here or there, so a
valid request never renders values the chart refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from generator.models.api import Api, ConsumedApp
from generator.models.common import (
    API_VERSION,
    ByteQuantity,
    CpuQuantity,
    DnsLabel,
    Strict,
)
from generator.models.examples import example
from generator.models.operations import Slo, Vpa
from generator.models.quantity import parse_quantity

# Helm refuses release names over 53 characters, and the release is named after the app.
MAX_APP_NAME = 53
_APP_NAME = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
_REPOSITORY = re.compile(
    r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?(?::[0-9]{1,5})?(?:/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)*"
)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_CPU = re.compile(r"[1-9][0-9]{0,6}m|[0-9]{1,5}(?:\.[0-9]{1,3})?")
_MEMORY = re.compile(
    r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE]\+?[0-9]+)?"
)
_HEALTH_PATH = re.compile(r"/\S*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HOST = re.compile(r"(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")

BLUEPRINT_EXAMPLES = ["web-service", "worker", "cronjob"]


@dataclass(frozen=True)
class DatabaseSize:
    """What one `database.size` gives: PostgreSQL instances, and requests of each instance."""

    instances: int
    cpu: str
    memory: str
    storage: str


# Database sizes are the platform code's, not platform.yaml's: they are sized to fit the
# tenant sizes of the example platform (a small database fits a small tenant).
DATABASE_SIZES: dict[str, DatabaseSize] = {
    "small": DatabaseSize(instances=1, cpu="250m", memory="512Mi", storage="10Gi"),
    "medium": DatabaseSize(instances=2, cpu="500m", memory="1Gi", storage="20Gi"),
    "large": DatabaseSize(instances=3, cpu="1", memory="4Gi", storage="50Gi"),
}


def _check(pattern: re.Pattern[str], message: str) -> Any:
    """`message` may quote the platform's example host as `{host}` (models/examples.py)."""

    def check(value: str, info: ValidationInfo) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(message.format(value=value, host=example(info, "host")))
        return value

    return AfterValidator(check)


def _app_name(value: str) -> str:
    if len(value) > MAX_APP_NAME:
        raise ValueError(
            f"{value!r} is {len(value)} characters; at most {MAX_APP_NAME} (Helm's limit for release names)"
        )
    if not _APP_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1035 label: use lowercase ASCII letters, digits and '-',"
            " starting with a letter and ending with a letter or digit"
        )
    return value


AppName = Annotated[
    str,
    AfterValidator(_app_name),
    Field(
        description="Application name: a DNS-1035 label ([a-z]([-a-z0-9]*[a-z0-9])?), at most 53"
        " characters (45 with a database, 52 for a cronjob); names the Deployment or CronJob,"
        " its Service and Helm release."
    ),
]


def _image(value: str, info: ValidationInfo) -> str:
    last = value.rsplit("/", 1)[-1]
    if "@" in value:
        raise ValueError(
            f"{value!r} carries a digest; write the repository only and put the digest in"
            " spec.environments.<env>.digest"
        )
    if ":" in last:
        raise ValueError(
            f"{value!r} carries a tag; write the repository only and put the tag in"
            " spec.environments.<env>.tag"
        )
    if len(value) > 255 or not _REPOSITORY.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an image repository: lowercase registry host and path, such as"
            f" {example(info, 'image')}, at most 255 characters"
        )
    return value


def _tag(value: str) -> str:
    if not value:
        raise ValueError('must not be empty; give the image tag (such as "1.4.0") or a digest')
    if value.lower() == "latest":
        raise ValueError(
            "'latest' is not a version: pin a tag such as \"1.4.0\", or a digest, so every"
            " environment runs what was reviewed"
        )
    if value.startswith("sha256:"):
        raise ValueError("a digest goes in the `digest` field, not in `tag`")
    if not _TAG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an image tag: ASCII letters, digits, '_', '.' and '-', not starting"
            " with '.' or '-', at most 128 characters"
        )
    return value


def _positive(kind: str) -> Any:
    def check(value: str) -> str:
        if parse_quantity(value) == 0:
            raise ValueError(f"{value!r} requests no {kind}; give more than zero")
        return value

    return AfterValidator(check)


AppCpu = Annotated[
    CpuQuantity,
    _check(
        _CPU,
        '{value!r}: give CPU as millicores ("250m") or as cores with at most three decimals'
        ' ("0.5", "2")',
    ),
    _positive("CPU"),
]
AppMemory = Annotated[
    ByteQuantity,
    _check(
        _MEMORY,
        '{value!r}: give memory in bytes with a binary or decimal suffix ("256Mi", "1Gi", "500M");'
        " no milli-bytes",
    ),
    _positive("memory"),
]
EnvName = Annotated[
    str,
    Field(max_length=253),
    _check(
        ENV_NAME,
        "{value!r} is not an environment variable name: ASCII letters, digits and '_', not"
        " starting with a digit",
    ),
]


class Resources(Strict):
    """Requests of one replica; the memory limit equals the request, the CPU limit is twice it."""

    cpu: AppCpu = Field(description='CPU request per replica: "250m", "0.5", "2".')
    memory: AppMemory = Field(description='Memory request and limit per replica: "256Mi".')


class SecretRef(Strict):
    """An environment variable read from the platform's secret store."""

    name: EnvName = Field(description="Environment variable the secret is exposed as.")
    key: str = Field(
        min_length=1,
        max_length=512,
        description="Key under the tenant's own path in the secret store: `api/db-password` is"
        " read from `/<tenant>/api/db-password`. No leading '/', no '..'.",
        examples=["api/db-password"],
    )


class Database(Strict):
    """A managed PostgreSQL (CloudNativePG); the app gets its URL as DATABASE_URL."""

    engine: Literal["postgres"] = Field(description="Database engine; only `postgres` for now.")
    size: Literal["small", "medium", "large"] = Field(
        description="Database size: "
        + "; ".join(
            f"{name}: {s.instances} instance{'s' if s.instances > 1 else ''} of {s.cpu} CPU,"
            f" {s.memory} memory, {s.storage} storage"
            for name, s in DATABASE_SIZES.items()
        )
        + ". Counts against the tenant's quota."
    )


class Autoscale(Strict):
    """CPU-based horizontal autoscaling; the quota check counts `max` replicas."""

    min: int = Field(ge=1, le=100, description="Fewest replicas.")
    max: int = Field(ge=1, le=100, description="Most replicas; counted against the quota.")
    cpuPercent: int = Field(
        ge=1, le=100, description="Target average CPU use, in percent of the request."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be at least min ({self.min})")
        return self


class AppEnvironment(Strict):
    """How the application runs in one environment."""

    tag: Annotated[str, AfterValidator(_tag)] | None = Field(
        default=None,
        description='Image tag to run, such as "1.4.0" (quote it). Not `latest`. A tag or a'
        " digest is required.",
    )
    digest: (
        Annotated[str, _check(_DIGEST, "{value!r} is not an image digest: sha256:<64 hex digits>")]
        | None
    ) = Field(
        default=None,
        description="Image digest (sha256:<64 hex digits>); when given, the image is pulled by"
        " digest and the tag only labels the version.",
    )
    replicas: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Replicas when not autoscaled (default 1). Not for a cronjob.",
    )
    host: (
        Annotated[
            str,
            Field(max_length=253),
            _check(HOST, "{value!r} is not a lowercase DNS host name such as {host}"),
        ]
        | None
    ) = Field(
        default=None,
        description="Public host of a web-service (an Ingress with TLS), in the tenant's own"
        " space: `<tenant>.<domain>` or `<name>.<tenant>.<domain>` of the environment's domain,"
        " or a host the platform grants the tenant; never one it reserves. Without it the"
        " service is reachable inside the cluster only.",
    )
    autoscale: Autoscale | None = Field(
        default=None, description="Autoscale between min and max replicas on CPU use."
    )
    vpa: Vpa | None = Field(
        default=None,
        description="Opt into a VerticalPodAutoscaler that sets requests (mode Initial or"
        " InPlaceOrRecreate). Without it the VPA, where the platform enables one, only gives"
        " advice.",
    )


class AppMetadata(Strict):
    name: AppName


class ApplicationSpec(Strict):
    blueprint: DnsLabel = Field(
        description="The blueprint under blueprints/ that renders the application.",
        examples=BLUEPRINT_EXAMPLES,
    )
    image: Annotated[str, AfterValidator(_image)] = Field(
        description="Image repository without tag or digest, under one of the platform's"
        " registries (platform.yaml spec.registries).",
        examples=["registry.example.com/team/payments-api"],
    )
    port: int | None = Field(
        default=None,
        ge=1024,
        le=65535,
        description="Container port of a web-service's HTTP server, 1024 or more (containers run"
        " as non-root without capabilities). Not for a worker or cronjob.",
    )
    resources: Resources
    healthPath: (
        Annotated[
            str,
            Field(max_length=1024),
            _check(_HEALTH_PATH, "{value!r} is not an HTTP path: start with '/', no spaces"),
        ]
        | None
    ) = Field(
        default=None,
        description="HTTP path of a web-service's startup, liveness and readiness probes"
        " (default /healthz); starts with '/', no spaces.",
    )
    env: dict[EnvName, Annotated[str, Field(max_length=4096)]] = Field(
        default_factory=dict,
        max_length=200,
        description="Plain environment variables. Never credentials: those go in `secrets`.",
    )
    secrets: list[SecretRef] = Field(
        default_factory=list,
        max_length=100,
        description="Environment variables read from the secret store, never written in Git.",
    )
    database: Database | None = Field(
        default=None, description="Optional managed PostgreSQL; the app gets DATABASE_URL."
    )
    schedule: Annotated[str, Field(max_length=100)] | None = Field(
        default=None,
        description='Cron schedule of a cronjob, 5 fields, in UTC: "30 1 * * *".',
        examples=["30 1 * * *"],
    )
    egress: list[DnsLabel] = Field(
        default_factory=list,
        max_length=50,
        description="Destinations outside the cluster the application's pods may reach, by the"
        " names platform.yaml offers in `spec.egress`.",
    )
    slo: Slo | None = Field(
        default=None,
        description="Service level objectives of a web-service, alerted on in every environment"
        " where it has a `host` (they are measured at the ingress controller).",
    )
    system: DnsLabel | None = Field(
        default=None,
        description="The tenant's System the application is part of"
        " (tenants/<tenant>/systems/<system>.yaml); without it, the tenant's own System.",
    )
    api: Api | None = Field(
        default=None,
        description="The API the application provides, listed in the catalog as an API entity.",
    )
    consumes: list[ConsumedApp] = Field(
        default_factory=list,
        max_length=50,
        description="Applications whose APIs this one calls (`<app>` or `<tenant>/<app>`); each"
        " must exist and declare `api`.",
    )
    environments: dict[DnsLabel, AppEnvironment] = Field(
        min_length=1,
        description="The environments the application runs in: a subset of its tenant's.",
    )


class Application(Strict):
    """A tenant's application: a blueprint, an image and how it runs in each environment."""

    model_config = Strict.model_config | {
        "title": "Berth Application",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/application.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"] = Field(description=f"Always `{API_VERSION}`.")
    kind: Literal["Application"]
    metadata: AppMetadata = Field(description="`name` must equal the file name without .yaml.")
    spec: ApplicationSpec

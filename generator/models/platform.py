"""`platform.yaml` (kind: Platform): what the platform team offers and enforces."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from generator.models.charts import Charts
from generator.models.common import (
    API_VERSION,
    ByteQuantity,
    CpuQuantity,
    DnsLabel,
    GitUser,
    Metadata,
    Strict,
)
from generator.models.gateway import Gateway
from generator.models.ingress import Ingress
from generator.models.install import BerthInstall
from generator.models.network import EgressDestination, Network
from generator.models.observability import Alerts, Dashboards
from generator.models.scenario import LIMITS_DESCRIPTION, ScenarioLimits
from generator.models.secrets import Secrets

RepoFolder = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._/-]+$")]
Url = Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^(https://|ssh://|git@)\S+$")]
# A host name, or a pattern where `*` stands for any run of characters, dots included.
HostPattern = Annotated[
    str,
    Field(
        min_length=3,
        max_length=253,
        pattern=r"^[a-z0-9*][-a-z0-9*]*(\.[a-z0-9*][-a-z0-9*]*)+$",
        examples=["argocd.example.com", "*.internal.example.com"],
    ),
]


class Resources(Strict):
    """A full set of tenant resources: a size or a ceiling."""

    cpu: CpuQuantity
    memory: ByteQuantity
    storage: ByteQuantity


class Backup(Strict):
    schedule: str = Field(
        description="Cron expression (5 fields) for the Velero Schedule of each tenant namespace.",
        examples=["0 3 * * *"],
        pattern=r"^\S+( \S+){4}$",
    )
    ttl: str = Field(
        description="How long Velero keeps each backup, as a Go duration.",
        examples=["72h", "720h0m0s"],
        pattern=r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$",
        min_length=2,
    )


# Argo CD's retry durations: a number with a unit, or several ("1m30s"); seconds at least.
ArgoDuration = Annotated[
    str,
    Field(pattern=r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$", min_length=2, examples=["15s", "5m"]),
]


class RetryBackoff(Strict):
    duration: ArgoDuration = Field(default="15s", description="Wait before the first retry.")
    factor: int = Field(
        default=2, ge=1, le=10, description="Each wait is the previous one times this."
    )
    maxDuration: ArgoDuration = Field(default="5m", description="The longest wait between tries.")


class SyncRetry(Strict):
    """How often Argo CD retries a failed automated sync, and how long it waits in between."""

    limit: int = Field(
        default=8,
        ge=1,
        le=100,
        description="Retries after a failed sync. The default (8, waiting 15s, 30s, 1m, 2m, 4m,"
        " then 5m) keeps trying for about 23 minutes: long enough for a namespace created in an"
        " earlier wave, or a webhook (cert-manager, external-secrets, CloudNativePG) that is"
        " not ready yet after a cluster restart.",
    )
    backoff: RetryBackoff = Field(default_factory=RetryBackoff)


# The service accounts of the operators the chart relies on, as their own manifests name them.
DEFAULT_ADMISSION_EXEMPT = (
    "system:serviceaccount:cert-manager:cert-manager",
    "system:serviceaccount:cnpg-system:cnpg-manager",
)


class EnvironmentVpa(Strict):
    """A VerticalPodAutoscaler per application, giving right-sizing advice (updateMode Off)."""

    modes: list[Literal["Initial", "InPlaceOrRecreate"]] = Field(
        default_factory=list,
        description="Modes an application may opt into here (spec.environments.<env>.vpa.mode),"
        " where the VPA sets requests instead of only advising. Default: none.",
    )


class Environment(Strict):
    name: DnsLabel = Field(
        description="Environment name: the suffix of every tenant namespace in it."
    )
    server: Url = Field(description="Argo CD destination cluster API URL.")
    domain: str = Field(
        description="DNS domain that application hosts in this environment must end in.",
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$",
        max_length=253,
    )
    sync: Literal["auto", "manual"] = Field(
        description="`auto`: Argo CD syncs with prune and self-heal. `manual`: a person syncs."
    )
    podSecurity: Literal["privileged", "baseline", "restricted"] = Field(
        description="Pod Security Standards level enforced, audited and warned on tenant namespaces."
    )
    ceiling: Resources = Field(
        description="The largest quota one tenant may have here, after overrides."
    )
    backup: Backup
    access: Literal["edit", "view"] | None = Field(
        default=None,
        description=(
            "ClusterRole bound to each tenant's group in its namespace. Default: `edit` in the first"
            " environment (where teams experiment), `view` in the others (changes arrive through Git)."
        ),
    )
    vpa: EnvironmentVpa | None = Field(
        default=None,
        description="Give every application here a VerticalPodAutoscaler (advice only unless"
        " the app opts into a mode listed here). Default: none.",
    )
    # --- Admission policies (docs/admission.md): generator/render/admission.py. ---
    admission: Literal["Deny", "Warn", "Audit"] = Field(
        default="Deny",
        description="What the cluster does with an object in a tenant namespace that breaks the"
        " platform's rules (ValidatingAdmissionPolicy validationActions): `Deny` refuses it,"
        " `Warn` admits it with a warning to the client, `Audit` admits it and records it in the"
        " audit log. Default `Deny`: everything Berth renders already passes the same rules"
        " before merge, so only changes that bypass Git are refused.",
    )
    requireDigest: bool = Field(
        default=False,
        description="Every image here must be pinned by digest (`@sha256:...`), before merge"
        " (each application's `digest` here) and at admission. Default: a tag is enough.",
    )
    secretStore: DnsLabel | None = Field(
        default=None,
        description="ClusterSecretStore the ExternalSecrets of this environment read from,"
        " instead of the platform's `secretStore` (a store per environment or per cluster).",
    )

    autoMerge: Literal["bumps"] | None = Field(
        default=None,
        description="`bumps`: `berth bump` pull requests into this environment merge by"
        " themselves once their checks and reviews pass (GitHub auto-merge, GitLab merge when"
        " the pipeline succeeds). Only with `sync: auto`; never for promotions.",
    )

    @model_validator(mode="after")
    def _auto_merge_needs_auto_sync(self) -> Environment:
        if self.autoMerge is not None and self.sync != "auto":
            raise ValueError(
                "autoMerge is only for environments with sync: auto; what reaches a sync:"
                " manual environment is merged by a person"
            )
        return self


class Pricing(Strict):
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code.")
    cpuMonth: float = Field(
        ge=0, le=1e6, description="Price of one CPU core requested for a month."
    )
    memoryGiBMonth: float = Field(
        ge=0, le=1e6, description="Price of one GiB of memory for a month."
    )
    storageGiBMonth: float = Field(
        ge=0, le=1e6, description="Price of one GiB of storage for a month."
    )


class PlatformSpec(Strict):
    repoURL: Url = Field(description="The URL Argo CD pulls this repository from.")
    targetRevision: str = Field(
        min_length=1, max_length=255, description="Branch, tag or commit Argo CD tracks."
    )
    environments: list[Environment] = Field(
        min_length=1, description="Ordered environments; promotion goes from first to last."
    )
    sizes: dict[DnsLabel, Resources] = Field(
        min_length=1, description="T-shirt sizes a tenant can ask for."
    )
    ingress: Ingress
    gateway: Gateway | None = Field(
        default=None,
        description="Route applications through this Gateway (Gateway API): every application"
        " with a host gets an HTTPRoute attached to it instead of an Ingress, TLS ends at the"
        " Gateway. With both, the Gateway wins for routes; `ingress` still names the controller"
        " whose metrics the SLOs read (docs/decisions.md#gateway-api-routes). Default: Ingress.",
    )
    secretStore: DnsLabel = Field(
        description="ClusterSecretStore that ExternalSecrets read from (an environment may name"
        " its own)."
    )
    secrets: Secrets = Field(
        default_factory=Secrets, description="Where each tenant's keys live in the secret store."
    )
    monitoringNamespace: DnsLabel = Field(
        description="Namespace of Prometheus, allowed in by network policy."
    )
    charts: Charts
    registries: list[
        Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9.-]+(:[0-9]+)?/(\S+/)?$")]
    ] = Field(min_length=1, description="Image prefixes applications may use; each ends with '/'.")
    pricing: Pricing
    argocdNamespace: DnsLabel = Field(default="argocd", description="Namespace Argo CD runs in.")
    backupNamespace: DnsLabel = Field(
        default="velero", description="Namespace Velero runs in (holds Schedules)."
    )
    maintainers: list[GitUser] = Field(
        default_factory=list,
        max_length=100,
        description=(
            "Git hosting usernames of the platform team: besides a tenant's owners, the only"
            " people whose request issues `berth intake` turns into a pull request for an"
            " existing tenant."
        ),
    )
    reservedNamespaces: list[DnsLabel] = Field(
        default_factory=list,
        description="More namespaces of the platform's own that no tenant namespace may take.",
    )
    syncRetry: SyncRetry = Field(
        default_factory=SyncRetry,
        description="`syncPolicy.retry` of every Application in `sync: auto` environments: a"
        " failed automated sync of the same commit is not tried again without it.",
    )
    reservedHosts: list[HostPattern] = Field(
        default_factory=list,
        max_length=1000,
        description="Hosts of the platform's own services that no application may use, not even"
        " inside its tenant's host space: exact names or patterns where `*` stands for any run of"
        " characters, dots included (`*.internal.example.com`).",
    )
    hostGrants: dict[DnsLabel, list[HostPattern]] = Field(
        default_factory=dict,
        description="Hosts outside a tenant's own space that the platform gives to that tenant,"
        " by tenant name: exact names or `*` patterns, each in one environment's domain. A granted"
        " host belongs to that tenant only. A tenant's own space is `<tenant>.<domain>` and"
        " `<name>.<tenant>.<domain>` in every environment.",
    )
    kubernetesVersion: str = Field(
        default="1.34",
        pattern=r"^1\.[0-9]{1,3}$",
        description=(
            "Kubernetes minor version `berth verify` validates built-in kinds against (the strict"
            " schemas of kubernetes-validate) and passes to `helm template --kube-version`."
            " Default `1.34`: set it to the oldest version your clusters run, so that a field only"
            " newer clusters know fails here."
        ),
        examples=["1.34"],
    )
    crdDirs: list[RepoFolder] = Field(
        default_factory=list,
        description=(
            "Folders of this repository (relative to its root) with the platform's own"
            " CustomResourceDefinitions, searched before the CRDs Berth ships; `berth verify`"
            " validates custom resources of these kinds against them."
        ),
        examples=[["platform/crds"]],
    )

    @field_validator("kubernetesVersion")
    @classmethod
    def _shipped_version(cls, value: str) -> str:
        # Deferred: kubernetes-validate is slow to import (bench/results.md); only this needs it.
        from kubernetes_validate.utils import all_versions  # type: ignore[import-untyped]

        minors = {tuple(int(n) for n in v.split(".")[:2]) for v in all_versions()}
        shipped = [f"{major}.{minor}" for major, minor in sorted(minors)]
        if value not in shipped:
            raise ValueError(
                f"kubernetes-validate has no schemas for Kubernetes {value};"
                f" it ships {shipped[0]} to {shipped[-1]}"
            )
        return value

    @field_validator("crdDirs")
    @classmethod
    def _repo_folders(cls, value: list[str]) -> list[str]:
        for folder in value:
            parts = folder.split("/")
            if folder.startswith("/") or "\\" in folder or ".." in parts or "" in parts[:-1]:
                raise ValueError(
                    f"{folder!r} must be a folder inside the repository, relative to its root"
                    " (no leading '/', no '..')"
                )
        return value

    admissionExempt: list[
        Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[a-z0-9:._@-]+$")]
    ] = Field(
        default_factory=lambda: list(DEFAULT_ADMISSION_EXEMPT),
        max_length=50,
        description="Users whose requests the admission policies do not check: the platform's"
        " operators that create objects in tenant namespaces from images the platform chose."
        " Default: cert-manager (its HTTP-01 solver pods, NodePort Services and Ingresses) and"
        " CloudNativePG (its database pods run ghcr.io/cloudnative-pg images), as their"
        " manifests install them. `[]` checks everyone.",
        examples=[["system:serviceaccount:cnpg-system:cnpg-manager"]],
    )
    alerts: Alerts | None = Field(
        default=None,
        description="Alerting: every application gets a PrometheusRule (basic alerts, and its"
        " SLO alerts) and every tenant namespace one for its quota. Default: no alert rules.",
    )
    dashboards: Dashboards = Field(
        default_factory=Dashboards,
        description="One Grafana dashboard per tenant and environment.",
    )
    network: Network = Field(
        default_factory=Network, description="The cluster's parts tenants' pods depend on."
    )
    egress: dict[DnsLabel, EgressDestination] = Field(
        default_factory=dict,
        max_length=200,
        description="Destinations outside the cluster, by name, that an application may ask for"
        " (its `spec.egress`). Nothing else outside the cluster is reachable.",
    )
    scenarios: ScenarioLimits | None = Field(default=None, description=LIMITS_DESCRIPTION)

    @field_validator("environments")
    @classmethod
    def _unique_names(cls, value: list[Environment]) -> list[Environment]:
        seen: set[str] = set()
        for env in value:
            if env.name in seen:
                raise ValueError(f"environment {env.name!r} is listed twice")
            seen.add(env.name)
        return value

    def environment(self, name: str) -> Environment | None:
        return next((env for env in self.environments if env.name == name), None)

    def router_namespace(self) -> str:
        """Where the pods that bring outside traffic to applications run."""
        return self.gateway.namespace if self.gateway is not None else self.ingress.namespace

    def secret_store(self, environment: Environment) -> str:
        return environment.secretStore or self.secretStore


class Platform(Strict):
    """The platform team's settings: environments, sizes, and what every tenant gets."""

    model_config = Strict.model_config | {
        "title": "Berth Platform",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/platform.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"] = Field(description=f"Always `{API_VERSION}`.")
    kind: Literal["Platform"]
    metadata: Metadata
    spec: PlatformSpec
    berth: BerthInstall | None = None

"""The platform.yaml `berth init` writes, and the one line `berth upgrade` edits in it."""

from __future__ import annotations

from dataclasses import dataclass

from generator.repo import layout

IN_CLUSTER = "https://kubernetes.default.svc"


@dataclass(frozen=True)
class Answers:
    """What `berth init` asks for (flags or prompts)."""

    name: str
    domain: str
    registries: tuple[str, ...]
    maintainers: tuple[str, ...]
    host: str  # github | gitlab
    repo_url: str


def default_repo_url(name: str, host: str) -> str:
    return f"https://{host}.com/{name}/platform.git"


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]"


def platform_yaml(answers: Answers, version: str) -> str:
    """dev, staging and prod on the cluster Argo CD runs in; prod is synced by a person."""
    d = answers.domain
    environments = "".join(
        f"""    - name: {name}
      server: {IN_CLUSTER}   # Argo CD destination cluster
      domain: {domain}        # app hosts must end in this
      sync: {sync}                                  # auto | manual
      podSecurity: {pss}
      ceiling: {{cpu: "16", memory: 32Gi, storage: 200Gi}}   # max quota per tenant
      backup: {{schedule: "0 3 * * *", ttl: {ttl}}}
"""
        for name, domain, sync, pss, ttl in (
            ("dev", f"dev.{d}", "auto", "baseline", "72h"),
            ("staging", f"staging.{d}", "auto", "restricted", "168h"),
            ("prod", d, "manual", "restricted", "720h"),
        )
    )
    return f"""# yaml-language-server: $schema={layout.SCHEMAS_DIR}/platform.schema.json
# The platform's settings: docs of every field in schemas/platform.schema.json.
apiVersion: berth.dev/v1alpha1
kind: Platform
metadata:
  name: {answers.name}
spec:
  repoURL: {answers.repo_url}   # what Argo CD pulls this repository from
  targetRevision: main
  environments:                    # ordered: promotion goes dev -> staging -> prod
{environments}  sizes:                           # t-shirt sizes a tenant can ask for
    small:  {{cpu: "2",  memory: 4Gi,  storage: 20Gi}}
    medium: {{cpu: "4",  memory: 8Gi,  storage: 50Gi}}
    large:  {{cpu: "16", memory: 32Gi, storage: 200Gi}}
  ingress: {{className: nginx, namespace: ingress-nginx, clusterIssuer: letsencrypt}}
  secretStore: platform-secrets    # ClusterSecretStore name for ExternalSecrets
  monitoringNamespace: monitoring
  # Until the API server's addresses are named, validate warns that database pods may reach
  # ports 443 and 6443 anywhere outside the cluster (`kubectl get endpoints kubernetes`):
  # network:
  #   apiServer: {{cidrs: [10.0.0.0/28], ports: [443, 6443]}}
  registries: {_flow(answers.registries)}  # image prefixes allowed
  pricing: {{currency: USD, cpuMonth: 24.0, memoryGiBMonth: 3.2, storageGiBMonth: 0.10}}
  # The platform team (Git hosting usernames): the CODEOWNERS catch-all, intake reviewers.
  maintainers: {_flow(answers.maintainers)}
# The Berth release CI installs (docs/upgrading.md); `berth upgrade` moves it.
berth:
  version: {version}
"""

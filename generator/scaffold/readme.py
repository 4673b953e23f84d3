"""The README.md `berth init` gives a new platform repository: for its own users (the
platform team and the tenants), not about Berth's internals."""

from __future__ import annotations

from generator.scaffold.platform_file import Answers

_REQUEST_LINK = {
    "github": "a *tenant request* or *app request* issue (Issues > New issue)",
    "gitlab": "an issue from the *tenant-request* or *app-request* template",
}
_CI = {
    "github": "`.github/workflows/berth-*.yml`",
    "gitlab": "`.gitlab-ci.yml` and `.gitlab/`",
}


def readme(answers: Answers, version: str) -> str:
    pr = "pull request" if answers.host == "github" else "merge request"
    return f"""# {answers.name} platform

Teams get namespaces, applications and databases on the {answers.name} Kubernetes platform by
changing files in this repository. [Berth](https://pypi.org/project/berth/) {version} turns the
requests under `tenants/` into the Argo CD tree under `environments/`; every {pr} shows the
plan (what changes, in which environment, at what cost) before anything reaches a cluster.

## Ask for something

- Open {_REQUEST_LINK[answers.host]}: a {pr} is made from it. Or
- add or edit `tenants/<tenant>/tenant.yaml` and `tenants/<tenant>/apps/<app>.yaml` yourself
  (the schemas in `schemas/` give your editor completion) and open a {pr}.

Environments: dev (`dev.{answers.domain}`), staging (`staging.{answers.domain}`) and prod
(`{answers.domain}`, synced by the platform team). Images come from
{", ".join(f"`{r}`" for r in answers.registries)}.

## Work on it locally

```sh
python3 -m venv .venv && .venv/bin/pip install 'berth=={version}'
.venv/bin/berth validate        # check the requests
.venv/bin/berth render          # write environments/ (commit it with your change)
.venv/bin/berth plan --base main
```

## What is whose

- `tenants/<tenant>/`: the tenant's owners (CODEOWNERS).
- `platform.yaml`, `blueprints/`, `CODEOWNERS`: the platform team.
- {_CI[answers.host]}, `.ci/install-tools`, `schemas/`, `environments/`, `catalog/` and the
  request templates are written by Berth: do not edit them; `berth upgrade` rewrites them
  when the platform team moves to a newer Berth (`berth.lock` records which).
"""


GITIGNORE = """# Berth's private work folder (cache, staging, render journal): never committed.
.berth/
.venv/
.tools/
"""

TENANTS_README = """# Tenants

One folder per tenant: `tenants/<tenant>/tenant.yaml` and `tenants/<tenant>/apps/<app>.yaml`.
"""

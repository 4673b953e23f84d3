"""The one `argocd-cm` setting Berth needs is a file per environment that the platform applies
once (`environments/<env>/argocd-cm.patch.yaml`): applied with the real kubectl, as a merge patch
and as a kustomize patch, it adds the Application health check and keeps every other key; Argo
CD never syncs it; the docs show the same check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Platform
from generator.render.argocd_cm import APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA
from generator.render.tree import environment_files
from generator.repo import layout
from generator.verify.sources import read_directory
from tests.support.tools import REPO, kustomize_build, run, tool

BASE = REPO / "tests" / "cases" / "apps" / "_base"
# argocd-cm as an Argo CD install leaves it, plus a setting of the platform's own.
LIVE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: gitops
  labels: {app.kubernetes.io/name: argocd-cm, app.kubernetes.io/part-of: argocd}
data:
  url: https://argocd.globex.example
  resource.customizations.health.argoproj.io_Application: "stale"
"""


def platform() -> Platform:
    data = yaml.safe_load((BASE / layout.PLATFORM_FILE).read_text())
    data["spec"]["argocdNamespace"] = "gitops"
    return Platform.model_validate(data)


def rendered(root: Path, env: str = "dev") -> Path:
    """The environment's files as `berth render` writes them, under `root`; the patch's path."""
    p = platform()
    environment = p.spec.environment(env)
    assert environment is not None
    for path, text in environment_files(p, environment).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root / layout.argocd_cm_patch_file(env)


def data_of(text: str) -> dict[str, Any]:
    obj = yaml.safe_load(text)
    assert (obj["kind"], obj["metadata"]["name"]) == ("ConfigMap", "argocd-cm")
    assert obj["metadata"]["namespace"] == "gitops"
    return dict(obj["data"])


EXPECTED = {"url": "https://argocd.globex.example", APPLICATION_HEALTH_KEY: APPLICATION_HEALTH_LUA}


@pytest.mark.tools
def test_the_patch_applied_with_kubectl_adds_the_health_check_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    patch = rendered(tmp_path)
    (tmp_path / "live.yaml").write_text(LIVE)
    # The command the file's header gives, with --local: kubectl patches the file, not a cluster.
    header = [line for line in patch.read_text().splitlines() if "--patch-file" in line]
    assert header == [
        "#   kubectl -n gitops patch configmap argocd-cm --type merge --patch-file"
        " environments/dev/argocd-cm.patch.yaml"
    ]
    out = run(
        [
            tool("kubectl"), "patch", "--local", "--dry-run=client", "-f", "live.yaml",
            "--type", "merge", "--patch-file", layout.argocd_cm_patch_file("dev"), "-o", "yaml",
        ],
        cwd=tmp_path,
    ).stdout  # fmt: skip
    assert data_of(out) == EXPECTED
    assert yaml.safe_load(out)["metadata"]["labels"]["app.kubernetes.io/part-of"] == "argocd"


@pytest.mark.tools
def test_the_patch_works_as_a_kustomize_patch_of_an_argo_cd_install(tmp_path: Path) -> None:
    patch = rendered(tmp_path)
    (tmp_path / "argocd").mkdir()
    (tmp_path / "argocd/argocd-cm.yaml").write_text(LIVE)
    (tmp_path / "argocd/argocd-cm.patch.yaml").write_text(patch.read_text())
    (tmp_path / "argocd/kustomization.yaml").write_text(
        "resources: [argocd-cm.yaml]\npatches: [{path: argocd-cm.patch.yaml}]\n"
    )
    assert data_of(kustomize_build(tmp_path / "argocd")) == EXPECTED


def test_every_environment_gets_the_same_patch_and_argo_cd_never_syncs_it(tmp_path: Path) -> None:
    p = platform()
    objects = [
        yaml.safe_load(rendered(tmp_path, env.name).read_text()) for env in p.spec.environments
    ]
    assert len(objects) == 3 and all(obj == objects[0] for obj in objects)
    # What the root Application `berth-<env>` reads of the environment's folder.
    root = read_directory(
        str(tmp_path), layout.env_root("dev"), {"include": layout.ROOT_INCLUDE},
        layout.bootstrap_file("dev"),
    )  # fmt: skip
    assert {at.file for at in root} == {layout.bootstrap_file("dev"), layout.shards_file("dev")}
    assert not [at for at in root if at.obj.get("kind") == "ConfigMap"]


def test_the_docs_show_the_check_berth_writes() -> None:
    page = (REPO / "docs" / "generated-tree.md").read_text()
    block = re.search(rf"  {re.escape(APPLICATION_HEALTH_KEY)}: \|\n((?:      .*\n)+)", page)
    assert block is not None, "docs/generated-tree.md no longer shows the health check"
    shown = "".join(line[6:] + "\n" for line in block.group(1).splitlines())
    assert shown == APPLICATION_HEALTH_LUA

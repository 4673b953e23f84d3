"""The Backstage catalog `render` writes: valid for Backstage, complete, self-consistent, and
selecting exactly the labels of the rendered Kubernetes objects and Argo CD Applications."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.repo import layout
from tests.support.backstage import load_entities, validate
from tests.support.example import example
from tests.support.repo import berth as berth_in
from tests.support.repo import make_repo, write
from tests.support.tools import helm_template

EXAMPLE = example()

CATALOG = EXAMPLE / layout.CATALOG_DIR


def _entities(root: Path = EXAMPLE) -> list[dict[str, Any]]:
    return load_entities(*sorted((root / layout.CATALOG_DIR).rglob("*.yaml")))


def _ref(entity: dict[str, Any]) -> str:
    meta = entity["metadata"]
    return f"{entity['kind'].lower()}:{meta.get('namespace', 'default')}/{meta['name']}"


def _selector(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(","))


@pytest.mark.tools
def test_every_entity_validates_with_backstage() -> None:
    entities = _entities()
    assert {e["kind"] for e in entities} >= {"Group", "User", "System", "Component", "Location"}
    assert validate(entities) == {}


@pytest.mark.tools
def test_backstage_refuses_what_it_should() -> None:
    # The validator is real: a name with a space and a Component without an owner are refused.
    bad = [
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "a b"},
         "spec": {"type": "team", "children": []}},
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"},
         "spec": {"type": "service", "lifecycle": "production"}},
    ]  # fmt: skip
    assert set(validate(bad)) == {"Group:default/a b", "Component:default/x"}


def test_every_reference_resolves() -> None:
    entities = _entities()
    known = {_ref(e) for e in entities}
    refs: list[str] = []
    for e in entities:
        spec = e.get("spec", {})
        refs += [spec[k] for k in ("owner", "system", "parent") if k in spec]
        refs += [*spec.get("dependsOn", []), *spec.get("memberOf", []), *spec.get("children", [])]
        refs += spec.get("members", [])
    assert refs and set(refs) <= known, set(refs) - known


def test_every_tenant_and_app_has_its_entities() -> None:
    known = {_ref(e) for e in _entities()}
    for tenant_file in sorted((EXAMPLE / "tenants").glob("*/tenant.yaml")):
        tenant = yaml.safe_load(tenant_file.read_text())
        name = tenant["metadata"]["name"]
        assert {f"group:{name}/{name}", f"system:{name}/{name}"} <= known
        assert {f"user:{name}/{o}" for o in tenant["spec"]["owners"]} <= known
        for app_file in sorted(tenant_file.parent.glob("apps/*.yaml")):
            app = yaml.safe_load(app_file.read_text())
            assert f"component:{name}/{app['metadata']['name']}" in known
            if "database" in app["spec"]:
                assert f"resource:{name}/{app['metadata']['name']}-db" in known
    location = yaml.safe_load((EXAMPLE / layout.CATALOG_LOCATION_FILE).read_text())
    listed = {t.removeprefix("./") for t in location["spec"]["targets"]}
    on_disk = {p.relative_to(CATALOG).as_posix() for p in CATALOG.rglob("*.yaml")}
    assert listed == on_disk - {"catalog-info.yaml"}


def test_a_removed_tenants_entities_are_gone(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False, render=True)
    assert (root / layout.catalog_tenant_file("search")).is_file()
    (root / "catalog" / "README.txt").write_text("hand-written, not ours\n")
    shutil.rmtree(root / "tenants" / "search")
    code, out, _ = berth_in(root, "render", "--check")
    assert code == 1 and f"stale: {layout.catalog_tenant_file('search')}" in out
    assert berth_in(root, "render")[0] == 0
    assert not (root / layout.catalog_tenant_file("search")).exists()
    assert (root / "catalog" / "README.txt").exists()
    assert all(e["metadata"].get("namespace") != "search" for e in _entities(root) if "spec" in e)
    location = yaml.safe_load((root / layout.CATALOG_LOCATION_FILE).read_text())
    assert "./tenants/search.yaml" not in location["spec"]["targets"]
    assert berth_in(root, "render", "--check")[0] == 0


HOSTILE = [
    "${{ github.token }} and {{ parameters.name }}",
    "yes",
    "- [x] dev\n---\nkind: Secret",
    "<script>alert(1)</script> | && $(rm -rf /) `id`",
    "@here # not a comment: &anchor *alias !!python/object",
]


@pytest.mark.tools
def test_hostile_strings_stay_plain_strings(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {}, commit=False)
    for number, text in enumerate(HOSTILE):
        write(
            root,
            {
                f"tenants/t{number}/tenant.yaml": yaml.safe_dump(
                    {
                        "apiVersion": "berth.dev/v1alpha1",
                        "kind": "Tenant",
                        "metadata": {"name": f"t{number}"},
                        "spec": {
                            "description": text,
                            "owners": ["alice", "Alice"],
                            "group": "acme/team:x@y",
                            "costCenter": "CC-1",
                            "environments": {"dev": {"size": "small"}},
                        },
                    }
                )
            },
        )
    code, out, err = berth_in(root, "render")
    assert code == 0, out + err
    for number, text in enumerate(HOSTILE):
        docs = load_entities(root / layout.catalog_tenant_file(f"t{number}"))
        assert [d["kind"] for d in docs] == ["Group", "User", "System"]  # one alice
        for doc in docs:
            if doc["kind"] in ("Group", "System"):
                assert doc["metadata"]["description"] == text
    assert validate(_entities(root)) == {}


EXAMPLE_APPS = sorted(
    (p.parent.parent.name, p.stem) for p in (EXAMPLE / "tenants").glob("*/apps/*.yaml")
)
WORKLOADS = {"web-service": "Deployment", "worker": "Deployment", "cronjob": "CronJob"}


@pytest.mark.tools
@pytest.mark.parametrize(("tenant", "app"), EXAMPLE_APPS)
def test_kubernetes_annotations_select_the_rendered_objects(tenant: str, app: str) -> None:
    component = next(
        e
        for e in _entities()
        if e["kind"] == "Component"
        and (e["metadata"]["namespace"], e["metadata"]["name"]) == (tenant, app)
    )
    annotations = component["metadata"]["annotations"]
    selector = _selector(annotations["backstage.io/kubernetes-label-selector"])
    request = yaml.safe_load((EXAMPLE / layout.app_file(tenant, app)).read_text())
    env = next(iter(request["spec"]["environments"]))
    rendered = helm_template(
        EXAMPLE / "blueprints" / "chart",
        [EXAMPLE / layout.tenant_dir(env, tenant) / "apps" / f"{app}.values.yaml"],
        name=app,
        namespace=layout.tenant_namespace(tenant, env),
    )
    objects = [o for o in yaml.safe_load_all(rendered) if o]
    kind = WORKLOADS[request["spec"]["blueprint"]]
    (workload,) = [o for o in objects if o["kind"] == kind]
    spec = workload["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else workload["spec"]
    pod = spec["template"]
    assert selector.items() <= pod["metadata"]["labels"].items()
    for obj in objects:
        if obj["kind"] in ("Cluster", "ScheduledBackup"):
            continue  # the database's objects are the Resource's, not the Component's
        assert selector.items() <= obj["metadata"].get("labels", {}).items(), obj["kind"]
    # The selector picks this app's objects only, not another app's of the same tenant.
    others = [a for t, a in EXAMPLE_APPS if t == tenant and a != app]
    assert all(selector["app.kubernetes.io/name"] != other for other in others)
    if len(request["spec"]["environments"]) == 1:
        assert annotations["backstage.io/kubernetes-namespace"] == layout.tenant_namespace(
            tenant, env
        )
    else:
        assert "backstage.io/kubernetes-namespace" not in annotations


def test_argocd_annotation_selects_the_apps_applications() -> None:
    for component in (e for e in _entities() if e["kind"] == "Component"):
        tenant, app = component["metadata"]["namespace"], component["metadata"]["name"]
        selector = _selector(component["metadata"]["annotations"]["argocd/app-selector"])
        selected = []
        for env in ("dev", "staging", "prod"):
            path = EXAMPLE / layout.tenant_argocd_file(env, tenant)
            if not path.exists():
                continue
            for obj in yaml.safe_load_all(path.read_text()):
                if (
                    obj["kind"] == "Application"
                    and selector.items() <= obj["metadata"]["labels"].items()
                ):
                    selected.append(obj["metadata"]["name"])
        app_doc = yaml.safe_load((EXAMPLE / layout.app_file(tenant, app)).read_text())
        expected = [
            layout.app_application(tenant, app, env) for env in app_doc["spec"]["environments"]
        ]
        assert sorted(selected) == sorted(expected)

"""The pure parts of `berth verify`: Argo CD's globs and AppProject rules, plain-directory
sources as the repo server reads them, the lazy CRD index, and the markdown report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from generator.problems import Problem
from generator.problems.reporters import format_problems
from generator.verify import project as rules
from generator.verify.crd_schema import CrdIndex, vendored_crd_dir
from generator.verify.folders import Folders
from generator.verify.globs import filepath_match, glob
from generator.verify.kube_schema import Schemas
from generator.verify.sources import BuildError, read_directory, source_type


def test_gobwas_globs_as_argo_cd_calls_them() -> None:
    assert glob("{argocd.yaml,extra.yaml}", "extra.yaml")
    assert glob("{argocd,extra}.y{a,}ml", "extra.yml")
    assert not glob("{argocd.yaml,extra.yaml}", "other.yaml")
    assert glob("*", "sub/x.yaml")  # no separators for include/exclude: `*` crosses folders
    assert not glob("*", "a/b", "/") and glob("**", "a/b", "/")
    assert glob("[!a]x", "bx") and not glob("[!a]x", "ax")
    assert not glob("{a", "a")  # does not compile: matches nothing
    assert filepath_match("*", "Deployment") and filepath_match("", "")
    assert not filepath_match("", "apps") and filepath_match("[^a]pps", "opps")


def project(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": spec}


def test_source_repos_with_globs_and_negation() -> None:
    p = project(sourceRepos=["https://github.com/acme/*"])
    assert rules.source_permitted(p, "https://github.com/acme/platform.git")
    assert rules.source_permitted(p, "HTTPS://github.com/Acme/platform")
    assert not rules.source_permitted(p, "https://github.com/acme/a/b")  # `*` stops at `/`
    deny = project(sourceRepos=["*", "!https://github.com/acme/secret"])
    assert rules.source_permitted(deny, "https://github.com/acme/platform")
    assert not rules.source_permitted(deny, "https://github.com/acme/secret.git")
    assert not rules.source_permitted(project(), "https://github.com/acme/platform")
    ssh = project(sourceRepos=["git@github.com:acme/platform.git"])
    assert rules.source_permitted(ssh, "git@github.com:acme/platform")


def test_destinations_by_server_or_name_with_negation() -> None:
    p = project(
        destinations=[
            {"server": "https://kubernetes.default.svc", "namespace": "*-dev"},
            {"name": "in-cluster", "namespace": "tools"},
            {"server": "*", "namespace": "!kube-system"},
        ]
    )
    assert rules.destination_permitted(p, "https://kubernetes.default.svc", "", "payments-dev")
    assert rules.destination_permitted(p, "", "in-cluster", "tools")
    assert not rules.destination_permitted(p, "https://kubernetes.default.svc", "", "kube-system")
    only = project(destinations=[{"server": "https://a", "namespace": "x"}])
    assert not rules.destination_permitted(only, "https://b", "", "x")
    assert not rules.destination_permitted(only, "https://a", "", "y")


def test_kind_rules_follow_argo_cd() -> None:
    p = project(
        clusterResourceWhitelist=[{"group": "", "kind": "Namespace"}],
        namespaceResourceWhitelist=[{"group": "apps", "kind": "*"}],
        namespaceResourceBlacklist=[{"group": "apps", "kind": "DaemonSet"}],
    )
    assert rules.kind_problem(p, "apps", "Deployment", False) is None
    assert (
        rules.kind_problem(p, "apps", "DaemonSet", False) == "project p blacklists apps/DaemonSet"
    )
    assert rules.kind_problem(p, "", "Secret", False) == "project p does not whitelist Secret"
    assert rules.kind_problem(p, "", "Namespace", True) is None
    assert rules.kind_problem(project(), "", "Secret", False) is None  # no whitelist: all
    none = project(namespaceResourceWhitelist=[])  # an empty whitelist: nothing
    assert rules.kind_problem(none, "", "Secret", False) == "project p does not whitelist Secret"
    assert rules.kind_problem(project(), "", "Namespace", True) == (
        "project p does not whitelist the cluster-scoped Namespace"
    )
    named = project(clusterResourceWhitelist=[{"group": "", "kind": "Namespace", "name": "a-*"}])
    assert rules.kind_problem(named, "", "Namespace", True, "a-dev") is None
    assert rules.kind_problem(named, "", "Namespace", True, "b-dev") is not None


def test_guardrails_may_put_the_velero_schedule_in_the_backup_namespace() -> None:
    platform_project = {
        "metadata": {"name": "platform-dev"},
        "spec": {
            "destinations": [{"server": "https://k", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
        },
    }
    app = {
        "metadata": {"name": "payments-dev"},
        "spec": {
            "project": "platform-dev",
            "destination": {"server": "https://k", "namespace": "payments-dev"},
        },
    }
    ctx = rules.Context(
        "dev", app, platform_project, rules.role_of(app, "dev", {"payments"}), "velero", "https://r"
    )
    schedule = {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "s", "namespace": "velero"},
    }
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": "velero"},
    }
    assert list(rules.object_issues(ctx, schedule, False)) == []
    assert list(rules.object_issues(ctx, quota, False)) == [
        (
            ("metadata", "namespace"),
            "lands in namespace velero, not in the destination payments-dev",
        )
    ]
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other-dev"}}
    assert list(rules.object_issues(ctx, namespace, True)) == [
        ((), "the guardrails may create only their own Namespace payments-dev")
    ]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"


def names(found: list[Any]) -> list[tuple[str, int, str]]:
    return [(at.file, at.line, at.obj["metadata"]["name"]) for at in found]


def test_a_plain_directory_is_read_as_argo_cd_reads_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/a.yaml": "# a comment\n" + CM.format("a") + "---\n" + CM.format("a2"),
            "src/b.yml": CM.format("b"),
            "src/c.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}',
            "src/notes.txt": CM.format("txt"),
            "src/sub/d.yaml": CM.format("d"),
        },
    )
    assert names(read_directory(str(tmp_path), "src", {}, "app.yaml")) == [
        ("src/a.yaml", 2, "a"),
        ("src/a.yaml", 7, "a2"),
        ("src/b.yml", 1, "b"),
        ("src/c.json", 1, "c"),
    ]
    recurse = read_directory(
        str(tmp_path), "src", {"recurse": True, "include": "{b.yml,sub/*}"}, "x"
    )
    assert names(recurse) == [("src/b.yml", 1, "b"), ("src/sub/d.yaml", 1, "d")]
    exclude = read_directory(str(tmp_path), "src", {"recurse": True, "exclude": "*.y*ml"}, "x")
    assert names(exclude) == [("src/c.json", 1, "c")]
    with pytest.raises(BuildError, match="not a valid glob"):
        read_directory(str(tmp_path), "src", {"include": "{a.yaml"}, "x")


def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(CM.format("o"))
    (tmp_path / "repo/src").mkdir(parents=True)
    os.symlink(outside, tmp_path / "repo/src/link.yaml")
    with pytest.raises(BuildError, match="symbolic link out of the repository") as exc:
        read_directory(str(tmp_path / "repo"), "src", {}, "x")
    assert exc.value.file == "src/link.yaml"


def app(source: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "a"}, "spec": {"source": source, **spec}}


def test_sources_argo_cd_or_verify_would_refuse(tmp_path: Path) -> None:
    write(tmp_path, {"chart/Chart.yaml": "name: c\n", "k/kustomization.yaml": "resources: []\n"})
    root = str(tmp_path)
    assert source_type(root, app({"path": "chart"}), "o") == ("helm", "chart")
    assert source_type(root, app({"path": "k"}), "o") == ("kustomize", "k")
    refused = {
        "both helm and directory": app({"path": "chart", "helm": {}, "directory": {}}),
        "is not a folder of this repository": app({"path": "../elsewhere"}),
        "cannot reproduce `plugin`": app({"path": "chart", "plugin": {}}),
        "cannot reproduce `helm.parameters`": app({"path": "chart", "helm": {"parameters": []}}),
        "a single `source`": app({}, sources=[]),
    }
    for message, application in refused.items():
        with pytest.raises(BuildError, match=message):
            source_type(root, application, "o")


WIDGET_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"""


def test_a_platform_crd_folder_adds_kinds(tmp_path: Path) -> None:
    write(tmp_path, {"crds/widget.yaml": WIDGET_CRD})
    schemas = Schemas("1.34", [tmp_path / "crds"])
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1},
    }
    assert schemas.problems(widget) == []
    assert schemas.cluster_scoped(widget) is False
    widget["spec"] = {"size": 1, "colour": "red"}
    assert schemas.problems(widget) == [(("spec", "colour"), "unknown field")]
    write(tmp_path, {"crds/again.yaml": WIDGET_CRD})
    twice = Schemas("1.34", [tmp_path / "crds"])
    [(_path, message)] = twice.problems(widget)
    assert message.startswith("example.com Widget is defined in both ")


def test_the_crd_index_parses_only_the_files_it_needs() -> None:
    index = CrdIndex([vendored_crd_dir()])
    assert set(index.versions("velero.io", "Schedule")) == {"v1"}
    assert index.files_parsed == 1
    assert index.versions("example.com", "Widget") == {}
    assert index.files_parsed == 1


def test_kubernetes_version_must_be_one_kubernetes_validate_ships(tmp_path: Path) -> None:
    from tests.support.repo import berth, make_repo

    root = make_repo(tmp_path / "repo", commit=False)
    text = (root / "platform.yaml").read_text()
    (root / "platform.yaml").write_text(
        text.replace("spec:\n", "spec:\n  kubernetesVersion: '1.9'\n", 1)
    )
    code, out, _ = berth(root, "validate")
    assert code == 1
    assert "platform.yaml:" in out and "spec.kubernetesVersion: " in out
    assert "kubernetes-validate has no schemas for Kubernetes 1.9; it ships 1." in out


def test_markdown_report_cannot_be_shaped_by_a_message() -> None:
    problem = Problem("a.yaml", 3, 1, "X/y.spec", "bad value `x` | <b>\n# heading")
    text = format_problems([problem], "markdown", title="berth verify")
    assert text == (
        "### berth verify: 1 error\n\n- `a.yaml:3:1` `X/y.spec`: ``bad value `x` | <b> # heading``\n"
    )
    assert (
        format_problems([], "markdown", title="berth verify") == "### berth verify: no problems\n\n"
    )


def test_folders_resolve_symbolic_links_as_realpath_does(tmp_path: Path) -> None:
    # Folders keeps each folder's resolved path; links anywhere on the way still count.
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / "a" / "b" / "c").mkdir(parents=True)
    (outside / "x").mkdir(parents=True)
    (root / "a" / "b" / "c" / "f").write_text("")
    links = {
        "a/out": str(outside), "a/inb": "b", "a/b/up": "../..", "a/b/c/x": str(outside / "x"),
        "a/b/c/esc": "../../../..",
    }  # fmt: skip
    for link, target in links.items():
        os.symlink(target, root / link)
    folders = Folders(str(root))
    real_root = os.path.realpath(root)
    paths = [
        "a", "a/b/c/f", "a/out", "a/out/x", "a/inb/c/f", "a/b/up/a/b", "a/b/up/..",
        "a/b/c/x/y", "a/../a/b", ".", "a/b/c/x/../../c", "a/b/c/esc", "a/b/c/esc/repo",
        "a/inb/../b/c/f", "a/b/c/x/..", "a/b//c",
    ]  # fmt: skip
    answers = []
    for rel in paths * 2:  # the second time from what the first kept
        real = os.path.realpath(root / rel)
        answers.append(folders.real_inside(rel))
        assert answers[-1] == (real == real_root or real.startswith(real_root + os.sep)), rel
    assert True in answers and False in answers

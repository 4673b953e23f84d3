"""What `verify --base` asks of every Application: does its build read a changed file? A
blueprint change names thousands of files, so the answer comes from a sorted index; it must be
the answer of asking file by file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from generator.verify import deps
from generator.verify import project as rules

# Siblings that sort between a folder and its contents ('-' and '.' come before '/').
NAMES = [
    "a",
    "a/b",
    "a/b-x/v.yaml",
    "a/b.c",
    "a/b/c.yaml",
    "a/b/d/e.yaml",
    "a/b/.argocd-source.yaml",
    "a/bb/c.yaml",
    "blueprints/chart/values.yaml",
    "environments/dev/tenants/t1/apps/x.values.yaml",
    "environments/dev/tenants/t1-x/argocd.yaml",
    "environments/dev/tenants/t1/argocd.yaml",
    "z.yaml",
]
PREFIXES = [".", "a", "a/b", "a/b/d", "a/b-x", "environments/dev/tenants/t1", "nowhere", ""]


def _naive_touches(names: set[str], prefix: str) -> bool:
    return any(
        prefix in (deps.EVERYTHING, ".") or n == prefix or n.startswith(prefix + "/") for n in names
    )


@pytest.mark.parametrize("seed", range(20))
def test_the_index_answers_as_asking_each_path(seed: int) -> None:
    rng = random.Random(seed)
    names = set(rng.sample(NAMES, rng.randint(0, len(NAMES))))
    index = deps.Paths(names)
    for prefix in PREFIXES:
        assert index.touches(prefix) == _naive_touches(names, prefix), (names, prefix)
        inside = names if prefix == "." else {n for n in names if n.startswith(prefix + "/")}
        assert list(index.under(prefix)) == sorted(inside), (names, prefix)
    helm = deps.Reads(frozenset({"a/b", "blueprints/chart/values.yaml"}))
    assert helm.touched_by(index) == any(helm.reads(n) for n in names)
    for settings in ({}, {"recurse": True}, {"recurse": True, "exclude": "d/*"}):
        directory = deps.Reads(frozenset({"a/b"}), ("a/b", settings))
        assert directory.touched_by(index) == any(directory.reads(n) for n in names), settings


def test_a_rewritten_kustomization_is_read_again(tmp_path: Path) -> None:
    # Parsed kustomizations are kept for the run; a file changed since must not be answered
    # from what it held before.
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    first = deps.reads(str(tmp_path), {}, "kustomize", "base")
    assert "base/a.yaml" in first.prefixes and first.plain
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [other.yaml]\npatches: []\n")
    second = deps.reads(str(tmp_path), {}, "kustomize", "base")
    assert "base/other.yaml" in second.prefixes and "base/a.yaml" not in second.prefixes
    assert not second.plain
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [\n")
    assert deps.EVERYTHING in deps.reads(str(tmp_path), {}, "kustomize", "base").prefixes


@pytest.mark.parametrize(
    ("name", "project", "role"),
    [
        ("a-dev-argocd", "a-dev", rules.Role("tenant-argocd", "a")),
        ("a-dev-dev-argocd", "x", rules.Role("tenant-argocd", "a-dev")),
        ("a-dev", "platform-dev", rules.Role("guardrails", "a")),
        ("a-dev-dev", "platform-dev", rules.Role("guardrails", "a-dev")),
        ("a-dev", "a-dev", rules.Role("app")),  # a guardrails name outside the platform project
        ("b-dev-argocd", "b-dev", rules.Role("app")),  # no tenant b
        ("b-dev", "platform-dev", rules.Role("other")),
        ("a-prod-argocd", "a-prod", rules.Role("app")),  # another environment's name
    ],
)
def test_the_role_is_read_off_the_name(name: str, project: str, role: rules.Role) -> None:
    app = {"metadata": {"name": name}, "spec": {"project": project}}
    assert rules.role_of(app, "dev", frozenset({"a", "a-dev"})) == role

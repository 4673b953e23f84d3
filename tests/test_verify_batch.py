"""Kustomize sources built several per `kubectl kustomize` give, object for object and byte for
byte, what each gives alone; a failing batch falls back to one build per source, so every
error stays on its own Application."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.verify import batch
from generator.verify.sources import GO_RUNTIME, Tools, helm_command, tool_env
from generator.yamlio.trusted import load_documents
from tests.support.cases import case_names
from tests.support.cli import berth
from tests.support.example import example
from tests.support.tools import REPO, tool

EXAMPLE = example()

pytestmark = pytest.mark.tools

VALID = REPO / "tests" / "cases" / "valid"
STAMP_LINE = re.compile(rf'^    {re.escape(batch.STAMP)}: "(\d+)"\n', re.M)


def trees() -> list[str]:
    return ["example", *(name for name in case_names(VALID))]


def tree(name: str, root: Path) -> Path:
    """The example's generated tree, or a valid case's expected one, with the blueprints."""
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    source = EXAMPLE if name == "example" else VALID / name / "expected"
    shutil.copytree(source / "environments", root / "environments")
    return root


def kustomize(root: Path, path: str | Path) -> str:
    proc = subprocess.run(
        [tool("kubectl"), "kustomize", str(path)], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def unstamped(output: str, count: int) -> list[str]:
    """The batch's output cut back into each source's, the stamp (and what it made) removed."""
    out = [""] * count
    for doc in output.removesuffix("\n").split("\n---\n"):
        text = doc + "\n"
        index = int(STAMP_LINE.search(text).group(1))  # type: ignore[union-attr]
        text = STAMP_LINE.sub("", text)
        # The stamp had to create `annotations:` where the object had none: it goes too.
        text = re.sub(r"^  annotations:\n(?!    )", "", text, flags=re.M)
        out[index] += ("---\n" if out[index] else "") + text
    return out


@pytest.mark.parametrize("name", trees())
def test_a_batch_is_byte_identical_to_single_builds(name: str, tmp_path: Path) -> None:
    root = tree(name, tmp_path / "repo")
    paths = sorted(
        p.parent.relative_to(root).as_posix()
        for p in (root / "environments").glob("*/tenants/*/guardrails/kustomization.yaml")
    )
    assert paths
    folder = tmp_path / "batch"
    folder.mkdir()
    batch.write_batch(str(folder), str(root), paths)
    together = unstamped(kustomize(root, folder), len(paths))
    alone = [kustomize(root, path) for path in paths]
    assert together == alone
    # And as verify reads them: the same objects, in the same order, on the same file.
    found = batch.build_many(tool("kubectl"), str(root), paths)
    assert found is not None
    for objects, text, path in zip(found, alone, paths, strict=True):
        assert [at.obj for at in objects] == [doc for doc, _ in load_documents(text)]
        assert {at.file for at in objects} == {f"{path}/kustomization.yaml"}
    assert batch.STAMP not in json.dumps([at.obj for objects in found for at in objects])


def test_a_failing_batch_is_built_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree("example", tmp_path / "repo")
    for name in ("platform.yaml", "tenants"):
        source = EXAMPLE / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    monkeypatch.setenv("PATH", f"{Path(tool('kubectl')).parent}:{Path(tool('helm')).parent}")
    broken = root / "environments/dev/tenants/payments/guardrails/kustomization.yaml"
    broken.write_text(
        broken.read_text().replace("- ../../../../../blueprints/tenant\n", "- gone\n", 1)
    )
    moved = root / "environments/dev/tenants/checkout/guardrails/kustomization.yaml"
    moved.write_text(moved.read_text().replace("namespace: checkout-dev", "namespace: x", 1))
    assert batch.build_many(tool("kubectl"), str(root), [
        "environments/dev/tenants/payments/guardrails",
        "environments/dev/tenants/checkout/guardrails",
    ]) is None  # fmt: skip
    code, out, err = berth(root, "verify", "--env", "dev", "--format", "json")
    assert (code, err) == (1, "")
    # The runtime flows see the broken guardrails too (on the requests); this is about builds.
    problems = [
        p
        for p in json.loads(out)["problems"]
        if not str(p["message"]).endswith("(network-config-analyzer)")
    ]
    files = {p["file"] for p in problems}
    assert files == {
        "environments/dev/tenants/payments/guardrails/kustomization.yaml",
        "environments/dev/tenants/checkout/guardrails/kustomization.yaml",
    }, problems
    payments = [p for p in problems if "payments" in str(p["file"])]
    assert len(payments) == 1 and "kubectl kustomize" in str(payments[0]["message"]), payments


@pytest.mark.parametrize("name", trees())
def test_the_tools_tuned_environment_prints_the_same_bytes(name: str, tmp_path: Path) -> None:
    # verify runs the tools with the garbage collector off and a small message catalogue
    # (sources.GO_RUNTIME) to start them cheaper; what they print must not change.
    root = tree(name, tmp_path / "repo")
    tools = Tools(kubectl=tool("kubectl"), helm=tool("helm"))
    apps = [
        doc
        for path in sorted(root.glob("environments/*/tenants/*/argocd.yaml"))
        for doc, _ in load_documents(path.read_text())
        if doc.get("kind") == "Application" and "helm" in doc["spec"]["source"]
    ]
    assert apps or name != "example"  # some cases have no apps: their guardrails still count
    bare = {k: v for k, v in os.environ.items() if k not in GO_RUNTIME}
    for app in apps[:: max(1, len(apps) // 6)]:  # a few of each tree: each run is a helm start
        source = app["spec"]["source"]
        args, _ = helm_command(str(root), app, source["path"], tools, "argocd.yaml", "1.34")
        tuned = subprocess.run(args, cwd=root, env=tool_env(), capture_output=True, text=True)
        plain = subprocess.run(args, cwd=root, env=bare, capture_output=True, text=True)
        assert tuned.returncode == plain.returncode == 0, plain.stderr
        assert tuned.stdout == plain.stdout and tuned.stdout
    guardrails = next(root.glob("environments/*/tenants/*/guardrails")).relative_to(root)
    tuned_kustomize = subprocess.run(
        [tool("kubectl"), "kustomize", str(guardrails)],
        cwd=root, env=tool_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert tuned_kustomize.stdout == kustomize(root, guardrails)

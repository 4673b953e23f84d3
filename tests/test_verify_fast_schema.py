"""The jsonschema-rs fast path calls exactly the objects valid that python-jsonschema does: every
core object the example and the valid cases render, and each of them broken in several ways."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.verify import kube_schema as ks
from generator.verify.documents import load_documents
from tests.support.cases import case_names
from tests.support.tools import REPO, tool

VALID = REPO / "tests" / "cases" / "valid"
VERSION = ks.DEFAULT_KUBERNETES_VERSION


def builds(root: Path) -> Iterator[str]:
    for kustomization in sorted(
        root.glob("environments/*/tenants/*/guardrails/kustomization.yaml")
    ):
        yield run(root, [tool("kubectl"), "kustomize", str(kustomization.parent.relative_to(root))])
    for values in sorted(root.glob("environments/*/tenants/*/apps/*.values.yaml")):
        env, tenant = values.parts[-5], values.parts[-3]
        app = values.name.removesuffix(".values.yaml")
        yield run(root, [tool("helm"), "template", app, "blueprints/chart", "--namespace",
                         f"{tenant}-{env}", "--values", str(values.relative_to(root))])  # fmt: skip
    for policies in sorted(root.glob("environments/*/policies/*.yaml")):
        yield policies.read_text()


def run(root: Path, args: list[str]) -> str:
    proc = subprocess.run(args, cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout


def broken(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The object with an unknown field, a wrong type, and a required field gone, where it has them."""
    spec = obj.get("spec")
    if isinstance(spec, dict):
        bad = copy.deepcopy(obj)
        bad["spec"]["notAField"] = 1
        yield bad
        for key, value in spec.items():
            bad = copy.deepcopy(obj)
            bad["spec"][key] = 7 if isinstance(value, (dict, list, str)) else "seven"
            yield bad
    meta = copy.deepcopy(obj)
    meta["metadata"]["labels"] = ["not", "a", "map"]
    yield meta
    for path in (("spec", "template", "spec", "containers"), ("subjects",), ("roleRef",)):
        bad, at = copy.deepcopy(obj), None
        node: Any = bad
        for key in path:
            at, node = node, node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list) and node and isinstance(node[0], dict):
            node[0].pop(next(iter(node[0])))
            yield bad
        elif isinstance(node, dict) and node and isinstance(at, dict):
            node.pop(next(iter(node)))
            yield bad


def test_fast_and_slow_agree(tmp_path: Path) -> None:
    checked, invalid = 0, 0
    for name in ["example", *case_names(VALID)]:
        root = tmp_path / name
        shutil.copytree(REPO / "blueprints", root / "blueprints")
        source = REPO if name == "example" else VALID / name / "expected"
        shutil.copytree(source / "environments", root / "environments")
        for text in builds(root):
            for obj, _ in load_documents(text):
                core = ks._core_validator(VERSION, obj["apiVersion"], obj["kind"])
                if core is None:
                    continue
                fast = ks._fast_core_validator(VERSION, obj["apiVersion"], obj["kind"])
                for one in [obj, *broken(obj)]:
                    slow = not list(core.iter_errors(one))
                    assert ks._fast_valid(fast, one) == slow, (name, one)
                    checked += 1
                    invalid += not slow
                meta = ks._fast_object_meta_validator(VERSION)
                slow_meta = ks._object_meta_validator(VERSION)
                assert ks._fast_valid(meta, obj["metadata"]) == (
                    not list(slow_meta.iter_errors(obj["metadata"]))
                )
    assert checked > 1000 and invalid > checked // 3, (checked, invalid)

"""The jsonschema-rs fast path calls exactly the objects valid that python-jsonschema does: every
object the example and the valid cases render (core kinds, custom resources, Argo CD's own),
and each of them broken in several ways."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.verify import kube_schema as ks
from generator.verify.crd_schema import crd_validator, fast_crd_validator
from generator.yamlio.trusted import load_documents
from tests.support.cases import case_names
from tests.support.example import example
from tests.support.tools import REPO, tool

EXAMPLE = example()

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
    for manifests in sorted(root.glob("environments/**/*.yaml")):
        if manifests.parent.name not in ("guardrails", "apps"):
            yield manifests.read_text()  # policies, the roots, the tenants' Argo CD objects


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


@pytest.mark.tools
def test_fast_and_slow_agree(tmp_path: Path) -> None:
    schemas = ks.Schemas(VERSION)
    checked, invalid, kinds = 0, 0, set()
    for name in ["example", *case_names(VALID)]:
        root = tmp_path / name
        shutil.copytree(REPO / "blueprints", root / "blueprints")
        source = EXAMPLE if name == "example" else VALID / name / "expected"
        shutil.copytree(source / "environments", root / "environments")
        for text in builds(root):
            for obj, _ in load_documents(text):
                slow, fast = validators(schemas, obj)
                kinds.add((obj["kind"], slow is None))
                for one in [obj, *broken(obj)]:
                    valid = not list(slow.iter_errors(one))
                    assert ks._fast_valid(fast, one) == valid, (name, one)
                    checked += 1
                    invalid += not valid
                meta = ks._fast_object_meta_validator(VERSION)
                slow_meta = ks._object_meta_validator(VERSION)
                assert ks._fast_valid(meta, obj["metadata"]) == (
                    not list(slow_meta.iter_errors(obj["metadata"]))
                )
    assert checked > 1000 and invalid > checked // 3, (checked, invalid)
    for kind in ("Application", "AppProject", "ServiceMonitor", "Schedule", "ExternalSecret"):
        assert (kind, False) in kinds, kind  # custom resources were among them


def validators(schemas: ks.Schemas, obj: dict[str, Any]) -> tuple[Any, Any]:
    """python-jsonschema's and jsonschema-rs's validator of the object's kind."""
    core = ks._core_validator(VERSION, obj["apiVersion"], obj["kind"])
    if core is not None:
        return core, ks._fast_core_validator(VERSION, obj["apiVersion"], obj["kind"])
    group, _, version = obj["apiVersion"].rpartition("/")
    return (
        schemas.crds.validator(group, version, obj["kind"]),
        schemas.crds.fast_validator(group, version, obj["kind"]),
    )


def test_every_vendored_crd_compiles_for_the_fast_path() -> None:
    # A CRD jsonschema-rs refused would still be checked, by python-jsonschema alone: slowly.
    crds = ks.Schemas(VERSION).crds
    keys = [
        key for path in sorted(crds.folders[-1].rglob("*.yaml")) for key, _ in crds._parse(path)
    ]
    assert len(keys) >= 20
    for group, version, kind in keys:
        assert crds.fast_validator(group, version, kind) is not None, (group, version, kind)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({"when": "2026-12-02T07:44:02Z"}, True),
        ({"when": "2026-13-02T07:44:02Z"}, False),  # no month 13: fromisoformat says so
        ({"when": "2026-12-02"}, False),
        ({"data": "aGVsbG8="}, True),
        ({"data": "not base64!"}, False),
        ({"address": "10.0.0.1"}, True),
        ({"address": "10.0.0.256"}, False),
        ({"address6": "::1"}, True),
        ({"address6": "::g"}, False),
        ({"site": "not a uri"}, True),  # python-jsonschema asserts no uri format: neither may rs
        ({"ports": [{"name": "a", "port": 1}, {"name": "b", "port": 1}]}, True),
        ({"ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]}, False),
        ({"host": "Web"}, True),  # (?i) in the middle, Go's way
        ({"host": "x-web"}, False),
        ({"count": None}, True),
        ({"size": "1Gi"}, True),
        ({"size": 1.5}, False),
    ],
)
def test_fast_and_slow_agree_on_formats_patterns_and_list_maps(value: Any, valid: bool) -> None:
    crd_schema = {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "data": {"type": "string", "format": "byte"},
            "address": {"type": "string", "format": "ipv4"},
            "address6": {"type": "string", "format": "ipv6"},
            "site": {"type": "string", "format": "uri"},
            "ports": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                },
            },
            "host": {"type": "string", "pattern": "^(?i)(web|api)$"},
            "count": {"type": "integer", "nullable": True},
            "size": {"x-kubernetes-int-or-string": True},
        },
    }
    slow = crd_validator(crd_schema)
    fast = fast_crd_validator(dict(slow.schema))
    assert fast is not None
    assert (not list(slow.iter_errors(value))) is valid
    assert ks._fast_valid(fast, value) is valid


SAMPLES = [
    "", "a", "A", "0", "a-b", "a.b", "a\n", "\na", " a", "a b", "-a", "a-", "1.2.3", "x" * 300,
    "é", "\u0661", "a_b", "a/b/c", "http://x", "10s", "1h30m", "0.5", "1Gi", "100m", "*",
    "*.example.com", "GET", "/path", "a:b", "10.0.0.1", "::1", "a\tb", "a\r\n", "-1", "+1",
    "2024-01-01T00:00:00Z", "a" * 63, "a" * 64, "a" * 254, "${x}", "true", "team-a-dev",
]  # fmt: skip


def test_no_pattern_of_a_vendored_crd_lets_jsonschema_rs_accept_what_python_refuses() -> None:
    # The regex engines differ (Python's `$` also matches before a final newline, for one);
    # the fast path is sound as long as jsonschema-rs is never the laxer of the two.
    crds = ks.Schemas(VERSION).crds
    patterns: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in sorted(crds.folders[-1].rglob("*.yaml")):
        for _, crd in crds._parse(path):
            collect(dict(crd.schema))
    assert len(patterns) > 20
    for pattern in sorted(patterns):
        schema = crd_validator(
            {"type": "object", "properties": {"v": {"type": "string", "pattern": pattern}}}
        )
        fast = fast_crd_validator(dict(schema.schema))  # type: ignore[arg-type]
        for sample in SAMPLES:
            if ks._fast_valid(fast, {"v": sample}):
                assert not list(schema.iter_errors({"v": sample})), (pattern, sample)

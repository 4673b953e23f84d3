"""verify's YAML reading builds the same objects as PyYAML's constructor, type for type: on what
the tools print for the example and on every YAML feature the plain builder hands back."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml

from generator.yamlio.trusted import KubernetesLoader, load_documents
from tests.support.example import example
from tests.support.tools import tool

EXAMPLE = example()


def constructed(text: str) -> list[Any]:
    """What PyYAML's own constructor makes of every non-empty document."""
    return [doc for doc in yaml.load_all(text, Loader=KubernetesLoader) if doc is not None]


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1 == 1.0 == True for `==`)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            same(x, y) for x, y in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def shares(a: Any, b: Any) -> bool:
    """Whether aliases came out as one object in `a` exactly where they did in `b`."""
    ids_a: dict[int, int] = {}
    ids_b: dict[int, int] = {}

    def walk(x: Any, y: Any) -> bool:
        if isinstance(x, (dict, list)):
            if ids_a.setdefault(id(x), id(y)) != id(y) or ids_b.setdefault(id(y), id(x)) != id(x):
                return False
            pairs = (
                zip(x.values(), y.values(), strict=True)
                if isinstance(x, dict)
                else zip(x, y, strict=True)
            )
            return all(walk(p, q) for p, q in pairs)
        return True

    return walk(a, b)


FEATURES = """\
plain: text
quoted: "1"
int: 12
octal: 0o17
hex: 0x1f
sexagesimal: 1:30
float: 1.5e3
inf: .inf
bools: [yes, No, true, off]
nulls: [~, null, ""]
date: 2024-01-01
stamp: 2024-01-01T10:00:00Z
equals: =
=: value key
binary: !!binary aGVsbG8=
anchor: &shared {a: [1, 2]}
alias: *shared
again: *shared
dup: 1
dup: 2
nested:
- - deep
  - {x: {y: [z]}}
---
# an empty document is skipped
---
base: &base {a: 1, b: 2}
merged:
  <<: *base
  b: 3
---
!!omap [one: 1, two: 2]
---
!!set {a, b}
---
? [not, hashable]
: never
---
top: !custom thing
---
? 1
: int key
? 2024-01-01
: date key
"""


@pytest.mark.parametrize("text", FEATURES.split("---\n"), ids=lambda t: t.splitlines()[0][:20])
def test_every_yaml_feature_builds_as_pyyaml_builds_it(text: str) -> None:
    try:
        expected = constructed(text)
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError) as raised:
            load_documents(text)
        assert str(raised.value) == str(exc)
        return
    got = [doc for doc, _ in load_documents(text)]
    assert same(got, expected), (got, expected)
    assert shares(got, expected)


def test_a_document_holding_itself_builds_as_pyyaml_builds_it() -> None:
    text = "&me {name: loop, self: *me}\n"
    [(got, _)] = load_documents(text)
    assert got["self"] is got and got["name"] == "loop"


@pytest.mark.tools
def test_what_the_tools_print_builds_as_pyyaml_builds_it() -> None:
    runs = [
        [tool("kubectl"), "kustomize", str(path.parent.relative_to(EXAMPLE))]
        for path in sorted(EXAMPLE.glob("environments/*/tenants/*/guardrails/kustomization.yaml"))
    ]
    for values in sorted(EXAMPLE.glob("environments/*/tenants/*/apps/*.values.yaml")):
        env, tenant, app = values.parts[-5], values.parts[-3], values.name.split(".")[0]
        runs.append(
            [tool("helm"), "template", app, "blueprints/chart", "--namespace", f"{tenant}-{env}",
             "--values", str(values.relative_to(EXAMPLE))]
        )  # fmt: skip
    texts = [
        subprocess.run(run, cwd=EXAMPLE, capture_output=True, text=True, check=True).stdout
        for run in runs
    ]
    texts += [path.read_text() for path in sorted(EXAMPLE.glob("environments/**/*.yaml"))]
    objects = 0
    for text in texts:
        got, expected = [doc for doc, _ in load_documents(text)], constructed(text)
        assert same(got, expected)
        objects += len(got)
    assert len(runs) > 15 and objects > 300, (len(runs), objects)

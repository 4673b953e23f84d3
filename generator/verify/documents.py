"""Reading Kubernetes YAML (tool output, plain-directory manifests) the way the API server does.

Trusted input (Berth's own output and what kubectl and helm print), so PyYAML's C loader is
used; but scalars are resolved as Go's YAML decoding into `interface{}` would: unquoted dates
stay strings, `=` is a string. Every document keeps the line it starts on, so a finding can
point at it.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's loader: the same safe subset as PyYAML's own, an order of magnitude faster
# (bench/results.md).
BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubeYamlLoader(BASE_LOADER):  # type: ignore[misc]
    """Safe loading as Kubernetes reads YAML: unquoted dates stay strings, `=` is a string.

    Go's yaml.v2 keeps timestamp-looking scalars as strings when decoding into interface{}, so a
    ConfigMap value `2024-01-01` is valid there and must not become a `datetime.date` here.
    """


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


KubeYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)
KubeYamlLoader.add_constructor("tag:yaml.org,2002:value", _construct_str)


def load_documents(text: str) -> list[tuple[Any, int]]:
    """Every non-empty document of a YAML stream with its 1-based starting line.

    yaml.YAMLError for a stream that does not parse.
    """
    loader = KubeYamlLoader(text)
    found: list[tuple[Any, int]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            try:
                data = _Plain(loader).build(node)
            except _Unusual:
                data = loader.construct_document(node)
            if data is not None:
                found.append((data, node.start_mark.line + 1))
    finally:
        loader.dispose()
    return found


_STR, _MAP, _SEQ, _MERGE = (f"tag:yaml.org,2002:{n}" for n in ("str", "map", "seq", "merge"))


class _Unusual(Exception):
    """A document the plain builder leaves to PyYAML's constructor: merge keys, a tagged
    collection, an unknown tag, a mapping as a key, a collection holding itself."""


class _Plain:
    """A composed document into Python objects as PyYAML's constructor makes them, for the
    documents tools print: plain maps, lists and scalars. The constructor's generic machinery
    (two-step construction for recursive data, per-node bookkeeping) costs more than parsing
    with libyaml, and verify reads ~100,000 objects; the tests hold both to the same objects.
    Scalars go through the loader's own constructors, so they resolve exactly as
    PyYAML's constructor resolves them."""

    def __init__(self, loader: Any) -> None:
        self.loader, self.constructors = loader, loader.yaml_constructors
        self.made: dict[int, Any] = {}  # an alias is the same object, as PyYAML makes it
        self.open: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            construct = self.constructors.get(node.tag)
            if construct is None:
                raise _Unusual
            return construct(self.loader, node)
        key = id(node)
        if key in self.made:
            return self.made[key]
        if key in self.open:
            raise _Unusual
        self.open.add(key)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            made: Any = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    raise _Unusual
                made[self.build(key_node)] = self.build(value_node)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            made = [self.build(item) for item in node.value]
        else:
            raise _Unusual
        self.open.discard(key)
        self.made[key] = made
        return made

"""Reading trusted YAML: what Berth itself wrote (rendered values, generated files) and what
tools printed or platform files hold (kubectl, helm, kustomizations, CRDs). libyaml, no
limits; requests are read by `reader.py`, never here.

Two scalar rules: Berth's own output is read back with the requests' rule (YAML 1.2 core), so
a value reads as a request with the same text would; Kubernetes YAML as the API server reads
it (YAML 1.1 scalars), except that timestamp-like and `=` scalars stay strings, as they do
when Go decodes into JSON. `load_documents` keeps the line each document starts on, so a
finding can point at it.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

from generator.yamlio.reader import resolve_plain

# libyaml's loader: the same safe subset as PyYAML's own, an order of magnitude faster
# (bench/results.md).
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAG = "tag:berth.dev,2024:plain"


class _OwnOutputLoader(_SAFE_LOADER):  # type: ignore[misc]
    """libyaml's safe loader with the requests' scalar rules (YAML 1.2 core): what Berth
    wrote is read back exactly as a request with the same text would be."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}


_OwnOutputLoader.add_implicit_resolver(_PLAIN_TAG, re.compile(r".*", re.DOTALL), None)
_OwnOutputLoader.add_constructor(_PLAIN_TAG, lambda _loader, node: resolve_plain(node.value))


class KubernetesLoader(_SAFE_LOADER):  # type: ignore[misc]
    """How the API server reads manifests (sigs.k8s.io/yaml, YAML 1.1 scalars), except that
    timestamp-like and `=` scalars stay strings, as they do when Go decodes into JSON."""


def _keep_text(_loader: Any, node: yaml.Node) -> str:
    return str(node.value)


KubernetesLoader.add_constructor("tag:yaml.org,2002:timestamp", _keep_text)
KubernetesLoader.add_constructor("tag:yaml.org,2002:value", _keep_text)


def load_trusted(text: str, *, kubernetes: bool = False) -> Any:
    """One document of trusted YAML; `kubernetes` for manifests a tool printed."""
    return yaml.load(text, Loader=KubernetesLoader if kubernetes else _OwnOutputLoader)


def load_all_trusted(text: str, *, kubernetes: bool = False) -> list[Any]:
    """Every document of a trusted stream (kustomize build, helm template), empty ones dropped."""
    loader = KubernetesLoader if kubernetes else _OwnOutputLoader
    return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]


TrustedYAMLError = yaml.YAMLError


def load_documents(text: str) -> list[tuple[Any, int]]:
    """Every non-empty document of a YAML stream with its 1-based starting line.

    yaml.YAMLError for a stream that does not parse.
    """
    loader = KubernetesLoader(text)
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

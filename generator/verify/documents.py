"""Reading Kubernetes YAML (tool output, plain-directory manifests) the way the API server does.

Trusted input (Berth's own output and what kubectl and helm print), so PyYAML's C loader is
used; but scalars are resolved as Go's YAML decoding into `interface{}` would: unquoted dates
stay strings, `=` is a string. Every document keeps the line it starts on, so a finding can
point at it.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's loader reads the 7 MB of vendored CRDs in ~1.5 s instead of ~15 s; same safe subset.
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
            data = loader.construct_document(node)
            if data is not None:
                found.append((data, node.start_mark.line + 1))
    finally:
        loader.dispose()
    return found

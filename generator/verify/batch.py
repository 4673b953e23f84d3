"""Several kustomize Applications in one `kubectl kustomize`, object for object as one by one.

Most of what a tenant's guardrails cost built alone is paid once per process (kubectl starting,
the OpenAPI schema strategic-merge patches need: bench/results.md), so verify builds up to
`SIZE` kustomize sources at a time: a throwaway folder holds one wrapper kustomization per
source (its one resource is the source's folder; its one transformer stamps an index annotation
on `metadata/annotations` only) and a parent listing the wrappers. Kustomize builds each source
in its own scope exactly as alone, so only the stamp differs: it is taken off again (and the
`annotations` it had to create), which the tests check byte for byte against single builds. Why
not `buildMetadata: [originAnnotations]`: an origin names the file an object came from, which is
the shared base (blueprints/tenant) for every tenant's guardrails, not the source. Kustomize's
cost grows faster than linearly with the objects of one build (bench/results.md), hence small
batches. When a batch fails (two sources make the same object, one source is broken) every
source of it is built alone, so each error is reported on its own Application exactly as without
batching.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from generator.verify.folders import kustomization_file
from generator.verify.sources import BuildError, Located, run_tool

SIZE = 16
STAMP = "berth.dev/verify-batch"  # never in Berth's output, nor anyone's (the tests check)


def _wrapper(resource: str, index: int) -> str:
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n- {resource}\n"
        "transformers:\n- |\n  apiVersion: builtin\n  kind: AnnotationsTransformer\n"
        f'  metadata:\n    name: berth-verify-batch\n  annotations:\n    {STAMP}: "{index}"\n'
        "  fieldSpecs:\n  - path: metadata/annotations\n    create: true\n"
    )


def write_batch(folder: str, root: str, paths: Sequence[str]) -> None:
    """The parent kustomization in `folder` (empty) over the source folders `paths` of `root`."""
    real_root = os.path.realpath(root)
    parent = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:"]
    for i, path in enumerate(paths):
        wrapper = os.path.join(folder, f"s{i}")
        os.mkdir(wrapper)
        # kustomize refuses absolute resource paths; a relative one may leave the folder.
        resource = os.path.relpath(os.path.join(real_root, path), wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as fh:
            fh.write(_wrapper(resource, i))
        parent.append(f"- s{i}")
    with open(os.path.join(folder, "kustomization.yaml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(parent) + "\n")


def build_many(kubectl: str, root: str, paths: Sequence[str]) -> list[list[Located]] | None:
    """The objects of each kustomize source folder, in order; None when the batch fails."""
    with tempfile.TemporaryDirectory(prefix="berth-verify-") as tmp:
        write_batch(tmp, root, paths)
        try:
            found = run_tool([kubectl, "kustomize", tmp], root, "")
        except BuildError:
            return None
    return split(found, [kustomization_file(root, p) for p in paths])


def split(found: list[Located], files: Sequence[str]) -> list[list[Located]] | None:
    """Each object back to its source by its stamp, which is removed; None if one has none."""
    out: list[list[Located]] = [[] for _ in files]
    for at in found:
        index = _unstamp(at.obj)
        if index is None or not 0 <= index < len(files):
            return None
        out[index].append(Located(at.obj, files[index]))
    return out


def _unstamp(obj: Any) -> int | None:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(meta, dict):
        return None
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict) or STAMP not in annotations:
        return None
    value = annotations.pop(STAMP)
    if not annotations:
        del meta["annotations"]  # made by the stamp: kustomize prints no empty annotations
    try:
        return int(str(value))
    except ValueError:
        return None

"""The Kubernetes objects a generated file stands for, each with a fingerprint of its content.

Comparing fingerprints of two revisions says which objects a change adds, changes and removes,
which reads better in a review than file names. The objects are the ones render built for the
file (`Rendered`, from the revision's validated requests): nothing is parsed back. A file render
does not hold, or holds with other bytes (a hand edit, a file an older Berth wrote), is read as
YAML (generator/yamlio/reader.py `load_all_trusted`) and, if that fails, compared as one
`File/<path>`. Three shapes are known:

- a tenant's guardrails overlay (`environments/<env>/tenants/<tenant>/guardrails/kustomization.yaml`)
  builds the objects of `blueprints/tenant`, renamed and patched: each object's fingerprint is
  the overlay's shared parts (labels, namespace) plus the patches that target it;
- an application's Helm values file (`.../apps/<app>.values.yaml`) is one `Values/<app>`,
  plus the CloudNativePG `Cluster/<app>-db` and `ScheduledBackup/<app>-db` the chart makes
  of it while `database.enabled` is true (the ScheduledBackup only with a `backupSchedule`: a
  scenario's database has none) (fingerprint: the `database` block), so that turning a
  database off shows as removing them, which `--fail-on-delete` guards;
- any other YAML file holds its documents, each `Kind/metadata.name` (the Argo CD AppProjects
  and Applications of `argocd.yaml` and `bootstrap.yaml`; a root kustomization, which has no
  name, is named after its folder).

A fingerprint is the canonical JSON of the objects, so render's objects and a parse of the
same text give the same one and both sides of a file compare however each was read.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

from generator.plan.snapshot import BaseObject
from generator.render.tenant import Peers, peers
from generator.render.tree import Documents, texts, unit_documents
from generator.repo import layout
from generator.validate import ValidRepo
from generator.yamlio.trusted import TrustedYAMLError, load_all_trusted, load_trusted
from generator.yamlio.writer import Dumped

Key = tuple[str, str]  # (kind, name)
Fingerprints = dict[Key, str]
TenantBase = tuple[BaseObject, ...]
VALUES_SUFFIX = ".values.yaml"


Owner = tuple[str | None, str | None]  # (environment, tenant) of a generated path, diff.owner


class Rendered:
    """The objects render builds for one revision's files, built on demand for the units of
    the few files a change touches (one tenant in one environment, or an environment's root)."""

    def __init__(self, repo: ValidRepo | None, base: TenantBase = ()) -> None:
        self.repo = repo
        self.base = base
        self._built: dict[tuple[str, str | None], Documents] = {}
        self._peers: dict[str, Mapping[str, Peers]] = {}

    def objects(self, path: str, text: str, owner: Owner) -> list[Any] | None:
        """The objects of `path`, if render holds them and they are exactly `text`."""
        env, tenant = owner
        if self.repo is None or env is None:
            return None
        if (env, tenant) not in self._built:
            if env not in self._peers:  # one walk of the tenants per environment, not per unit
                self._peers[env] = peers(self.repo.tenants, env)
            self._built[env, tenant] = unit_documents(self.repo, env, tenant, self._peers[env])
        document = self._built[env, tenant].get(path)
        if document is None or texts({path: document})[path] != text:
            return None
        return document[1]


def objects_of(
    path: str,
    old: str | None,
    new: str | None,
    sides: tuple[Rendered, Rendered],
    owner: Owner = (None, None),
) -> tuple[Fingerprints, Fingerprints]:
    """The objects of a file before and after (None: the file is absent there); `owner`: the
    unit that writes it, where render's objects are looked up ((None, None): parse only)."""
    if path.endswith((".yaml", ".yml")):
        before = _fingerprints(path, old, sides[0], owner)
        after = _fingerprints(path, new, sides[1], owner)
        if before is not None and after is not None:
            return before, after
    return _whole(("File", path), old), _whole(("File", path), new)


def _fingerprints(path: str, text: str | None, side: Rendered, owner: Owner) -> Fingerprints | None:
    if text is None:
        return {}
    # A values file is plain data, read back as render wrote it: parsing it costs far less
    # than building its unit again (a blueprint change touches thousands).
    docs = None if path.endswith(VALUES_SUFFIX) else side.objects(path, text, owner)
    if docs is None:
        docs = _parsed(text)
    if docs is None:
        return None
    if path.endswith(VALUES_SUFFIX):
        return _values(posixpath.basename(path).removesuffix(VALUES_SUFFIX), docs)
    if is_overlay(path):
        return _overlay(docs, side.base)
    return _documents(path, docs)


def _parsed(text: str) -> list[Any] | None:
    """The documents of a file render does not hold; `[]` (an empty list) holds none."""
    try:
        docs = load_all_trusted(text)
    except TrustedYAMLError:
        return None
    return [] if docs == [[]] else docs


def is_overlay(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 6 and path == layout.tenant_overlay_file(parts[1], parts[3])


def _whole(key: Key, text: str | None) -> Fingerprints:
    return {} if text is None else {key: text}


# The names blueprints/chart/templates/database.yaml gives both objects.
DATABASE_KINDS = ("Cluster", "ScheduledBackup")


def _values(app: str, docs: list[Any]) -> Fingerprints | None:
    """`Values/<app>`, and the database objects the chart renders if the values enable one."""
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return None
    values = docs[0]
    found = {("Values", app): _canonical(values)}
    database = values.get("database")
    if isinstance(database, dict) and database.get("enabled") is True:
        kinds = DATABASE_KINDS if database.get("backupSchedule") else DATABASE_KINDS[:1]
        found |= {(kind, f"{app}-db"): _canonical(database) for kind in kinds}
    return found


def _documents(path: str, docs: list[Any]) -> Fingerprints | None:
    found: Fingerprints = {}
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
            return None
        metadata = doc.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        key = (doc["kind"], name if isinstance(name, str) else posixpath.dirname(path))
        if key in found:
            return None
        found[key] = _canonical(doc)
    return found


def _overlay(docs: list[Any], base: TenantBase) -> Fingerprints | None:
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return None
    doc = docs[0]
    patches = doc.get("patches") or []
    if not isinstance(patches, list):
        return None
    shared = _canonical({k: v for k, v in doc.items() if k != "patches"})
    parts: dict[Key, list[str]] = {key: [] for key in base}
    renames: dict[Key, str] = {}
    for patch in patches:
        found = _patch_target(patch)
        if found is None:
            return None
        target, new_name = found
        parts.setdefault(target, []).append(_canonical(patch))
        if new_name is not None:
            renames[target] = new_name
    return {
        (kind, renames.get((kind, name), name)): "\n".join([shared, *texts])
        for (kind, name), texts in parts.items()
    }


def _patch_target(patch: Any) -> tuple[Key, str | None] | None:
    """The base object a kustomize patch applies to, and the name a JSON 6902 patch gives it;
    None for a patch of another shape."""
    if not isinstance(patch, dict) or not isinstance(patch.get("patch"), str):
        return None
    body = _patch_body(patch["patch"])
    target = patch.get("target")
    if isinstance(target, dict):
        kind, name = target.get("kind"), target.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            return None
        renamed = None
        for op in body if isinstance(body, list) else []:
            if isinstance(op, dict) and (op.get("op"), op.get("path")) == (
                "replace",
                "/metadata/name",
            ):
                renamed = str(op.get("value"))
        return (kind, name), renamed
    metadata = body.get("metadata") if isinstance(body, dict) else None
    kind = body.get("kind") if isinstance(body, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(kind, str) or not isinstance(name, str):
        return None
    return (kind, name), None


def _patch_body(text: str) -> Any:
    """What a patch's text says: kept by render, else (a file render does not hold) parsed."""
    if isinstance(text, Dumped):
        return text.value
    try:
        return load_trusted(text)
    except TrustedYAMLError:
        return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)

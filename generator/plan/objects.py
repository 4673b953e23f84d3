"""The Kubernetes objects a generated file stands for, each with a fingerprint of its content.

Comparing fingerprints of two revisions says which objects a change adds, changes and
removes, which reads better in a review than file names. Three shapes are known:

- a tenant's guardrails overlay (`environments/<env>/tenants/<tenant>/guardrails/kustomization.yaml`)
  builds the objects of `blueprints/tenant`, renamed and patched: each object's fingerprint is
  the overlay's shared parts (labels, namespace) plus the patches that target it;
- an application's Helm values file (`.../apps/<app>.values.yaml`) is one `Values/<app>`,
  plus the CloudNativePG `Cluster/<app>-db` and `ScheduledBackup/<app>-db` the chart makes
  of it while `database.enabled` is true (fingerprint: the `database` block), so that turning
  a database off shows as removing them, which `--fail-on-delete` guards;
- any other YAML file holds its documents, each `Kind/metadata.name` (the Argo CD AppProjects
  and Applications of `argocd.yaml` and `bootstrap.yaml`; a root kustomization, which has no
  name, is named after its folder); a file that is not YAML is `File/<path>`.

Files are read as Berth's emitter writes them first (yaml_emit's layout, with a few patterns:
parsing 12,000 files as YAML takes many seconds), then as YAML whatever that does not
recognise, then as a whole. Both revisions of a file are always read the same way, so their
fingerprints compare.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

import yaml

from generator import layout
from generator.plan.snapshot import BaseObject

Key = tuple[str, str]  # (kind, name)
TenantBase = tuple[BaseObject, ...]
Reader = Callable[[str, str, TenantBase], dict[Key, str] | None]
VALUES_SUFFIX = ".values.yaml"

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def objects_of(
    path: str, old: str | None, new: str | None, bases: tuple[TenantBase, TenantBase]
) -> tuple[dict[Key, str], dict[Key, str]]:
    """The objects of a file before and after (None: the file is absent there)."""
    if path.endswith(VALUES_SUFFIX):
        app = posixpath.basename(path).removesuffix(VALUES_SUFFIX)
        key = ("Values", app)
        return _whole(key, old) | _database(app, old), _whole(key, new) | _database(app, new)
    if path.endswith((".yaml", ".yml")):
        overlay = is_overlay(path)
        readers: tuple[Reader, ...] = (
            (_overlay_emitted, _overlay_parsed)
            if overlay
            else (_documents_emitted, _documents_parsed)
        )
        for reader in readers:
            before = reader(path, old, bases[0]) if old is not None else {}
            after = reader(path, new, bases[1]) if new is not None else {}
            if before is not None and after is not None:
                return before, after
    return _whole(("File", path), old), _whole(("File", path), new)


def is_overlay(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 6 and path == layout.tenant_overlay_file(parts[1], parts[3])


def _whole(key: Key, text: str | None) -> dict[Key, str]:
    return {} if text is None else {key: text}


# The names blueprints/chart/templates/database.yaml gives both objects.
DATABASE_KINDS = ("Cluster", "ScheduledBackup")


def _database(app: str, text: str | None) -> dict[Key, str]:
    """The database objects the chart renders from a values file, if it enables one.

    A values file that does not parse is judged enabled: it then shows as unchanged rather
    than as a silent deletion (render validates values files, so this is not expected).
    """
    if text is None or "database:" not in text:
        return {}
    try:
        values = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return {(kind, f"{app}-db"): text for kind in DATABASE_KINDS}
    database = values.get("database") if isinstance(values, dict) else None
    if not isinstance(database, dict) or database.get("enabled") is not True:
        return {}
    fingerprint = _canonical(database)
    return {(kind, f"{app}-db"): fingerprint for kind in DATABASE_KINDS}


# -- yaml_emit's layout ---------------------------------------------------------------------

_DOCUMENT = re.compile(r"^---\n", re.M)
_LEADING_COMMENTS = re.compile(r"\A(?:#.*\n)+")
_KIND = re.compile(r"^kind: (.+)$", re.M)
_NAME = re.compile(r"^name: (.+)$", re.M)
_METADATA_NAME = re.compile(r"^metadata:\n(?:  .*\n)*?  name: (.+)$", re.M)
_ITEM = re.compile(r"^(?=- )", re.M)
_TARGET = re.compile(r"^target:\n((?:  .*\n)+)", re.M)
_PATCH = re.compile(r"^patch: \|-?\n((?:  .*\n|\n)*)", re.M)
_RENAME = re.compile(r"^- op: replace\n  path: /metadata/name\n  value: (.+)$", re.M)


def _documents_emitted(path: str, text: str, _: TenantBase) -> dict[Key, str] | None:
    found: dict[Key, str] = {}
    for doc in _DOCUMENT.split(text):
        doc = _LEADING_COMMENTS.sub("", doc)  # the file's header belongs to no object
        kind = _scalar(_KIND.search(doc))
        name = _METADATA_NAME.search(doc)
        if kind is None or (name is not None and _scalar(name) is None):
            return None
        key = (kind, _scalar(name) or posixpath.dirname(path))
        if key in found:
            return None
        found[key] = doc
    return found


def _overlay_emitted(path: str, text: str, base: TenantBase) -> dict[Key, str] | None:
    shared, found, patches = text.partition("\npatches:\n")
    if not found or any(line[:2] not in ("- ", "  ", "") for line in patches.split("\n")):
        return None
    parts: dict[Key, list[str]] = {key: [] for key in base}
    renames: dict[Key, str] = {}
    for item in filter(None, _ITEM.split(patches)):
        body = _dedent(item)
        patch = _PATCH.search(body)
        if patch is None:
            return None
        patch_text = _dedent(patch[1])
        target = _TARGET.search(body)
        where = _dedent(target[1]) if target else patch_text
        kind = _scalar(_KIND.search(where))
        name = _scalar((_NAME if target else _METADATA_NAME).search(where))
        if kind is None or name is None:
            return None
        parts.setdefault((kind, name), []).append(item)
        rename = _RENAME.search(patch_text) if target else None
        if rename is not None:
            new_name = _scalar(rename)
            if new_name is None:
                return None
            renames[(kind, name)] = new_name
    return {
        (kind, renames.get((kind, name), name)): shared + "".join(items)
        for (kind, name), items in parts.items()
    }


def _dedent(block: str) -> str:
    return "\n".join(line[2:] for line in block.split("\n"))


def _scalar(match: re.Match[str] | None) -> str | None:
    """The string a one-line scalar written by yaml_emit stands for; None if unsure."""
    if match is None:
        return None
    text = match[1]
    if text.startswith('"'):
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    if text[:1] in ("'", "&", "*", "!", "|", ">", "{", "[", "") or " #" in text:
        return None
    return text


# -- any YAML -----------------------------------------------------------------------------


def _documents_parsed(path: str, text: str, _: TenantBase) -> dict[Key, str] | None:
    found: dict[Key, str] = {}
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        return None
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
            return None
        metadata = doc.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        found[(doc["kind"], name if isinstance(name, str) else posixpath.dirname(path))] = (
            _canonical(doc)
        )
    return found


def _overlay_parsed(path: str, text: str, base: TenantBase) -> dict[Key, str] | None:
    try:
        doc = yaml.load(text, Loader=_Loader)
        shared = _canonical({k: v for k, v in doc.items() if k != "patches"})
        parts: dict[Key, list[str]] = {key: [] for key in base}
        renames: dict[Key, str] = {}
        for patch in doc.get("patches") or []:
            target, new_name = _patch_target(patch)
            parts.setdefault(target, []).append(_canonical(patch))
            if new_name is not None:
                renames[target] = new_name
    except (yaml.YAMLError, AttributeError, TypeError, KeyError):
        return None
    return {
        (kind, renames.get((kind, name), name)): "\n".join([shared, *texts])
        for (kind, name), texts in parts.items()
    }


def _patch_target(patch: dict[str, Any]) -> tuple[Key, str | None]:
    """The base object a kustomize patch applies to, and the name a JSON 6902 patch gives it."""
    body = yaml.load(patch["patch"], Loader=_Loader)
    target = patch.get("target")
    if isinstance(target, dict):
        renamed = None
        for op in body if isinstance(body, list) else []:
            if op.get("op") == "replace" and op.get("path") == "/metadata/name":
                renamed = str(op.get("value"))
        return (str(target["kind"]), str(target["name"])), renamed
    return (str(body["kind"]), str(body["metadata"]["name"])), None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)

"""The tenants a scoped check must add for `consumes` (models/api.py): an application's check
reads the application it consumes, which may be another tenant's.

- the consumers of a changed tenant: a tenant with an application file that names
  `<changed>/` (removing an app or its `api` breaks them), or that spells something some
  other way (an escape, a tag, a byte outside ASCII), is in scope too;
- the providers of a tenant in scope: the tenants its applications' `consumes` name, so
  that the check sees whether each consumed application exists and declares `api`.

Only bytes are compared for the first, and only the files of the tenants in scope are parsed
for the second.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from generator.repo import layout
from generator.repo.view import RepoView
from generator.yamlio.reader import MAX_FILE_BYTES, LoadError, parse_request

_SUSPECT = re.compile(rb"[\\!\x00\x80-\xff]")


def _app_files(view: RepoView, tenant: str) -> Iterator[tuple[str, bytes]]:
    folder = layout.apps_dir(tenant)
    if view.kind(folder) != "dir":
        return
    for name in view.names(folder):
        path = f"{folder}/{name}"
        if name.endswith(layout.APP_SUFFIX) and view.kind(path) == "file":
            try:
                yield path, view.read(path, MAX_FILE_BYTES + 1)
            except OSError:
                continue


def consumers_of(view: RepoView, changed: Collection[str], folders: Collection[str]) -> set[str]:
    """The tenant folders (besides `changed`) whose applications may consume one of `changed`'s."""
    keys = [f"{name}/".encode() for name in changed]
    found: set[str] = set()
    if not keys:
        return found
    for folder in folders:
        if folder in changed:
            continue
        for _, raw in _app_files(view, folder):
            if (b"consumes" in raw and any(k in raw for k in keys)) or _SUSPECT.search(raw):
                found.add(folder)
                break
    return found


def providers_of(view: RepoView, tenants: Collection[str], folders: Collection[str]) -> set[str]:
    """The tenant folders the applications of `tenants` consume from."""
    found: set[str] = set()
    for tenant in tenants:
        for path, raw in _app_files(view, tenant):
            try:
                data: Any = parse_request(raw, path).data
            except LoadError:
                continue
            spec = data.get("spec") if isinstance(data, dict) else None
            consumes = spec.get("consumes") if isinstance(spec, dict) else None
            for item in consumes if isinstance(consumes, list) else []:
                if isinstance(item, str) and "/" in item:
                    found.add(item.split("/", 1)[0])
    return found & set(folders)

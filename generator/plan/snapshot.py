"""A revision of the repository, rendered into memory: what `berth render` would write for it.

The working tree is read where it is. A Git revision is the working tree with the paths that
differ put back as the revision holds them (`generator/repo/changes.py`,
`generator/repo/view.py` `OverlayView`), so only what a check loads is ever read; the blueprints
alone are extracted (with `git archive`) when they differ, since their templates are compiled
from files. Nothing is written into the repository.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from generator.load import RequestCache
from generator.problems import Problem, UsageError
from generator.render.pipeline import build
from generator.repo import layout
from generator.repo.changes import ChangeSet, change_set, git, resolve_revision
from generator.repo.git_env import git_argv, git_environment
from generator.repo.scope import Scope
from generator.repo.selection import Selection
from generator.repo.view import DiskView, OverlayView, RepoView
from generator.validate import ValidRepo
from generator.validate.check import check
from generator.yamlio.trusted import TrustedYAMLError, load_all_trusted, load_trusted

__all__ = ["change_set", "resolve_revision"]

BaseObject = tuple[str, str]  # (kind, metadata.name) of an object in blueprints/tenant


@dataclass(frozen=True)
class Snapshot:
    """The generated files of one revision (path -> text) and what its requests were."""

    label: str
    files: dict[str, str]
    valid: ValidRepo | None
    problems: list[Problem]
    # The objects of the platform's tenant base, so overlay changes can name what they touch.
    tenant_base: tuple[BaseObject, ...] = field(default=())
    # The tenants whose files `files` holds (None: every tenant), what was checked, and the
    # tenants read besides them (their neighbours).
    tenants: frozenset[str] | None = None
    note: str = ""
    around: frozenset[str] = frozenset()


def snapshot_of(root: str, label: str = "working tree") -> Snapshot:
    return snapshot_in(DiskView(root), label)


def snapshot_in(
    view: RepoView,
    label: str,
    scope: Scope | None = None,
    *,
    tenants: frozenset[str] | None = None,
    around: frozenset[str] = frozenset(),
    blueprints_root: str | None = None,
    cache: RequestCache | None = None,
    like: Mapping[str, str] | None = None,
) -> Snapshot:
    """The snapshot of `view`: of the tenants `scope` can affect, or of `tenants` when given
    (the base of a scoped plan renders the head's tenants). `like`: the other side's files,
    whose texts are kept instead of equal ones built here."""
    checked = check(
        view, scope, cache, blueprints_root=blueprints_root, tenants=tenants, around=around
    )
    valid = checked.valid
    tenant_base_of = tenant_base(
        blueprints_root or view.root, view if blueprints_root is None else None
    )
    if valid is None:
        return Snapshot(
            label, {}, None, checked.problems, (), checked.tenants, checked.note, checked.around
        )
    change = None if scope is None else scope.change
    built = build(view, valid, Selection(checked.tenants, change), front=False)
    files: dict[str, str] = {}
    for unit in built.units:
        texts = unit.build()
        if like is not None:
            # Most files of a plan's two sides are equal: keeping one string for both halves
            # what the texts hold (bench/results.md).
            texts = {p: like[p] if like.get(p) == t else t for p, t in texts.items()}
        files.update(texts)
    files[layout.CODEOWNERS_FILE] = built.codeowners
    return Snapshot(
        label,
        files,
        valid,
        checked.problems,
        tenant_base_of,
        checked.tenants,
        checked.note,
        checked.around,
    )


def base_view(root: str, change: ChangeSet) -> RepoView:
    """The repository as `change.base_sha` holds it, read through the working tree."""
    return OverlayView(DiskView(root), change.before)


@contextmanager
def base_blueprints(root: str, change: ChangeSet) -> Iterator[str | None]:
    """A folder holding the base's blueprints/ when the change touches them (else None: the
    working tree's are the base's)."""
    prefix = f"{layout.BLUEPRINTS_DIR}/"
    if not any(p.startswith(prefix) for p in change.paths):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="berth-plan-") as tmp:
        listing = git(root, "ls-tree", "--name-only", "-z", change.base_sha).decode().split("\0")
        if layout.BLUEPRINTS_DIR in listing:
            _extract(root, change.base_sha, [layout.BLUEPRINTS_DIR], tmp)
        yield tmp


def snapshot_of_revision(root: str, ref: str) -> tuple[str, Snapshot]:
    """(commit id, snapshot) of a Git revision of the repository at `root`, in full."""
    change = change_set(root, ref)
    with base_blueprints(root, change) as blueprints:
        label = f"{ref} ({change.base_sha[:7]})"
        return change.base_sha, snapshot_in(
            base_view(root, change), label, blueprints_root=blueprints
        )


def _extract(root: str, sha: str, paths: list[str], dest: str) -> None:
    args = git_argv(root, "archive", "--format=tar", sha, "--", *paths)
    failure = ""
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=errors, env=git_environment()
        ) as proc:
            assert proc.stdout is not None
            try:
                # Streamed, and through the "data" filter: no absolute paths, no links out of
                # `dest`, no device files, whatever the archive holds.
                with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                    archive.extractall(dest, filter="data")
            except tarfile.TarError as exc:
                failure = str(exc)
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip()
    if proc.returncode != 0 or failure:
        raise UsageError(f"git archive {sha} failed: {said or failure}")


def tenant_base(root: str, view: RepoView | None = None) -> tuple[BaseObject, ...]:
    """(kind, name) of each object `blueprints/tenant` holds; () if it cannot be read.

    Read from `view` when given, else from the folder `root` (an extracted revision)."""
    source = view if view is not None else DiskView(root)
    base = layout.TENANT_BASE_DIR
    try:
        kustomization = load_trusted(source.read(f"{base}/kustomization.yaml").decode())
        resources = kustomization.get("resources") or []
        found: list[BaseObject] = []
        for resource in resources:
            path = os.path.normpath(f"{base}/{resource}").replace(os.sep, "/")
            if not path.startswith(f"{base}/") or source.kind(path) != "file":
                continue
            docs = load_all_trusted(source.read(path).decode())
            found += [obj for doc in docs if (obj := _identity(doc))]
        return tuple(found)
    except (OSError, UnicodeDecodeError, TrustedYAMLError, AttributeError):
        return ()


def _identity(doc: Any) -> BaseObject | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
        return None
    kind, name = doc.get("kind"), doc["metadata"].get("name")
    return (kind, name) if isinstance(kind, str) and isinstance(name, str) else None

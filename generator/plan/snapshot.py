"""A revision of the repository, rendered into memory: what `berth render` would write for it.

The working tree is read where it is; a Git revision is first extracted (its inputs only) into
a temporary folder with `git archive`. Neither writes anything into the repository.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator import layout
from generator.load import load_repo
from generator.problems import Problem, UsageError
from generator.render.codeowners import codeowners
from generator.render.tree import render_all
from generator.validate import ValidRepo, validate_repo

INPUTS = layout.INPUTS

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


def snapshot_of(root: str, label: str = "working tree") -> Snapshot:
    raw = load_repo(root)
    valid, problems = validate_repo(raw)
    if valid is None:
        return Snapshot(label, {}, None, problems)
    files = render_all(valid)
    try:
        with open(os.path.join(root, layout.CODEOWNERS_FILE), encoding="utf-8") as fh:
            existing: str | None = fh.read()
    except FileNotFoundError:
        existing = None
    files[layout.CODEOWNERS_FILE] = codeowners(existing, valid.tenants)
    return Snapshot(label, files, valid, problems, tenant_base(root))


def resolve_revision(root: str, ref: str) -> str:
    """The commit id `ref` names, or a UsageError."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--base {ref!r} is not a Git revision")
    out = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    sha = out.decode().strip()
    if not sha:
        raise UsageError(
            f"--base {ref!r} is not a commit in {os.path.abspath(root)}"
            " (a shallow clone may lack it: fetch the history, e.g. fetch-depth: 0 or GIT_DEPTH: 0)"
        )
    return sha


def snapshot_of_revision(root: str, ref: str) -> tuple[str, Snapshot]:
    """(commit id, snapshot) of a Git revision of the repository at `root`."""
    sha = resolve_revision(root, ref)
    listing = _git(root, "ls-tree", "--name-only", "-z", sha).decode().split("\0")
    present = sorted(INPUTS.intersection(listing))
    with tempfile.TemporaryDirectory(prefix="berth-plan-") as tmp:
        if present:
            _extract(root, sha, present, tmp)
        snapshot = snapshot_of(tmp, label=f"{ref} ({sha[:7]})")
    return sha, snapshot


def _extract(root: str, sha: str, paths: list[str], dest: str) -> None:
    args = ["git", "-C", root, "archive", "--format=tar", sha, "--", *paths]
    failure = ""
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors) as proc:
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


def _git(root: str, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", root, *args], capture_output=True, timeout=300)
    except FileNotFoundError:
        raise UsageError("git is not installed; `berth plan` needs it to read --base") from None
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and proc.stderr):
        said = proc.stderr.decode(errors="replace").strip()
        raise UsageError(f"git {args[0]} failed in {os.path.abspath(root)}: {said}")
    return proc.stdout


def tenant_base(root: str) -> tuple[BaseObject, ...]:
    """(kind, name) of each object `blueprints/tenant` holds; () if it cannot be read."""
    base = os.path.abspath(os.path.join(root, layout.TENANT_BASE_DIR))
    try:
        with open(os.path.join(base, "kustomization.yaml"), encoding="utf-8") as fh:
            resources = yaml.safe_load(fh).get("resources") or []
        found: list[BaseObject] = []
        for resource in resources:
            path = os.path.normpath(os.path.join(base, str(resource)))
            if not path.startswith(base + os.sep) or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as fh:
                found += [obj for doc in yaml.safe_load_all(fh) if (obj := _identity(doc))]
        return tuple(found)
    except (OSError, yaml.YAMLError, AttributeError):
        return ()


def _identity(doc: Any) -> BaseObject | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
        return None
    kind, name = doc.get("kind"), doc["metadata"].get("name")
    return (kind, name) if isinstance(kind, str) and isinstance(name, str) else None

"""`berth verify --changed-from REF`: build only the Applications whose files changed.

For a pull request's check. The root and every plain-directory source (the tenants' Argo CD
objects) are always read, so every project and Application is still checked; only the helm and
kustomize builds of Applications none of whose files changed are skipped. Any change outside
`environments/` and `tenants/` (a blueprint, the chart, platform.yaml, a CRD folder) may touch
every build, so it means a full verify; so do files git cannot diff.
"""

from __future__ import annotations

import posixpath
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator import layout
from generator.problems import UsageError

_NO_EFFECT = (".md",)


def changed_files(root: str, base: str) -> list[str]:
    """Files that differ between `base` and the working tree, untracked ones included."""
    found: set[str] = set()
    for args in (
        ["diff", "--name-only", "-z", "--no-renames", base, "--"],
        ["ls-files", "--others", "--exclude-standard", "-z"],
    ):
        try:
            proc = subprocess.run(
                ["git", "-C", root, *args], capture_output=True, timeout=300, check=False
            )
        except FileNotFoundError:
            raise UsageError("git is not installed; --changed-from needs it") from None
        if proc.returncode != 0:
            said = proc.stderr.decode(errors="replace").strip()
            raise UsageError(f"git {args[0]} {base} failed: {said}")
        found.update(name for name in proc.stdout.decode().split("\0") if name)
    return sorted(found)


def needs_everything(changed: Sequence[str]) -> bool:
    # Berth's state folder and the owners file never reach a build.
    no_effect = (f"{layout.ENVIRONMENTS_DIR}/", f"{layout.TENANTS_DIR}/", f"{layout.STATE_DIR}/")
    return any(
        not name.startswith(no_effect)
        and name != layout.CODEOWNERS_FILE
        and not name.endswith(_NO_EFFECT)
        for name in changed
    )


def affected_by(changed: Sequence[str]) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an Application's source folder or one of its value files holds a change."""

    def affected(app: Mapping[str, Any]) -> bool:
        source = (app.get("spec") or {}).get("source") or {}
        path = posixpath.normpath(str(source.get("path", "")))
        values = [
            posixpath.normpath(posixpath.join(path, str(v)))
            for v in (source.get("helm") or {}).get("valueFiles") or []
        ]
        if path in ("", "."):
            return True
        return any(name in values or name.startswith(f"{path}/") for name in changed)

    return affected

"""What the clusters report: an exported `argocd app list -o json`, read for `berth status --live`.

`berth status` reads Git, so on its own it says what each environment is *told* to run. Argo CD
knows what it has applied and whether that is healthy; Berth has no access to it (no cluster
credentials in CI), so the platform exports the list and hands it over as a file:

    argocd app list -o json > live.json            # a JSON array of Application objects
    kubectl get applications -n argocd -o json     # the same objects as a List ({"items": [...]})

Both shapes are read. Each Application is matched by name to the one `berth render` generates
for an application in an environment (`<tenant>-<app>-<environment>`), and its
`status.sync.status` (Synced, OutOfSync, Unknown), `status.health.status` (Healthy,
Progressing, Degraded, Suspended, Missing, Unknown), `status.sync.revision` and
`status.summary.images` are kept, as the Application CRD names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.problems import BerthError, Problem

MAX_LIVE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Live:
    """One Application as Argo CD reported it."""

    sync: str  # "" when the export carries no status (an Application never reconciled)
    health: str
    revision: str
    images: tuple[str, ...]

    def label(self) -> str:
        return f"{self.sync or 'Unknown'}/{self.health or 'Unknown'}"


def read_live(path: str) -> dict[str, Live]:
    """The Applications of an exported list, by name; a BerthError naming the file otherwise."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_LIVE_BYTES + 1)
    except OSError as exc:
        raise _problem(path, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_LIVE_BYTES:
        raise _problem(path, f"is larger than {MAX_LIVE_BYTES} bytes")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise _problem(
            path, "is not UTF-8 text; export it with `argocd app list -o json`"
        ) from None
    except json.JSONDecodeError as exc:
        raise _problem(
            path, f"is not JSON ({exc.msg}); export it with `argocd app list -o json`",
            exc.lineno, exc.colno,
        ) from None  # fmt: skip
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise _problem(
            path,
            "is not a list of Argo CD Applications: expected the JSON array of"
            " `argocd app list -o json` or a List with `items`",
        )
    live: dict[str, Live] = {}
    for index, item in enumerate(items):
        name = _get(item, "metadata", "name")
        if not isinstance(name, str) or not name:
            raise _problem(path, f"item [{index}] is not an Application: it has no metadata.name")
        images = _get(item, "status", "summary", "images")
        live[name] = Live(
            sync=_text(_get(item, "status", "sync", "status")),
            health=_text(_get(item, "status", "health", "status")),
            revision=_text(_get(item, "status", "sync", "revision")),
            images=tuple(sorted(i for i in images if isinstance(i, str)))
            if isinstance(images, list)
            else (),
        )
    return live


def _get(item: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _problem(path: str, message: str, line: int = 1, col: int = 1) -> BerthError:
    return BerthError([Problem(path, line, col, "", message)])

"""One entry of verify's cache (cache.py) as a file: what the walk keeps of a checked build,
sealed with the digest of its bytes.

The file is a first line with the digest of the rest, then the entry's JSON on one line (JSON
text holds no line break), then the build's network view as JSON on a line of its own, read
only when a flow run is judged again (flow_verdicts.py). A file that does not read, does not
match its digest or is the entry of another key is a miss, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.problems import Problem
from generator.verify.cache_key import digest
from generator.verify.prerequisites import Need
from generator.verify.runtime import View
from generator.verify.sources import Located


@dataclass(frozen=True)
class Entry:
    """What the walk keeps of one checked build."""

    problems: tuple[Problem, ...]
    argocd: tuple[Located, ...]
    namespaces: frozenset[str]
    objects: int
    # Whether the source can come to hold nothing (convergence.can_become_empty), from the
    # files the build read: the key holds them and the declaring file.
    may_empty: bool | None
    # What the runtime flows read of the build (runtime.network_view): a reused build feeds
    # them as a built one does. Kept as its JSON text after the entry's own, decoded only
    # by a flow run that is not recalled (flow_verdicts.py).
    network: View
    # What the build's objects need in the cluster (prerequisites.build_needs).
    needs: tuple[Need, ...] = ()


def problem_rows(problems: Iterable[Problem]) -> list[list[Any]]:
    """Problems as JSON rows (an entry's, a flow verdict's)."""
    return [[p.file, p.line, p.col, p.field, p.message, p.severity] for p in problems]


def problems_of(rows: Any) -> tuple[Problem, ...] | None:
    """The problems of `problem_rows`; None if any row is not one."""
    try:
        found = tuple(
            Problem(str(f), int(line), int(col), str(where), str(msg), sev)
            for f, line, col, where, msg, sev in rows
            if sev in ("error", "warning")
        )
        return found if len(found) == len(rows) else None
    except (ValueError, TypeError):
        return None


def seal(payload: Mapping[str, Any], tail: str = "") -> bytes:
    """A digest line, the payload's JSON (one line: JSON text holds no line break), and
    `tail`, a text read only when asked for."""
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    if tail:
        raw += b"\n" + tail.encode("utf-8", "surrogatepass")
    return digest(raw).encode() + b"\n" + raw


def unseal(key: str, raw: bytes) -> tuple[dict[str, Any], str] | None:
    """The payload and tail of an entry file, if it is whole and is the entry of `key`."""
    head, _, body = raw.partition(b"\n")
    if head.decode("ascii", "replace") != digest(body):
        return None
    main, _, tail = body.partition(b"\n")
    try:
        data = json.loads(main)
        text = tail.decode("utf-8", "surrogatepass")
    except ValueError:
        return None
    return (data, text) if isinstance(data, dict) and data.get("key") == key else None


def kept_value(key: str, raw: bytes | None) -> Any:
    found = None if raw is None else unseal(key, raw)
    return None if found is None else found[0].get("value")


def encode(key: str, entry: Entry) -> bytes | None:
    argocd = [[at.obj, at.file, at.line] for at in entry.argocd]
    payload = {
        "key": key,
        "problems": problem_rows(entry.problems),
        "argocd": argocd,
        "namespaces": sorted(entry.namespaces),
        "objects": entry.objects,
        "may_empty": entry.may_empty,
        "network": sorted(entry.network.namespaces),
        "needs": [list(need) for need in entry.needs],
    }
    sealed = seal(payload, entry.network.text)
    # JSON turns a non-string key or a tuple into something else: keep only what comes back
    # (the view is its text already: what this run read is what a later one reads).
    back = json.loads(sealed.split(b"\n")[1])
    if back["argocd"] != argocd:
        return None
    return sealed


def decode(key: str, raw: bytes) -> Entry | None:
    found = unseal(key, raw)
    if found is None:
        return None
    data, text = found
    try:
        problems = problems_of(data["problems"])
        if problems is None:
            return None
        argocd = tuple(Located(obj, str(f), int(line)) for obj, f, line in data["argocd"])
        if not all(isinstance(at.obj, dict) for at in argocd):
            return None
        may_empty, network = data["may_empty"], data["network"]
        if may_empty not in (True, False, None) or not isinstance(network, list):
            return None
        needs = tuple((str(component), str(what)) for component, what in data["needs"])
        return Entry(
            problems,
            argocd,
            frozenset(map(str, data["namespaces"])),
            int(data["objects"]),
            may_empty,
            View(frozenset(map(str, network)), text),
            needs,
        )
    except (ValueError, TypeError, KeyError):
        return None

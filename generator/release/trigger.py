"""A bump asked for by another repository: a GitHub dispatch payload or GitLab variables.

The app repository's CI sends tenant, app, environment and tag or digest (an image app), or
version (a chart app's chart version, as `berth bump --version`). Those values are
whatever that CI (or whoever holds its token) put there, so they are data only: they come
from the event file (`repository_dispatch`: `client_payload`; `workflow_dispatch`:
`inputs`) or from environment variables (a GitLab pipeline trigger's `BERTH_*` variables),
never from a shell or an expression, and `berth bump` checks every one of them
(generator/release/target.py) before it uses any. Here they are only picked out and given a shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.problems import BerthError, Problem

EVENT_TYPE = "berth-bump"
FIELDS = ("tenant", "app", "environment", "tag", "digest", "version")
VARIABLES = {field: f"BERTH_{field.upper()}" for field in FIELDS}
MAX_VALUE = 256  # longer than any valid name, tag or digest


@dataclass(frozen=True)
class BumpRequest:
    target: str  # TENANT/APP, checked by release.parse_target
    env: str
    tag: str | None
    digest: str | None
    version: str | None = None  # a chart app's chart version, never with tag or digest


def from_event(payload: dict[str, Any], source: str) -> BumpRequest:
    """The bump in a `repository_dispatch` (type berth-bump) or `workflow_dispatch` payload."""
    if "client_payload" in payload:
        if payload.get("action") != EVENT_TYPE:
            raise _problem(source, "action", f"the dispatch type must be {EVENT_TYPE!r}")
        values = payload.get("client_payload")
        where = "client_payload"
    elif isinstance(payload.get("inputs"), dict) and "workflow" in payload:
        values, where = payload["inputs"], "inputs"
    else:
        raise _problem(source, "", "is neither a repository_dispatch nor a workflow_dispatch event")
    if not isinstance(values, dict):
        raise _problem(source, where, "must be a mapping")
    return _request({k: values.get(k) for k in FIELDS}, source, where)


def from_variables(environ: Mapping[str, str]) -> BumpRequest:
    """The bump in the `BERTH_TENANT`, `BERTH_APP`, ... variables of a pipeline trigger."""
    return _request(
        {field: environ.get(name) for field, name in VARIABLES.items()},
        "<variables>",
        lambda field: VARIABLES[field],
    )


def _request(values: dict[str, Any], source: str, where: str | Callable[[str], str]) -> BumpRequest:
    def name(field: str) -> str:
        return where(field) if callable(where) else f"{where}.{field}"

    problems = []
    clean: dict[str, str | None] = {}
    for field, value in values.items():
        if value is None or value == "":
            clean[field] = None
        elif not isinstance(value, str) or len(value) > MAX_VALUE:
            problems.append(
                Problem(source, 1, 1, name(field), f"must be text of at most {MAX_VALUE}")
            )
        else:
            clean[field] = value
    for field in ("tenant", "app", "environment"):
        if field in clean and clean[field] is None:
            problems.append(Problem(source, 1, 1, name(field), "is required"))
    image = [field for field in ("tag", "digest") if clean.get(field) is not None]
    if clean.get("version") is not None and image:
        # One release is either an image or a chart; which of the two the app takes is for
        # `berth bump` to say, against the repository.
        problems.append(
            Problem(
                source, 1, 1, name("version"),
                f"a chart app's version is given alone: remove {' and '.join(map(name, image))}"
                " (they release an image)",
            )
        )  # fmt: skip
    if problems:
        raise BerthError(problems)
    return BumpRequest(
        target=f"{clean['tenant']}/{clean['app']}",
        env=clean["environment"] or "",
        tag=clean["tag"],
        digest=clean["digest"],
        version=clean["version"],
    )


def _problem(source: str, field: str, message: str) -> BerthError:
    return BerthError([Problem(source, 1, 1, field, message)])

"""`berth comment --file FILE [--marker berth:plan]`: the one sticky comment on this PR/MR.

The pull request is the one the CI job runs for (`pull_request.number` of the GitHub event
payload, or `CI_MERGE_REQUEST_IID` on GitLab). A second run updates the comment carrying the
marker instead of adding one. Without a token this is a dry run that prints (exit 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from generator.hosts import ci
from generator.hosts.base import hidden_marker
from generator.hosts.connect import Connect, DryRunHost, host_from_environment
from generator.problems import UsageError

TRUNCATED = "\n\n(truncated to fit the comment size limit; see the job log)\n"


def run(
    path: str,
    *,
    marker: str,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    connect: Connect = host_from_environment,
) -> int:
    try:
        tag = hidden_marker(marker)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        with open(path, encoding="utf-8") as fh:
            body = fh.read(ci.COMMENT_LIMIT * 4)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    body = fit_comment(body, tag)
    host = connect(environ, out=out)
    number = ci.pull_request_number(environ)
    if number is None:
        if isinstance(host, DryRunHost):
            out.write(
                "[dry run] no pull request or merge request to comment on (neither a"
                " pull_request event in GITHUB_EVENT_PATH nor CI_MERGE_REQUEST_IID);"
                f" the comment marked {tag} would be:\n{body}"
            )
            return 0
        raise UsageError(
            "no pull request to comment on: this job's event has no pull_request.number"
            " (GITHUB_EVENT_PATH) and CI_MERGE_REQUEST_IID is not set"
        )
    url = host.upsert_comment("pull", number, body, marker=marker)
    out.write(f"berth: comment {url}\n")
    return 0


def fit_comment(body: str, tag: str) -> str:
    """`body` with `tag` first, cut to the host's size limit if it is longer."""
    text = body if tag in body else f"{tag}\n{body}"
    if len(text) <= ci.COMMENT_LIMIT:
        return text
    return text[: ci.COMMENT_LIMIT - len(TRUNCATED)] + TRUNCATED

"""The one interface Berth's CI commands use to talk to a Git host.

Three implementations: GitHub (`github.py`), GitLab (`gitlab.py`) and a dry run that only prints
(`dryrun.py`; docs/commands.md, after the exit codes). Callers get one from
`host_from_environment`.

Both operations are idempotent ("upsert"), because a CI job is re-run on every push or
issue edit: running twice must update what the first run made, never add a second one.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal, Protocol, runtime_checkable

from generator.problems import HostError
from generator.repo.pull_request import LabelEvent as LabelEvent
from generator.repo.pull_request import LabelHistory as LabelHistory
from generator.repo.pull_request import LabelReader, PullRequestWriter, ReviewReader
from generator.repo.pull_request import Reviews as Reviews

# GitHub numbers issues and pull requests in one sequence; GitLab gives merge requests and
# issues separate iids, so `!3` and `#3` are different things there. Callers always say
# which one they mean.
Kind = Literal["pull", "issue"]


class GitHostError(HostError):
    """A request the host refused for good (401, 403, 404, 422, ...) or kept failing.

    The message is complete for a user (what was attempted, the HTTP status, the host's own
    words, and a hint), so the CLI prints `str(error)` and no traceback. It never contains
    a token.
    """


@runtime_checkable
class GitHost(PullRequestWriter, ReviewReader, LabelReader, Protocol):
    def describe(self) -> str:
        """One line for logs: which host, which project; never the token."""
        ...

    def upsert_comment(self, kind: Kind, number: int, body: str, *, marker: str) -> str:
        """Create or update the one comment on PR/MR or issue `number` that carries `marker`.

        `marker` is plain text such as `berth:plan`; it is embedded in the body as a hidden
        HTML comment, which is how the next run finds the comment again. Returns its URL.
        """
        ...


_MARKER_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/-]*")


def hidden_marker(marker: str) -> str:
    """The HTML comment that tags a sticky comment: `berth:plan` -> `<!-- berth:plan -->`.

    Accepts the comment itself too. The text is restricted so that it can neither end the
    HTML comment early nor show up in the rendered Markdown.
    """
    text = marker.strip()
    if text.startswith("<!--") and text.endswith("-->"):
        text = text[4:-3].strip()
    if not _MARKER_TEXT.fullmatch(text) or "--" in text:
        raise ValueError(f"invalid comment marker {marker!r}: use letters, digits and :._/-")
    return f"<!-- {text} -->"


def with_marker(body: str, tag: str) -> str:
    """`body` carrying `tag` (from `hidden_marker`), first so that it survives truncation."""
    return body if tag in body else f"{tag}\n{body}"


def git_blob_sha(content: bytes) -> str:
    """The object id Git gives `content` as a blob: what GitHub trees list as `sha` and
    GitLab as `blob_id`, so unchanged files are recognised without downloading them."""
    header = f"blob {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


def check_proposal(
    branch: str, base: str, files: dict[str, bytes], deleted: tuple[str, ...] = ()
) -> None:
    """Reject arguments no host would accept, before any request is made."""
    if not branch or not base:
        raise ValueError("branch and base must not be empty")
    if branch == base:
        raise ValueError(f"the branch to propose from must differ from the base {base!r}")
    if set(files) & set(deleted):
        raise ValueError(f"files both written and deleted: {sorted(set(files) & set(deleted))}")
    for path in (*files, *deleted):
        parts = path.split("/")
        if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"file path {path!r} must be relative, without '.' or '..'")


def unreachable(host: str, action: str, url: str, exc: Exception) -> str:
    """The message for a request that never got an HTTP answer (DNS, refused, timeout)."""
    # requests wraps urllib3's MaxRetryError, whose `reason` is the useful part; its text
    # starts with a connection object's repr ("HTTPConnection(host=..., port=...): ").
    reason = getattr(exc.args[0] if exc.args else None, "reason", None) or exc
    text = str(reason)
    if text.startswith("HTTP") and "): " in text:
        text = text.split("): ", 1)[1]
    return f"{host}: {action} failed: could not reach {url}: {text}"


def noun(kind: Kind, number: int, *, gitlab: bool = False) -> str:
    """How a user would name the target: `pull request #3`, `merge request !3`, `issue #3`."""
    if kind == "issue":
        return f"issue #{number}"
    return f"merge request !{number}" if gitlab else f"pull request #{number}"

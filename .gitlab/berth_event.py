"""What the trusted `publish` job needs from a GitLab webhook payload, checked before use.

Run by .gitlab-ci.yml with the default branch's Python, on the payload GitLab hands a
triggered pipeline (TRIGGER_PAYLOAD, a file). Standard library only: nothing from a merge
request is imported or installed before this runs.

    berth_event.py kind FILE            prints the payload's object_kind (issue, merge_request, ...)
    berth_event.py merge-request FILE   prints iid=, sha=, source_branch=, target_branch=,
                                        same_project= lines for the open merge request the
                                        payload names; exit 3 if there is none to publish for

The payload only supplies the merge request's iid: everything else is read back from the
GitLab API (CI_API_V4_URL, CI_PROJECT_ID, BERTH_GITLAB_TOKEN from the environment), so a
forged payload can name a merge request but cannot change what is published for it. Every
printed value is validated (digits, a 40-hex commit id, a conservative branch name), so the
shell that reads the lines never sees text it could misinterpret.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
from typing import Any

BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}")
SHA = re.compile(r"[0-9a-f]{40}")
NOT_PUBLISHABLE = 3


def _payload(path: str) -> dict[str, Any]:
    with open(path, "rb") as fh:
        data = json.loads(fh.read(25 * 1024 * 1024))
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: the payload is not a JSON object")
    return data


def _kind(payload: dict[str, Any]) -> str:
    kind = payload.get("object_kind")
    return kind if isinstance(kind, str) and re.fullmatch(r"[a-z_]{1,40}", kind) else "unknown"


def _api(path: str) -> dict[str, Any]:
    base = os.environ["CI_API_V4_URL"].rstrip("/")
    project = os.environ["CI_PROJECT_ID"]
    if not project.isdigit():
        raise SystemExit("CI_PROJECT_ID is not a number")
    request = urllib.request.Request(
        f"{base}/projects/{project}/{path}",
        headers={"PRIVATE-TOKEN": os.environ.get("BERTH_GITLAB_TOKEN", "")},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (CI_API_V4_URL)
            data = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        hint = " (is BERTH_GITLAB_TOKEN set, protected, with scope api?)" if exc.code in (401, 403) else ""
        raise SystemExit(f"GitLab API {path}: HTTP {exc.code}{hint}") from None
    except (OSError, ValueError) as exc:
        raise SystemExit(f"GitLab API {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SystemExit(f"GitLab API {path}: not a JSON object")
    return data


def _branch(value: Any) -> str:
    if not isinstance(value, str) or not BRANCH.fullmatch(value) or ".." in value:
        raise SystemExit(f"branch name {value!r} is not one Berth publishes to")
    return value


def merge_request(payload: dict[str, Any]) -> list[str] | None:
    attributes = payload.get("object_attributes")
    iid = attributes.get("iid") if isinstance(attributes, dict) else None
    if _kind(payload) != "merge_request" or not isinstance(iid, int) or iid <= 0:
        return None
    found = _api(f"merge_requests/{iid}")
    sha = found.get("sha")
    if found.get("state") != "opened" or not isinstance(sha, str) or not SHA.fullmatch(sha):
        return None
    same = found.get("source_project_id") == found.get("target_project_id") == int(
        os.environ["CI_PROJECT_ID"]
    )
    return [
        f"iid={iid}",
        f"sha={sha}",
        f"source_branch={_branch(found.get('source_branch'))}",
        f"target_branch={_branch(found.get('target_branch'))}",
        f"same_project={'true' if same else 'false'}",
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("kind", "merge-request"):
        print(__doc__, file=sys.stderr)
        return 2
    payload = _payload(argv[2])
    if argv[1] == "kind":
        print(_kind(payload))
        return 0
    lines = merge_request(payload)
    if lines is None:
        return NOT_PUBLISHABLE
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

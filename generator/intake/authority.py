"""Who may ask, through an issue, for a change of an existing tenant.

The pull request intake opens is the bot's, so its code-owner review can be given by the very
owner who filed the issue; and anyone who can file or edit an issue could otherwise propose a
change to any tenant. So for a tenant that exists on the default branch, the issue's author and
the user whose action sent the event (an edit changes the request) must each be one of the
tenant's owners or a platform maintainer (`platform.yaml` spec.maintainers). A new tenant may
be requested by anyone: its folder has no owners yet and falls to the platform team's
catch-all in CODEOWNERS.

Owners and maintainers are read from the checkout of the default branch, never from the issue.
"""

from __future__ import annotations

import os

from generator.intake.event import IssueEvent
from generator.models.common import is_team
from generator.problems.code_spans import code
from generator.repo import layout
from generator.yamlio.reader import LoadError, load_request


def refusal(root: str, event: IssueEvent, tenant: str) -> str | None:
    """None if the people behind `event` may request a change of `tenant`; else why not.

    `tenant` must be a valid tenant name already (it becomes a path).
    """
    owners = _names(root, layout.tenant_file(tenant), "owners")
    if owners is None:
        return None  # no such tenant on the default branch
    maintainers = _names(root, layout.PLATFORM_FILE, "maintainers") or []
    allowed = {name.lower() for name in (*owners, *maintainers)}
    people = list(dict.fromkeys(p for p in (event.author, event.sender) if p))
    outsiders = [p for p in people if p.lower() not in allowed] if people else ["(unknown)"]
    if not outsiders:
        return None
    who = ", ".join(code(p) for p in outsiders)
    listed = ", ".join(code(o) for o in owners) or "none"
    teams = [code(o) for o in owners if is_team(o)]
    said = (
        f"Tenant {code(tenant)} exists, and requests to change it through an issue must come from"
        f" one of its owners ({listed}) or a platform maintainer; this issue was opened or"
        f" changed by {who}. Ask an owner to file it, or open a pull request: the tenant's"
        " owners review it."
    )
    if teams:
        # Fail closed: the workflow's token cannot read a team's members.
        said += (
            f" Members of {', '.join(teams)} count only when listed by name: Berth cannot read"
            " a team's members, while a pull request gets the team's code-owner review."
        )
    return said


def _names(root: str, path: str, field: str) -> list[str] | None:
    """spec.<field> of a request file as a list of strings; None if the file is absent."""
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        return None
    try:
        doc = load_request(full, path)
    except LoadError:
        return []  # unreadable: nobody is allowed through it
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    names = spec.get(field) if isinstance(spec, dict) else None
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

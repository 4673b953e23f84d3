"""What a rejected request issue gets: its problems through the one reporter, word for word.

Problems of the request file read as `berth validate` prints them; problems of a form field
(a missing answer, no such tenant) name the issue and the field's label, `issue #1:1:1`.
The job log has the same problems as text, the issue comment as the reporter's Markdown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.commands.intake import MAX_MESSAGE, MAX_PROBLEMS, rejection_comment
from generator.intake.event import issue_event
from generator.intake.proposal import Rejection, propose
from generator.problems import Problem
from tests.support.repo import berth, make_repo
from tests.support.tools import reference

HEAD = (
    "**This request cannot become a pull request yet.** Edit the issue to fix these problems;"
    " Berth checks it again after every edit.\n\n"
)
FORM = """\
### Tenant name

{name}

### Description

Invoices and dunning

### Owners

{owners}

### Group

acme/billing

### Cost center

CC-5000

### Environments

- [X] dev
- [ ] staging
- [ ] prod

### Size

small

### Monthly budget

_No response_
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("intake") / "checkout", commit=False, render=True)


def event_file(tmp_path: Path, body: str) -> Path:
    payload = json.loads(reference("github", "webhooks", "issues.opened.payload.json").read_text())
    payload["issue"]["body"] = body
    payload["issue"]["labels"] = [{"name": "tenant-request", "color": "ededed"}]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def rejected(checkout: Path, tmp_path: Path, body: str) -> Rejection:
    event = issue_event(json.loads(event_file(tmp_path, body).read_text()))
    result = propose(str(checkout), event)
    assert isinstance(result, Rejection)
    return result


def test_a_request_file_problem_in_the_comment(checkout: Path, tmp_path: Path) -> None:
    rejection = rejected(checkout, tmp_path, FORM.format(name="billing", owners="@dave, bad_user!"))

    assert rejection.request is not None
    assert rejection_comment(rejection) == (
        HEAD + "### berth intake: 1 error\n"
        "\n"
        "- `tenants/billing/tenant.yaml:12:5` `spec.owners[1]`: `'bad_user!' is neither a Git"
        " hosting username (ASCII letters, digits and single '-', at most 39) nor a team"
        " (org/team)`\n"
        "\n"
        "<details><summary>The request file built from this issue (the line numbers above refer"
        " to it)</summary>\n"
        "\n"
        f"```yaml\n{rejection.request}```\n"
        "\n"
        "</details>\n"
    )


def test_form_field_problems_name_the_issue_and_the_label(checkout: Path, tmp_path: Path) -> None:
    rejection = rejected(checkout, tmp_path, FORM.format(name="_No response_", owners=""))

    assert rejection == Rejection(
        (
            Problem("issue #1", 1, 1, "Tenant name", "no response: it is required"),
            Problem("issue #1", 1, 1, "Owners", "no response: it is required"),
        )
    )
    assert rejection_comment(rejection) == (
        HEAD + "### berth intake: 2 errors\n"
        "\n"
        "- `issue #1:1:1` `Tenant name`: `no response: it is required`\n"
        "- `issue #1:1:1` `Owners`: `no response: it is required`\n"
    )


def test_the_job_log_has_the_problems_as_text(checkout: Path, tmp_path: Path) -> None:
    body = FORM.format(name="_No response_", owners="@dave, bad_user!")

    code, out, err = berth(checkout, "intake", "--event", str(event_file(tmp_path, body)))

    assert code == 1, err
    assert out == (
        "issue #1:1:1: Tenant name: no response: it is required\n"
        "[dry run] would create or update the comment marked <!-- berth:intake --> on issue #1"
        " of the Git host, with this body:\n"
        "    <!-- berth:intake -->\n"
        f"    {HEAD.rstrip()}\n"
        "    \n"
        "    ### berth intake: 1 error\n"
        "    \n"
        "    - `issue #1:1:1` `Tenant name`: `no response: it is required`\n"
        "berth: the request in issue #1 is invalid; commented: dry-run://issue/1/comment\n"
    )


def test_long_lists_and_long_messages_are_cut_in_the_comment() -> None:
    problems = tuple(
        Problem("issue #1", 1, 1, "Owners", f"{i}: " + "x" * 5000) for i in range(MAX_PROBLEMS + 5)
    )

    comment = rejection_comment(Rejection(problems))

    bullets = [line for line in comment.splitlines() if line.startswith("- `issue")]
    assert len(bullets) == MAX_PROBLEMS
    assert all(len(line) < MAX_MESSAGE + 60 and line.endswith("...`") for line in bullets)
    assert comment.endswith("- and 5 more (see the job log)\n")
    assert f"### berth intake: {MAX_PROBLEMS + 5} errors\n" in comment

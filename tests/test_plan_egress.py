"""`berth plan` names every egress grant a change gives, takes or moves, per environment."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.repo import berth, commit_all, make_repo, write

API = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: ghcr.io/acme/payments-api
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  egress: [card-processor]
  environments:
    dev: {tag: "1.4.0", replicas: 1}
    prod: {tag: "1.3.2", replicas: 3}
"""


def plan(root: Path) -> tuple[list[str], str]:
    code, out, err = berth(root, "plan", "--base", "main", "--format", "json")
    assert code == 0, out + err
    data = json.loads(out)
    code, markdown, err = berth(root, "plan", "--base", "main", "--format", "markdown")
    assert code == 0, markdown + err
    return data["egress"], markdown


def test_a_new_grant_shows_in_every_environment_where_the_app_runs(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/payments/apps/api.yaml": API})
    egress, markdown = plan(root)
    assert egress == [
        "+ egress card-processor (443) for payments/api in dev",
        "+ egress card-processor (443) for payments/api in prod",
    ]
    assert "- `+ egress card-processor (443) for payments/api in prod`\n" in markdown
    _, text, _ = berth(root, "plan", "--base", "main")
    assert (
        "egress outside the cluster:\n  + egress card-processor (443) for payments/api in dev\n"
        in text
    )


def test_a_grant_taken_away_or_moved_by_the_platform(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/payments/apps/api.yaml": API})
    commit_all(root)
    write(root, {"tenants/payments/apps/api.yaml": API.replace("  egress: [card-processor]\n", "")})
    assert plan(root)[0] == [
        "- egress card-processor (443) for payments/api in dev",
        "- egress card-processor (443) for payments/api in prod",
    ]
    write(root, {"tenants/payments/apps/api.yaml": API})
    platform = (root / "platform.yaml").read_text()
    write(
        root,
        {
            "platform.yaml": platform.replace(
                "ports: [443], description", "ports: [443, 8443], description"
            )
        },
    )
    assert plan(root)[0] == [
        "~ egress card-processor (443, 8443) to 203.0.113.0/24 for payments/api in dev",
        "~ egress card-processor (443, 8443) to 203.0.113.0/24 for payments/api in prod",
    ]


def test_no_grant_no_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/payments/apps/api.yaml": API.replace("  egress: [card-processor]\n", "")})
    egress, markdown = plan(root)
    assert egress == [] and "Egress outside the cluster" not in markdown

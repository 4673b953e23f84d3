"""An edited request issue changes only its form's fields of an existing request file.

The form has no `allowFrom`, no quota overrides, no `env` or `secrets`: an edit of the issue
must keep them, with the file's comments and layout (generator/intake/merge.py and
generator/yamlio/edit.py), and an environment the form no longer ticks goes away.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.intake.event import issue_event
from generator.intake.merge import merge_form
from generator.intake.proposal import Proposal, propose
from tests.support.repo import PAYMENTS, make_repo, write
from tests.test_intake import github_event, tenant_form

COMMENTED = PAYMENTS.replace(
    "  allowFrom: [checkout]\n",
    "  allowFrom: [checkout]   # who may call us: not on the form\n",
).replace("  owners: [alice, bob]\n", "  owners: [alice, bob]     # reviewers\n")


def test_the_form_updates_its_fields_and_keeps_the_others_byte_for_byte(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False, render=True)
    write(root, {"tenants/payments/tenant.yaml": COMMENTED})
    body = tenant_form(
        name="payments",
        description="Card payments, refunds and payouts",
        owners="alice, bob",
        group="acme/payments",
        cost_center="CC-1042",
        environments=("dev", "prod"),
        size="large",
    )
    event = issue_event(json.loads(github_event(tmp_path, "edited", body).read_text()))

    result = propose(str(root), event)

    assert isinstance(result, Proposal), result
    text = result.files["tenants/payments/tenant.yaml"].decode()
    assert text == (
        COMMENTED.replace("Card payments and refunds", "Card payments, refunds and payouts")
        .replace("    dev: {size: small}\n", "    dev: {size: large}\n")
        .replace("    staging: {size: medium}\n", "")
    )
    assert "allowFrom: [checkout]   # who may call us: not on the form" in text
    assert 'prod: {size: large, quota: {cpu: "12"}}' in text
    # Dropping staging deletes its generated files on the branch.
    assert "environments/staging/tenants/payments/argocd.yaml" in result.stale


def test_merge_keeps_what_the_form_does_not_own() -> None:
    existing = {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api"},
        "spec": {
            "blueprint": "web-service",
            "image": "ghcr.io/acme/api",
            "port": 8080,
            "resources": {"cpu": "250m", "memory": "256Mi"},
            "env": {"LOG_LEVEL": "info"},
            "environments": {
                "dev": {"tag": "1.0.0", "digest": "sha256:" + "a" * 64, "replicas": 1},
                "prod": {"tag": "0.9.0", "replicas": 3, "autoscale": {"min": 3, "max": 9}},
            },
        },
    }
    form = {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api"},
        "spec": {
            "blueprint": "web-service",
            "image": "ghcr.io/acme/api",
            "resources": {"cpu": "500m", "memory": "256Mi"},
            "environments": {"dev": {"tag": "1.1.0", "replicas": 2}},
        },
    }

    merged = merge_form(existing, form, "Application")

    assert merged["spec"]["env"] == {"LOG_LEVEL": "info"}
    assert "port" not in merged["spec"]  # on the form, left empty: removed
    assert merged["spec"]["resources"] == {"cpu": "500m", "memory": "256Mi"}
    assert merged["spec"]["environments"] == {
        "dev": {"tag": "1.1.0", "digest": "sha256:" + "a" * 64, "replicas": 2}
    }

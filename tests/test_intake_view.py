"""Intake checks a proposed request in a view of the checkout in memory: nothing is copied into
a temporary folder, nothing is written, and a request path cannot leave `tenants/`."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from generator.intake.event import issue_event
from generator.intake.proposal import Proposal, Rejection, propose
from tests.support.repo import tree
from tests.support.tools import reference
from tests.test_intake_comment import FORM


def event(body: str) -> Any:
    payload = json.loads(reference("github", "webhooks", "issues.opened.payload.json").read_text())
    payload["issue"]["body"] = body
    payload["issue"]["labels"] = [{"name": "tenant-request", "color": "ededed"}]
    return issue_event(payload)


def test_a_request_is_checked_without_copying_the_checkout(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(checkout)

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("intake copied the repository")

    for name in ("TemporaryDirectory", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refused)
    for name in ("copytree", "copy2", "copyfile"):
        monkeypatch.setattr(shutil, name, refused)

    result = propose(str(checkout), event(FORM.format(name="billing", owners="@dave")))

    assert isinstance(result, Proposal)
    assert "environments/dev/tenants/billing/argocd.yaml" in result.files
    assert tree(checkout) == before


def test_the_proposed_file_is_what_validate_reads(checkout: Path) -> None:
    # The view holds the request the issue asks for: its problems are found, on its lines.
    result = propose(str(checkout), event(FORM.format(name="billing", owners="@dave, bad_user!")))

    assert isinstance(result, Rejection)
    assert [p.file for p in result.problems] == ["tenants/billing/tenant.yaml"]
    assert not (checkout / "tenants" / "billing").exists()


def test_a_tenant_folder_that_links_elsewhere_is_refused(checkout: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, checkout / "tenants" / "billing")

    with pytest.raises(ValueError, match="outside tenants/"):
        propose(str(checkout), event(FORM.format(name="billing", owners="@dave")))

    assert list(elsewhere.iterdir()) == []

"""The Backstage catalog lists each scenario as a Resource of its tenant, with its expiry."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.repo import layout
from tests.support.backstage import load_entities, validate
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, write
from tests.support.scenarios import scenario_platform

QA = """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: qa
spec:
  description: QA of the refunds flow
  base: dev
  expires: "2026-12-19"
  size: small
"""


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = scenario_platform(tmp_path / "repo", monkeypatch)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API, "tenants/payments/scenarios/qa.yaml": QA})
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    return root / layout.CATALOG_DIR


def test_a_scenario_is_a_resource_of_its_tenant(catalog: Path) -> None:
    entities = load_entities(catalog / "tenants" / "payments.yaml")
    [resource] = [e for e in entities if e["metadata"]["name"] == "qa-scenario"]
    assert resource == {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Resource",
        "metadata": {
            "name": "qa-scenario",
            "namespace": "payments",
            "title": "payments/qa (scenario in dev until 2026-12-19)",
            "description": "QA of the refunds flow",
            "annotations": {
                "berth.dev/request": "tenants/payments/scenarios/qa.yaml",
                "berth.dev/expires": "2026-12-19",
                "berth.dev/environments": "dev",
                "berth.dev/namespaces": "payments-qa-dev",
                "backstage.io/kubernetes-namespace": "payments-qa-dev",
            },
            "tags": ["scenario"],
        },
        "spec": {
            "type": "environment",
            "owner": "group:payments/payments",
            "system": "system:payments/payments",
        },
    }


@pytest.mark.tools
def test_the_catalog_with_a_scenario_validates_with_backstage(catalog: Path) -> None:
    assert validate(load_entities(*sorted(catalog.rglob("*.yaml")))) == {}

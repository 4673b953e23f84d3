"""The longest application name with a database, derived from CloudNativePG and tested at the edge.

CloudNativePG's webhook refuses a Cluster name over 50 characters; a ScheduledBackup creates
Backups named `<scheduledbackup>-<YYYYMMDDhhmmss>` and that name is written into a label value
(63 characters at most). The chart names both objects `<app>-db`, so the limit is 45: the
longest valid name renders, passes `helm template` and the CRD schemas, and gives Backup names
that are valid label values; one character more is refused by `berth validate`.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.validate.app_rules import CNPG_MAX_CLUSTER_NAME, MAX_DATABASE_APP_NAME
from generator.verify.kube_schema import validate_objects
from tests.support.cli import run
from tests.support.tools import REPO, helm_template, reference

CASES = REPO / "tests" / "cases" / "apps"
BACKUP_TIME = "20261231235959"  # the widest value of CloudNativePG's 14-digit suffix


def name_of(length: int) -> str:
    stem = "orders-ledger-"
    return (stem + "x" * length)[: length - 1] + "z"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    return root


def write_app(repo: Path, name: str) -> None:
    path = repo / "tenants" / "checkout" / "apps" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "apiVersion: berth.dev/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}}}\nspec:\n  blueprint: worker\n"
        "  image: ghcr.io/acme/orders\n  resources: {cpu: 100m, memory: 128Mi}\n"
        "  database: {engine: postgres, size: small}\n"
        '  environments:\n    dev: {tag: "1.0.0"}\n    prod: {tag: "1.0.0"}\n'
    )


def chart_objects(repo: Path, values: Path, name: str, namespace: str) -> list[dict[str, Any]]:
    text = helm_template(repo / "blueprints/chart", [values], name=name, namespace=namespace)
    return [d for d in yaml.safe_load_all(text) if d]


def backup_name(scheduled: dict[str, Any]) -> str:
    return f"{scheduled['metadata']['name']}-{BACKUP_TIME}"


def label_problems(scheduled: dict[str, Any]) -> list[str]:
    """Problems of the Backup name as the label value CloudNativePG writes it into.

    Berth ships no Backup or VolumeSnapshot CRD (it renders neither), so the label goes on a copy
    of the ScheduledBackup that will create the Backup: the API server's label rules are the
    same on every kind, and the copy is otherwise valid.
    """
    carrier = copy.deepcopy(scheduled)
    carrier["metadata"].setdefault("labels", {})["cnpg.io/backupName"] = backup_name(scheduled)
    return validate_objects([carrier])


def test_the_limit_is_the_tighter_of_the_two_rules() -> None:
    assert (
        MAX_DATABASE_APP_NAME
        == min(CNPG_MAX_CLUSTER_NAME, 63 - len("-" + BACKUP_TIME)) - len("-db")
        == 45
    )


@pytest.mark.tools
def test_the_longest_name_renders_and_every_object_is_valid(repo: Path) -> None:
    reference("crds")
    name = name_of(MAX_DATABASE_APP_NAME)
    assert len(name) == 45
    write_app(repo, name)
    code, out, err = run("--root", str(repo), "render")
    assert code == 0, out + err

    values = repo / f"environments/prod/tenants/checkout/apps/{name}.values.yaml"
    docs = chart_objects(repo, values, name, "checkout-prod")
    by_kind = {d["kind"]: d for d in docs}
    cluster, scheduled = by_kind["Cluster"], by_kind["ScheduledBackup"]
    assert cluster["metadata"]["name"] == scheduled["metadata"]["name"] == f"{name}-db"
    assert len(cluster["metadata"]["name"]) <= CNPG_MAX_CLUSTER_NAME  # the webhook's rule
    assert len(backup_name(scheduled)) == 63
    assert validate_objects(docs) == []
    assert label_problems(scheduled) == []


@pytest.mark.tools
def test_one_character_more_is_refused_and_would_break_the_backup_label(repo: Path) -> None:
    assert run("--root", str(repo), "render")[0] == 0
    name = name_of(MAX_DATABASE_APP_NAME + 1)
    write_app(repo, name)
    code, out, _ = run("--root", str(repo), "validate", "--format", "text")
    assert code == 1
    assert out.splitlines() == [
        f"tenants/checkout/apps/{name}.yaml:3:18: metadata.name: {name!r} is 46 characters; with"
        f" a database at most 45: its CloudNativePG ScheduledBackup {name}-db would create"
        f" Backups named {name}-db-<14-digit time>, over the 63 characters of a label value (and"
        " a Cluster name may have at most 50)"
    ]
    # What CloudNativePG would do with it: a Backup name that no label can carry. The chart is
    # rendered directly, past berth's refusal.
    values = yaml.safe_load(
        (repo / "environments/prod/tenants/payments/apps/api.values.yaml").read_text()
    )
    values["name"] = name
    path = repo / "longer.values.yaml"
    path.write_text(yaml.safe_dump(values))
    scheduled = next(
        d
        for d in chart_objects(repo, path, name, "payments-prod")
        if d["kind"] == "ScheduledBackup"
    )
    assert scheduled["metadata"]["name"] == f"{name}-db"
    problems = label_problems(scheduled)
    assert len(problems) == 1 and '$.metadata.labels["cnpg.io/backupName"]' in problems[0], problems

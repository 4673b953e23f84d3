"""The objects `berth plan` names: render's own objects, a YAML parse where render holds none.

The example repository is rendered once; each test compares two texts of one of its files the
way `compare` does, with render's objects on the side whose text render wrote and a parse on
the side a hand (or an older Berth) edited.
"""

from __future__ import annotations

import copy
import pickle
from functools import cache

import pytest

from generator.plan.diff import FileChange, object_changes, owner
from generator.plan.objects import VALUES_SUFFIX, Rendered, _values, objects_of
from generator.plan.snapshot import Snapshot, snapshot_of
from generator.repo import layout
from generator.yamlio.writer import Dumped, dump_kept
from tests.support.example import example

EXAMPLE = example()


OVERLAY = "environments/dev/tenants/payments/guardrails/kustomization.yaml"
VALUES = "environments/dev/tenants/payments/apps/api.values.yaml"
ARGOCD = "environments/dev/tenants/payments/argocd.yaml"


@cache
def example() -> tuple[Snapshot, Rendered]:
    snapshot = snapshot_of(str(EXAMPLE))
    assert snapshot.valid is not None
    return snapshot, Rendered(snapshot.valid, snapshot.tenant_base)


def changes(path: str, old: str, new: str) -> list[tuple[str, str]]:
    """(action, Kind/name) of each object that differs, old read as render's, new parsed."""
    snapshot, rendered = example()
    parsed = Rendered(None, snapshot.tenant_base)
    found = object_changes(FileChange(path, "update", old, new), (rendered, parsed))
    return [(o.action, o.label) for o in found]


def text(path: str) -> str:
    return example()[0].files[path]


def test_render_holds_the_objects_of_every_yaml_file_and_a_parse_names_the_same() -> None:
    snapshot, rendered = example()
    parsed = Rendered(None, snapshot.tenant_base)
    yaml_files = [p for p in snapshot.files if p.endswith(".yaml")]
    assert len(yaml_files) >= 40
    for path in yaml_files:
        content = snapshot.files[path]
        assert rendered.objects(path, content, owner(path)) is not None, path
        held, read = objects_of(path, content, content, (rendered, parsed), owner(path))
        assert held == read, path
        assert all(kind != "File" for kind, _ in held), path
        if path.endswith(VALUES_SUFFIX):
            # The plan parses values files back instead of building their unit again: the
            # parse must name what render's own objects name.
            app = path.rsplit("/", 1)[1].removesuffix(VALUES_SUFFIX)
            assert _values(app, rendered.objects(path, content, owner(path)) or []) == held, path


def test_a_file_whose_text_render_did_not_write_is_parsed() -> None:
    _, rendered = example()
    edited = text(ARGOCD) + "# a note by hand\n"

    assert rendered.objects(ARGOCD, edited, owner(ARGOCD)) is None
    assert changes(ARGOCD, text(ARGOCD), edited) == []  # a comment changes no object


def test_a_hand_edit_names_the_object_it_changes() -> None:
    edited = text(ARGOCD).replace("prune: true", "prune: false", 1)
    assert edited != text(ARGOCD)

    assert changes(ARGOCD, text(ARGOCD), edited) == [("change", "Application/payments-dev")]


def test_an_overlay_patch_change_names_its_base_object() -> None:
    edited = text(OVERLAY).replace("enforce: baseline", "enforce: restricted")

    assert changes(OVERLAY, text(OVERLAY), edited) == [("change", "Namespace/payments-dev")]


def test_an_overlay_label_changes_every_object_of_the_base() -> None:
    edited = text(OVERLAY).replace("cost-center: CC-1042", "cost-center: CC-9")
    base = example()[0].tenant_base

    found = changes(OVERLAY, text(OVERLAY), edited)

    # the base's objects, and those of the folders the overlay adds (alerts, dashboard)
    assert len(found) >= len(base) > 5
    assert ("change", "Namespace/payments-dev") in found  # renamed by the overlay
    assert all(action == "change" for action, _ in found)


def test_turning_a_database_off_removes_its_objects() -> None:
    edited = text(VALUES).replace("database:\n  enabled: true", "database:\n  enabled: false")
    assert edited != text(VALUES)

    assert changes(VALUES, text(VALUES), edited) == [
        ("change", "Values/api"),
        ("remove", "Cluster/api-db"),
        ("remove", "ScheduledBackup/api-db"),
    ]


def test_a_database_without_a_backup_schedule_has_no_scheduled_backup() -> None:
    """A scenario's database (backupSchedule empty): the chart renders its Cluster only."""
    schedule = next(line for line in text(VALUES).splitlines() if "backupSchedule:" in line)
    edited = text(VALUES).replace(schedule, "  backupSchedule: ''")
    assert edited != text(VALUES)

    assert changes(VALUES, text(VALUES), edited) == [
        ("change", "Cluster/api-db"),
        ("change", "Values/api"),
        ("remove", "ScheduledBackup/api-db"),
    ]


@pytest.mark.parametrize(
    "broken",
    [
        "kind: [unclosed\n",  # not YAML
        "- just\n- a list\n",  # YAML, but no object
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",  # one object twice
    ],
)
def test_what_holds_no_objects_is_compared_as_one_file(broken: str) -> None:
    assert changes(ARGOCD, text(ARGOCD), broken) == [("change", f"File/{ARGOCD}")]


def test_an_overlay_patch_of_an_unknown_shape_is_compared_as_one_file() -> None:
    edited = text(OVERLAY) + "- path: patch-from-a-file.yaml\n"

    assert changes(OVERLAY, text(OVERLAY), edited) == [("change", f"File/{OVERLAY}")]


def test_a_tenants_root_entry_adds_its_application() -> None:
    # Each tenant's -argocd Application is its own file in a shard of the environment root.
    path = layout.tenant_root_file("prod", "payments")
    header = "".join(line for line in text(path).splitlines(True) if line.startswith("#"))

    found = changes(path, header + "[]\n", text(path))

    assert found == [("add", "Application/payments-prod-argocd")]


def test_a_new_file_and_a_deleted_file() -> None:
    snapshot, rendered = example()
    create = FileChange(ARGOCD, "create", "", text(ARGOCD))
    delete = FileChange(ARGOCD, "delete", text(ARGOCD), "")
    sides = (rendered, rendered)

    assert {(o.action, o.label) for o in object_changes(create, sides)} == {
        ("add", "AppProject/payments-dev"),
        ("add", "Application/payments-dev"),
        ("add", "Application/payments-api-dev"),
    }
    assert {o.action for o in object_changes(delete, sides)} == {"remove"}
    assert snapshot.valid is not None


def test_a_kept_patch_is_its_text_and_keeps_its_value_through_copies() -> None:
    patch = dump_kept([{"op": "replace", "path": "/metadata/name", "value": "a-dev"}])

    assert patch == "- op: replace\n  path: /metadata/name\n  value: a-dev\n"
    for copied in (copy.deepcopy(patch), pickle.loads(pickle.dumps(patch))):
        assert isinstance(copied, Dumped) and copied == patch and copied.value == patch.value

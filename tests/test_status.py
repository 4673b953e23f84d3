"""`berth status`: Git's desired state, and with `--live FILE` what Argo CD reported next to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.verify.crd_schema import CrdIndex, vendored_crd_dir
from tests.support.cli import berth

LIVE = Path(__file__).parent / "cases" / "status" / "argocd-app-list.json"


def test_the_header_says_it_is_git_not_the_cluster(app_checkout: Path) -> None:
    code, text, _ = berth(app_checkout, "status")
    assert code == 0
    assert text.splitlines()[0] == (
        "Desired state in Git (what Argo CD is told to run; --live FILE adds what it reports)"
    )
    _, markdown, _ = berth(app_checkout, "status", "--format", "markdown")
    assert "Desired state in Git: what Argo CD is told to run, not what the clusters report." in (
        markdown
    )
    _, data, _ = berth(app_checkout, "status", "--format", "json")
    assert json.loads(data)["desiredState"] == "git"
    assert json.loads(data)["live"] is None


def test_live_sync_and_health_stand_next_to_each_environment(app_checkout: Path) -> None:
    code, text, err = berth(app_checkout, "status", "--live", str(LIVE))
    assert code == 0, err
    assert text == (
        f"Desired state in Git, with [sync/health] as Argo CD reported them in {LIVE}\n"
        "APP           DEV                     STAGING                        PROD\n"
        "payments/api  1.4.0 [Synced/Healthy]  1.4.0 [OutOfSync/Progressing]  1.3.2 * [not in export]\n"
        "* differs from the environment before it: `berth promote` moves it\n"
    )


def test_live_in_json_and_markdown(app_checkout: Path) -> None:
    _, data, _ = berth(app_checkout, "status", "--live", str(LIVE), "--format", "json")
    envs = json.loads(data)["apps"][0]["environments"]
    assert envs["staging"]["live"] == {
        "sync": "OutOfSync",
        "health": "Progressing",
        "revision": "4b2a9c7e1d3f5a6b8c0d2e4f6a8b0c1d3e5f7a9b",
        "images": ["ghcr.io/acme/payments-api:1.3.2"],
    }
    assert envs["prod"]["live"] is None
    _, markdown, _ = berth(app_checkout, "status", "--live", str(LIVE), "--format", "markdown")
    assert "| `payments/api` | `1.4.0` `[Synced/Healthy]` |" in markdown


def test_a_kubectl_list_reads_as_the_argocd_array(app_checkout: Path, tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    items = json.loads(LIVE.read_text())
    listed.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    by_list = berth(app_checkout, "status", "--live", str(listed))[1]
    by_array = berth(app_checkout, "status", "--live", str(LIVE))[1]
    assert by_list.replace(str(listed), "F") == by_array.replace(str(LIVE), "F")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[1,\n", ":2:1: is not JSON (Expecting value); export it with `argocd app list -o json`"),
        ('{"a": 1}', ":1:1: is not a list of Argo CD Applications"),
        ('[{"status": {}}]', ":1:1: item [0] is not an Application: it has no metadata.name"),
        (b"\xff\xfe[", ":1:1: is not UTF-8 text"),
    ],
)
def test_an_unreadable_export_is_one_problem_line(
    app_checkout: Path, tmp_path: Path, content: str | bytes, said: str
) -> None:
    export = tmp_path / "live.json"
    if isinstance(content, bytes):
        export.write_bytes(content)
    else:
        export.write_text(content)
    code, out, err = berth(app_checkout, "status", "--live", str(export))
    assert (code, out) == (1, "")
    assert err.startswith(f"{export}{said}")
    assert err.count("\n") == 1


def test_a_missing_export_is_named(app_checkout: Path, tmp_path: Path) -> None:
    code, _, err = berth(app_checkout, "status", "--live", str(tmp_path / "nope.json"))
    assert code == 1
    assert err == f"{tmp_path / 'nope.json'}:1:1: cannot read: No such file or directory\n"


def test_the_fixture_is_what_the_application_crd_allows() -> None:
    validator = CrdIndex([vendored_crd_dir()]).validator("argoproj.io", "v1alpha1", "Application")
    for item in json.loads(LIVE.read_text()):
        obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **item}
        errors = [e.message for e in validator.iter_errors(obj)]
        assert errors == [], item["metadata"]["name"]

"""`berth verify` checks that Argo CD converges alone (retries, sync waves, and pruning down to
nothing where a source can empty): the example reports nothing, and a tree edited to drop a
wave, a retry or an allowEmpty is reported on the file and line of the Application."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.repo.layout import all_shards
from generator.verify.convergence import batch_issues, can_become_empty
from tests.support.example import example as example_root
from tests.test_verify import PAYMENTS, doc_line, edit, example, found, verify_json

EXAMPLE = example_root()

pytestmark = [pytest.mark.tools, pytest.mark.usefixtures("tools_on_path")]

__all__ = ["example"]  # a fixture shared with test_verify

ARGOCD = f"{PAYMENTS}/argocd.yaml"
SHARDS = "environments/dev/shards.yaml"
EMPTY = (
    "prunes automatically without allowEmpty, and its source can come to hold nothing (it"
    " holds only other tenants' files, or nothing now): Argo CD's automated sync never"
    " prunes an Application down to no resources, so when the last of them leaves their"
    " Applications and namespaces stay; set allowEmpty: true"
)


def test_a_dropped_wave_on_an_app_is_reported(example: Path) -> None:
    path = example / ARGOCD
    line = doc_line(path, "payments-api-dev")
    edit(path, 'argocd.argoproj.io/sync-wave: "1"', 'argocd.argoproj.io/sync-wave: "0"')
    code, problems = verify_json(example)
    assert code == 1
    wave = 'Application/payments-api-dev.metadata.annotations["argocd.argoproj.io/sync-wave"]'
    assert found(problems) == {
        (
            ARGOCD,
            line,
            wave,
            "wave 0 is not after wave 0 of Application payments-dev, which creates its"
            " namespace payments-dev",
        ),
    }


def test_a_project_in_a_later_wave_is_reported(example: Path) -> None:
    path = example / ARGOCD
    edit(path, 'argocd.argoproj.io/sync-wave: "-1"', 'argocd.argoproj.io/sync-wave: "1"')
    code, problems = verify_json(example)
    assert code == 1
    messages = {(p["field"], p["message"]) for p in problems}
    assert (
        'Application/payments-api-dev.metadata.annotations["argocd.argoproj.io/sync-wave"]',
        "wave 1 is not after wave 1 of its AppProject payments-dev, created in the same sync",
    ) in messages


def test_an_automated_application_without_retry_is_reported(example: Path) -> None:
    path = example / ARGOCD
    text = path.read_text()
    # The Application payments-dev (the AppProject of the same name comes first).
    line = text[: text.index("kind: Application\nmetadata:\n  name: payments-dev\n")].count("\n")
    retry = (
        '    retry:\n      limit: 8\n      backoff:\n        duration: "15s"\n'
        '        factor: 2\n        maxDuration: "5m"\n'
    )
    assert text.count(retry) == 2  # the guardrails and the api
    path.write_text(text.replace(retry, "", 1))
    code, problems = verify_json(example)
    assert code == 1
    assert found(problems) == {
        (
            ARGOCD,
            line,
            "Application/payments-dev.spec.syncPolicy.retry",
            "an automated Application without a retry: Argo CD never tries a failed sync of"
            " the same commit again",
        )
    }


def test_the_rules_on_one_batch() -> None:
    def obj(kind: str, name: str, wave: str | None, **spec: object) -> dict[str, object]:
        meta: dict[str, object] = {"name": name}
        if wave is not None:
            meta["annotations"] = {"argocd.argoproj.io/sync-wave": wave}
        return {"kind": kind, "metadata": meta, "spec": spec}

    dest = {"namespace": "t-dev"}
    batch = [
        obj("AppProject", "t-dev", None),
        obj("Application", "guard", None, destination=dest, project="platform"),
        obj("Application", "api", "x", destination=dest, project="t-dev"),
        obj("Application", "web", None, destination=dest, project="t-dev"),
    ]
    creates = {"guard": frozenset({"t-dev"}), "api": None, "web": frozenset()}
    issues = [(o["metadata"]["name"], msg) for o, (_, msg) in batch_issues(batch, creates)]  # type: ignore[index]
    assert issues == [
        ("api", "is not a whole number"),
        (
            "web",
            "wave 0 is not after wave 0 of Application guard, which creates its namespace t-dev",
        ),
        ("web", "wave 0 is not after wave 0 of its AppProject t-dev, created in the same sync"),
    ]
    # Unknown builds (not followed) make no claim either way.
    assert list(batch_issues(batch[1:2] + batch[3:], {"guard": None, "web": None})) == []


def _drop_allow_empty(path: Path, shard: str) -> int:
    """Remove allowEmpty from one shard's Application; the line of its document."""
    text = path.read_text()
    start = text.index(f"  name: {shard}\n")
    at = text.index("      allowEmpty: true\n", start)
    path.write_text(text[:at] + text[at + len("      allowEmpty: true\n") :])
    return doc_line(path, shard)


def test_a_shard_that_cannot_prune_to_nothing_is_reported(example: Path) -> None:
    """Shard 2 holds a tenant (web) now, shard 0 none: both can come to hold nothing."""
    path = example / SHARDS
    lines = {
        shard: _drop_allow_empty(path, shard)
        for shard in ("berth-dev-tenants-0", "berth-dev-tenants-2")
    }
    assert any((example / "environments/dev/shards/2").glob("*.yaml"))
    assert not (example / "environments/dev/shards/0").exists()
    code, problems = verify_json(example)
    assert code == 1
    assert found(problems) == {
        (SHARDS, line, f"Application/{shard}.spec.syncPolicy.automated.allowEmpty", EMPTY)
        for shard, line in lines.items()
    }


def test_which_sources_can_come_to_hold_nothing() -> None:
    env = "environments/dev"
    shard = [f"{env}/shards/2/web.yaml", f"{env}/shards/2/orders.yaml"]
    assert can_become_empty(f"{env}/shards.yaml", shard)
    assert can_become_empty(f"{env}/shards.yaml", [])  # no tenant in the shard now
    # A tenant's own Application reads the tenant's argocd.yaml, which lasts as long as it does.
    argocd = [f"{env}/tenants/web/argocd.yaml"] * 3
    assert not can_become_empty(f"{env}/shards/2/web.yaml", argocd)
    guardrails = [f"{env}/tenants/web/guardrails/kustomization.yaml"]
    assert not can_become_empty(f"{env}/tenants/web/argocd.yaml", guardrails)
    # The environment's own files (the admission policies) never all leave.
    assert not can_become_empty(f"{env}/bootstrap.yaml", [f"{env}/policies/policies.yaml"])
    assert not can_become_empty(f"{env}/shards.yaml", [*shard, f"{env}/policies/policies.yaml"])


def test_the_allow_empty_rule_on_one_batch() -> None:
    def app(name: str, **automated: object) -> dict[str, object]:
        policy = {"automated": automated, "retry": {"limit": 1}}
        return {"kind": "Application", "metadata": {"name": name}, "spec": {"syncPolicy": policy}}

    batch = [
        app("stuck", prune=True, selfHeal=True),
        app("allowed", prune=True, allowEmpty=True),
        app("keeps", prune=False),
        app("unknown", prune=True),
        app("fixed", prune=True),
    ]
    empty = {"stuck": True, "allowed": True, "keeps": True, "unknown": None, "fixed": False}
    issues = [(o["metadata"]["name"], msg) for o, (_, msg) in batch_issues(batch, {}, empty)]  # type: ignore[index]
    assert issues == [("stuck", EMPTY)]


def test_only_the_shards_may_prune_to_nothing() -> None:
    """allowEmpty switches off Argo CD's guard against a source emptied by mistake, so the
    rendered tree sets it where a source can empty (the shards, in sync: auto environments)
    and nowhere else: not on the admission policies, a tenant's or an app's Application."""
    allowing, pruning = set(), set()
    for path in sorted((EXAMPLE / "environments").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict) or doc.get("kind") != "Application":
                continue
            automated = (doc["spec"].get("syncPolicy") or {}).get("automated") or {}
            name = doc["metadata"]["name"]
            if automated.get("prune"):
                pruning.add(name)
            if automated.get("allowEmpty"):
                allowing.add(name)
    shards = {f"berth-{env}-tenants-{s}" for env in ("dev", "staging") for s in all_shards()}
    assert allowing == shards
    assert shards < pruning and "berth-dev-policies" in pruning

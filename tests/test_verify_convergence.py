"""`berth verify` checks that Argo CD converges alone (issue: retries and sync waves): the
example reports nothing, and a tree edited to drop a wave or a retry is reported on the file
and line of the Application, in every output format."""

from __future__ import annotations

from pathlib import Path

from generator.verify.convergence import batch_issues
from tests.test_verify import PAYMENTS, doc_line, edit, example, found, tools_on_path, verify_json

__all__ = ["example", "tools_on_path"]  # fixtures shared with test_verify

ARGOCD = f"{PAYMENTS}/argocd.yaml"


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

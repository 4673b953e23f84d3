"""`berth plan` on throwaway Git repositories: golden Markdown comments, deletions, the size cap.

Each test builds its base revision as a real Git commit (platform.yaml and blueprints/ copied
from this repository, tenants written inline here and in tests/support/repo.py) and changes the working tree on top.
Golden files live in tests/golden/plan/; regenerate them with `pytest --update-golden
tests/test_plan.py` and review the diff. The base commit's id is replaced by `0000000` in the
goldens, so they do not change with every edit of blueprints/.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from generator.plan import APPROVE_DELETION_LABEL, compare, make_plan
from generator.plan.markdown import MARKER, format_markdown
from generator.plan.snapshot import snapshot_of, snapshot_of_revision
from generator.problems import Problem
from generator.problems.code_spans import COMMENT_LIMIT
from tests.support.golden import updating
from tests.support.repo import PAYMENTS, SEARCH, berth, git, make_repo, tree, write
from tests.support.tools import reference

GOLDEN = Path(__file__).parent / "golden" / "plan"

BILLING = """\
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: billing
spec:
  description: Invoices
  owners: [dave]
  group: acme/billing
  costCenter: CC-5000
  environments:
    dev: {size: small}
    staging: {size: small}
"""

API_APP = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: ghcr.io/acme/payments-api
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  healthPath: /healthz
  environments:
    dev: {tag: "1.4.0", replicas: 1, host: payments.dev.acme.example}
    prod: {tag: "1.3.2", replicas: 3, host: payments.acme.example}
"""


def plan_markdown(root: Path, *extra: str) -> tuple[int, str, str]:
    code, out, err = berth(root, "plan", "--base", "main", "--format", "markdown", *extra)
    sha = git(root, "rev-parse", "main").strip()
    return code, out.replace(f"`{sha[:7]}`", "`0000000`"), err


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.md"
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden {path}; run with --update-golden and review it"
    assert text == path.read_text(), f"{path} differs; rerun with --update-golden to review"


# -- golden comments ------------------------------------------------------------------------


def test_add_a_tenant(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING})

    code, markdown, _ = plan_markdown(root)

    assert code == 0
    check_golden("add-tenant", markdown)
    assert markdown.startswith(MARKER)
    assert "| `billing` _(new)_ | +19 ~0 -0 |" in markdown
    assert "[!CAUTION]" not in markdown


def test_change_a_quota(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/payments/tenant.yaml": PAYMENTS.replace('cpu: "12"', 'cpu: "14"')})

    code, markdown, _ = plan_markdown(root)

    assert code == 0
    check_golden("change-quota", markdown)
    # 2 more CPUs at 24.00 a month each, in prod only; one object changes.
    assert "| `payments` | +0 ~1 -0 | 458.40 USD | +48.00 USD |" in markdown
    assert "- ~ changed: `ResourceQuota/quota`" in markdown
    assert '-        requests.cpu: "12"\n+        requests.cpu: "14"' in markdown


def test_add_an_application(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/payments/apps/api.yaml": API_APP})

    code, markdown, err = plan_markdown(root)

    assert code == 0, err
    check_golden("add-app", markdown)
    assert "Apps / month" in markdown
    assert "`Values/api`" in markdown and "`Application/payments-api-prod`" in markdown


def test_delete_a_tenant_in_production(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/search/tenant.yaml": None})

    code, markdown, _ = plan_markdown(root)

    assert code == 0  # without --fail-on-delete the plan only warns
    check_golden("delete-tenant-prod", markdown)
    warning = markdown.split("\n\n")[1]
    assert warning.startswith("> [!CAUTION]")
    assert (
        "> - `prod`, tenant `search`: Application `search-prod`,"
        " Application `search-prod-argocd`, Namespace `search-prod`"
    ) in warning
    assert "`dev`" not in warning  # dev syncs automatically: listed, but not a warning
    assert APPROVE_DELETION_LABEL in warning


def unrendered_removal(tmp_path: Path) -> Path:
    """Tenant search removed from a rendered, committed base, and nothing re-rendered."""
    root = make_repo(tmp_path / "repo", render=True)
    shutil.rmtree(root / "tenants" / "search")
    return root


@pytest.mark.parametrize("everyone", [False, True], ids=["scoped", "all"])
def test_a_tenant_removed_without_rendering_is_previewed_as_deletions(
    tmp_path: Path, everyone: bool
) -> None:
    root = unrendered_removal(tmp_path)
    args = ("--all",) if everyone else ()

    code, unrendered, err = plan_markdown(root, *args)

    assert code == 0, err
    assert "> - `prod`, tenant `search`: Application `search-prod`," in unrendered
    # The same plan as once the removal is rendered: the plan compares renders, not files.
    assert berth(root, "render")[0] == 0
    assert plan_markdown(root, *args)[1] == unrendered


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("environments/prod/tenants/search/argocd.yaml", None),  # edited by hand
        ("environments/prod/tenants/search/extra.yaml", "kind: ConfigMap\n"),  # never rendered
    ],
)
def test_a_removed_tenants_leftover_the_base_does_not_render_is_refused(
    tmp_path: Path, path: str, text: str | None
) -> None:
    root = unrendered_removal(tmp_path)
    target = root / path
    target.write_text(text if text is not None else target.read_text() + "# edited\n")

    code, _, err = plan_markdown(root)

    assert code == 1
    assert err.startswith(f"{path}:1:1: ")
    assert "no plan was made" in err
    assert "tenants/search/argocd.yaml" not in err.replace(path, "")  # the rest is previewed


def pull_request_event(tmp_path: Path, labels: list[str]) -> Path:
    payload = json.loads(
        reference("github", "webhooks", "pull_request.opened.payload.json").read_text()
    )
    payload["pull_request"]["labels"] = [{"name": name, "color": "ededed"} for name in labels]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def test_fail_on_delete_refuses_unless_the_pull_request_is_labelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/search/tenant.yaml": None})

    code, markdown, err = plan_markdown(root, "--fail-on-delete")
    assert code == 1
    assert "[!CAUTION]" in markdown
    assert f"adds the label '{APPROVE_DELETION_LABEL}' to approve" in err

    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pull_request_event(tmp_path, ["bug"])))
    assert plan_markdown(root, "--fail-on-delete")[0] == 1

    # With the label, who added it decides (test_plan_labels.py); with no host to ask, the
    # check fails closed.
    monkeypatch.setenv(
        "GITHUB_EVENT_PATH", str(pull_request_event(tmp_path, ["bug", APPROVE_DELETION_LABEL]))
    )
    code, _, err = plan_markdown(root, "--fail-on-delete")
    assert code == 2
    assert "cannot read the label events" in err


def test_fail_on_delete_reads_gitlab_merge_request_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/search/tenant.yaml": None})
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("CI_MERGE_REQUEST_LABELS", "backend,needs review")
    assert plan_markdown(root, "--fail-on-delete")[0] == 1
    monkeypatch.setenv("CI_MERGE_REQUEST_LABELS", f"backend,{APPROVE_DELETION_LABEL}")
    code, _, err = plan_markdown(root, "--fail-on-delete")
    assert code == 2 and "cannot read the label events of pull request #7" in err


def test_deleting_in_auto_sync_environments_only_is_not_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/search/tenant.yaml": SEARCH.replace("    dev: {size: small}\n", "")})

    code, markdown, _ = plan_markdown(root, "--fail-on-delete")

    assert code == 0
    assert "[!CAUTION]" not in markdown
    assert "| `search` _(removed)_ | +0 ~0 -19 | — | -62.80 USD |" in markdown


# -- size --------------------------------------------------------------------------------


def synthetic_tenant(n: int) -> str:
    return (
        PAYMENTS.replace("name: payments", f"name: team-{n:04d}")
        .replace("acme/payments", f"acme/team-{n:04d}")
        .replace("  allowFrom: [checkout]\n", "")
    )


def test_a_2000_tenant_change_stays_under_the_comment_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {f"tenants/team-{n:04d}/tenant.yaml": synthetic_tenant(n) for n in range(2000)})
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/platform")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    output = tmp_path / "plan.md"

    code, log, _ = berth(
        root, "plan", "--base", "main", "--format", "markdown", "--output", str(output)
    )

    markdown = output.read_text()
    assert code == 0
    assert len(markdown) < COMMENT_LIMIT
    print(f"2,000-tenant plan comment: {len(markdown)} characters")
    assert markdown.startswith(MARKER)
    assert (
        "This plan is truncated; see [the job log](https://github.com/acme/platform/actions/runs/4242)"
        in (markdown)
    )
    # Every environment keeps its table and its change of cost (a scoped plan gives no total);
    # the rows it could not show are summed.
    for env in ("dev", "staging", "prod"):
        assert f"### {env} (sync: " in markdown
    assert markdown.count("| **Change** |") == 3
    assert markdown.count("... and ") == 3
    # The job log (stdout) has everything, which the comment points to.
    assert "team-1999" in log and "+ Namespace/team-1999-prod" in log


def test_markdown_budget_holds_for_any_limit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING, "tenants/search/tenant.yaml": None})
    plan = make_plan(str(root), "main")
    full = format_markdown(plan)
    for limit in (len(full), 20_000, 8_000, 3_000):
        text = format_markdown(plan, limit=limit)
        assert len(text) <= limit
        assert text.startswith(MARKER)
        assert ("truncated" in text) == (limit < len(full))


# -- other outcomes and formats ----------------------------------------------------------------


def test_an_invalid_working_tree_shows_only_its_problems(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING.replace("small}\n", "huge}\n", 1)})

    code, markdown, err = plan_markdown(root)

    assert code == 1
    assert "berth validate" in err
    assert (
        "tenants/billing/tenant.yaml:11:17: spec.environments.dev.size: unknown size 'huge';"
        " the platform offers: small, medium, large"
    ) in markdown
    assert "###" not in markdown and "<details>" not in markdown


def test_an_invalid_base_is_compared_as_empty_with_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"billing": BILLING.replace("small}\n", "huge}\n", 1)})
    write(root, {"tenants/billing/tenant.yaml": BILLING})

    code, markdown, _ = plan_markdown(root)

    assert code == 0
    assert "> [!WARNING]\n> The base `main` does not validate" in markdown
    assert "| `billing` _(new)_ | +19 ~0 -0 |" in markdown


def test_warnings_of_a_valid_tree_are_shown(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING})
    sha, base = snapshot_of_revision(str(root), "main")
    warning = Problem("tenants/billing/tenant.yaml", 3, 1, "kind", "a test warning", "warning")
    head = dataclasses.replace(snapshot_of(str(root)), problems=[warning])

    plan = compare(base, head, base_ref="main", base_sha=sha)

    assert plan.valid
    assert "`berth validate` warns (1):\n\n```text\n" in format_markdown(plan)
    assert str(warning) in format_markdown(plan)


def test_no_change(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    code, markdown, _ = plan_markdown(root)
    assert code == 0
    assert "no changes to the generated files" in markdown


def test_text_and_json_formats(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING})

    code, text, _ = berth(root, "plan", "--base", "main")
    assert code == 0
    assert "  dev / billing (new): +19 ~0 -0, quota 62.80 USD (+62.80 USD)\n" in text
    assert "    + Namespace/billing-dev\n" in text
    assert "+++ b/environments/dev/tenants/billing/guardrails/kustomization.yaml\n" in text

    code, out, _ = berth(root, "plan", "--base", "main", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["valid"] is True
    assert data["summary"] == {
        "added": 38,
        "changed": 1,
        "removed": 0,
        "monthlyQuotaCost": None,  # scoped: billing alone is read
        "monthlyQuotaCostDelta": 125.6,
        "scope": "1 of 4 tenants read for this change",
    }
    code, out, _ = berth(root, "plan", "--base", "main", "--format", "json", "--all")
    assert code == 0 and json.loads(out)["summary"]["monthlyQuotaCost"] == 1040.4
    [dev] = [e for e in data["environments"] if e["name"] == "dev"]
    [billing] = [r for r in dev["rows"] if r["tenant"] == "billing"]
    assert billing["status"] == "new" and billing["added"] == 19
    assert billing["monthlyCost"] == {"base": None, "head": {"quota": 62.8, "apps": 0.0}}
    assert {f["path"] for f in data["files"]} >= {"CODEOWNERS"}


def test_output_file_and_the_full_plan_in_the_log(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING})
    output = tmp_path / "plan.json"

    code, out, _ = berth(
        root, "plan", "--base", "main", "--format", "json", "--output", str(output)
    )

    assert code == 0
    assert json.loads(output.read_text())["summary"]["added"] == 38
    assert out.startswith("berth plan: the working tree against main (")


@pytest.mark.parametrize(
    ("base", "message"),
    [("no-such-branch", "is not a commit"), ("--upload-pack=x", "is not a Git revision")],
)
def test_a_bad_base_is_a_usage_error(tmp_path: Path, base: str, message: str) -> None:
    root = make_repo(tmp_path / "repo")
    code, _, err = berth(root, "plan", f"--base={base}")
    assert code == 2
    assert message in err and "Traceback" not in err


def test_plan_writes_nothing_into_the_repository(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write(root, {"tenants/billing/tenant.yaml": BILLING})
    before = tree(root)
    status = git(root, "status", "--porcelain")

    assert berth(root, "plan", "--base", "main")[0] == 0

    assert tree(root) == before
    assert git(root, "status", "--porcelain") == status


def test_request_text_cannot_break_out_of_the_diff_block(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    hostile = "Fenced ```` </details> <!-- berth:plan --> @everyone"
    write(root, {"tenants/billing/tenant.yaml": BILLING.replace("Invoices", hostile)})

    markdown = format_markdown(make_plan(str(root), "main"))

    assert markdown.startswith(MARKER)
    assert "`````diff\n" in markdown  # the fence outgrows the longest backtick run
    assert markdown.count("<details>") == markdown.count("</details>") - markdown.count(hostile)


def test_a_new_tenant_in_a_manual_environment_gets_its_sync_order(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    billing = BILLING.replace("    staging: {size: small}\n", "    prod: {size: small}\n")
    app = API_APP.replace("payments.dev.acme.example", "billing.dev.acme.example").replace(
        "payments.acme.example", "billing.acme.example"
    )
    write(root, {"tenants/billing/tenant.yaml": billing, "tenants/billing/apps/api.yaml": app})

    code, markdown, _ = plan_markdown(root)

    assert code == 0, markdown
    assert (
        "New tenants in `prod` arrive when a person syncs their Applications in this order"
        " (each after the one before is healthy):\n\n"
        "- `billing`: `berth-prod` -> `berth-prod-tenants-0` -> `billing-prod-argocd`"
        " -> `billing-prod` -> `billing-api-prod`\n"
    ) in markdown
    # Argo CD syncs dev by itself: no order to follow by hand there.
    assert "New tenants in `dev`" not in markdown

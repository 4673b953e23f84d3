"""Who must review a change, by CODEOWNERS as the Git host reads it.

Owners are computed with the `codeowners` package (a port of hmarr/codeowners: GitHub's
rules, the last matching line wins, `*` does not cross `/`), from the base's CODEOWNERS, as
GitHub does for a pull request. Each change is applied to a copy of this repository's
example and rendered; every path that differs afterwards (requests and generated files) is
one the pull request carries, so its owners are reviewers the pull request needs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from codeowners import CodeOwners

from generator.render.codeowners import MAX_BYTES, size_problems
from generator.repo import layout
from tests.support.cli import berth
from tests.support.example import example
from tests.support.repo import tree

EXAMPLE = example()


PLATFORM = "@acme/platform-team"
OWNERS = {
    "payments": frozenset({"@alice", "@bob"}),
    "checkout": frozenset({"@carol"}),
    "search": frozenset({"@frank"}),
    "analytics": frozenset({"@dave", "@erin"}),
}

Change = Callable[[Path], None]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """This repository's example with every file `render` writes, rendered and checked."""
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    for name in (
        "tenants",
        "blueprints",
        "environments",
        "catalog",
        ".github",
        ".gitlab/issue_templates",
    ):
        shutil.copytree(EXAMPLE / name, tmp_path / name)
    code, out, err = berth(tmp_path, "render", "--check")
    assert code == 0, out + err
    return tmp_path


def reviewers(repo: Path, change: Change) -> dict[str, frozenset[str]]:
    """Each path the change (rendered) writes, with the owners CODEOWNERS of the base gives it."""
    rules = CodeOwners((repo / "CODEOWNERS").read_text())
    before = tree(repo)
    change(repo)
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    after = tree(repo)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    return {path: frozenset(owner for _, owner in rules.of(path)) for path in sorted(changed)}


def edit(path: str, old: str, new: str) -> Change:
    def change(repo: Path) -> None:
        text = (repo / path).read_text()
        assert old in text, (path, old)
        (repo / path).write_text(text.replace(old, new, 1))

    return change


def add(path: str, text: str) -> Change:
    def change(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)

    return change


def remove(folder: str) -> Change:
    return lambda repo: shutil.rmtree(repo / folder)


LEDGER = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: ledger
spec:
  blueprint: worker
  image: ghcr.io/acme/ledger
  resources: {cpu: 100m, memory: 128Mi}
  environments:
    dev: {tag: "1.0.0", replicas: 1}
"""

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
"""

# Day-2 changes of one tenant that write only that tenant's files.
OWN: dict[str, tuple[str, Change]] = {
    "quota": (
        "payments",
        edit("tenants/payments/tenant.yaml", 'quota: {cpu: "12"}', 'quota: {cpu: "13"}'),
    ),
    "release": ("payments", edit("tenants/payments/apps/api.yaml", '"1.3.2"', '"1.4.0"')),
    "new application": ("payments", add("tenants/payments/apps/ledger.yaml", LEDGER)),
    "cost center (its shard entries)": (
        "search",
        edit("tenants/search/tenant.yaml", "CC-2050", "CC-2051"),
    ),
    "group (its catalog file)": (
        "analytics",
        edit("tenants/analytics/tenant.yaml", "group: acme/data", "group: acme/reporting"),
    ),
    "application removed": ("checkout", remove("tenants/checkout/apps")),
}


@pytest.mark.parametrize("name", list(OWN))
def test_a_day_2_change_needs_only_the_tenants_owners(repo: Path, name: str) -> None:
    tenant, change = OWN[name]
    needed = reviewers(repo, change)
    assert any(p.startswith(f"{layout.ENVIRONMENTS_DIR}/") for p in needed)  # it renders
    assert {path: owners for path, owners in needed.items() if owners != OWNERS[tenant]} == {}


def test_the_tenants_own_paths_cover_every_kind_of_generated_file(repo: Path) -> None:
    """Joining an environment writes a tenant's folder there, its shard entry and its catalog
    file: all of them its owners'."""
    needed = reviewers(
        repo,
        edit(
            "tenants/search/tenant.yaml",
            "    dev: {size: small}\n",
            "    dev: {size: small}\n    staging: {size: small}\n",
        ),
    )
    shard = layout.tenant_root_file("staging", "search")
    assert shard in needed and needed[shard] == OWNERS["search"]
    assert needed[layout.catalog_tenant_file("search")] == OWNERS["search"]
    assert needed["environments/staging/tenants/search/argocd.yaml"] == OWNERS["search"]
    # Search lets checkout in: in staging, checkout's egress to it is checkout's file.
    others = {p: o for p, o in needed.items() if o != OWNERS["search"]}
    assert others == {
        "environments/staging/tenants/checkout/guardrails/kustomization.yaml": OWNERS["checkout"]
    }


def test_reaching_into_a_neighbour_needs_the_neighbours_owners_not_the_platform(
    repo: Path,
) -> None:
    needed = reviewers(
        repo,
        edit(
            "tenants/payments/tenant.yaml", "allowFrom: [checkout]", "allowFrom: [checkout, search]"
        ),
    )
    assert set(needed.values()) == {OWNERS["payments"], OWNERS["search"]}
    assert (
        needed["environments/prod/tenants/search/guardrails/kustomization.yaml"] == OWNERS["search"]
    )


PLATFORM_CHANGES: dict[str, tuple[Change, set[str]]] = {
    "new tenant": (
        add("tenants/billing/tenant.yaml", BILLING),
        {"tenants/billing/tenant.yaml", "CODEOWNERS", layout.CATALOG_LOCATION_FILE},
    ),
    "tenant removed": (
        remove("tenants/search"),
        {"CODEOWNERS", layout.CATALOG_LOCATION_FILE},
    ),
    "owners changed": (
        edit("tenants/search/tenant.yaml", "owners: [frank]", "owners: [frank, mallory]"),
        {"CODEOWNERS"},
    ),
    "blueprint": (
        edit("blueprints/worker/blueprint.yaml", "description:", "description: (v2)"),
        {"blueprints/worker/blueprint.yaml"},
    ),
    "platform.yaml": (
        edit("platform.yaml", 'ceiling: {cpu: "64"', 'ceiling: {cpu: "65"'),
        {"platform.yaml"},
    ),
    "workflow": (
        add(".github/workflows/extra.yml", "on: push\n"),
        {".github/workflows/extra.yml"},
    ),
}


@pytest.mark.parametrize("name", list(PLATFORM_CHANGES))
def test_what_still_needs_the_platform(repo: Path, name: str) -> None:
    change, platform_paths = PLATFORM_CHANGES[name]
    needed = reviewers(repo, change)
    assert {p for p, owners in needed.items() if PLATFORM in owners} >= platform_paths
    assert all(owners for owners in needed.values())  # no path without a code owner


def test_a_rule_after_the_generated_block_is_refused_with_its_line(repo: Path) -> None:
    path = repo / "CODEOWNERS"
    text = path.read_text()
    line = text.count("\n") + 2
    hostile = text + "\n  /tenants/payments/ @mallory\n"
    # Why it matters: the last matching line wins, so this line would own payments' folder.
    assert CodeOwners(hostile).of("tenants/payments/tenant.yaml") == [("USERNAME", "@mallory")]
    path.write_text(hostile)
    for args in (("render", "--check"), ("render",)):
        code, out, err = berth(repo, *args)
        assert code == 1, out
        assert err.startswith(
            f"CODEOWNERS:{line}:3: `/tenants/payments/ @mallory` comes after the generated block:"
            " the last matching line wins, so a rule there overrides the tenants' lines; move it"
            " above `# BEGIN berth tenants`\n"
        ), err
    assert path.read_text() == hostile  # nothing written
    # Comments and blank lines after the block are the platform's to keep.
    path.write_text(text + "\n# reviewed quarterly\n\n")
    assert berth(repo, "render", "--check")[0] == 0


def test_without_codeowners_render_writes_the_catch_all_from_the_maintainers(
    repo: Path,
) -> None:
    (repo / "CODEOWNERS").unlink()
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    text = (repo / "CODEOWNERS").read_text()
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rules[0] == "* @olivia"  # platform.yaml spec.maintainers
    owners = CodeOwners(text)
    assert owners.of("generator/cli.py") == [("USERNAME", "@olivia")]
    assert owners.of("environments/dev/bootstrap.yaml") == [("USERNAME", "@olivia")]
    assert owners.of("tenants/billing/tenant.yaml") == [("USERNAME", "@olivia")]
    assert {o for _, o in owners.of("environments/dev/tenants/payments/argocd.yaml")} == {
        "@alice",
        "@bob",
    }
    assert berth(repo, "render", "--check")[0] == 0


def test_without_codeowners_or_maintainers_render_refuses_and_says_what_to_add(
    repo: Path,
) -> None:
    (repo / "CODEOWNERS").unlink()
    platform = repo / "platform.yaml"
    text = platform.read_text()
    platform.write_text(text.replace("  maintainers: [olivia]\n", ""))
    before = tree(repo)
    for args in (("render", "--check"), ("render",)):
        code, _, err = berth(repo, *args)
        assert code == 1
        assert (
            "platform.yaml:6:1: spec.maintainers: CODEOWNERS has no rule for the platform team,"
            " so `berth render` would write its catch-all from spec.maintainers, which is empty:"
            " add the platform team's Git hosting usernames to spec.maintainers, or start"
            " CODEOWNERS with `* @org/platform-team`\n"
        ) in err
    after = tree(repo)
    assert after == before and "CODEOWNERS" not in after
    platform.write_text(text.replace("maintainers: [olivia]", "maintainers: []"))
    code, _, err = berth(repo, "render")
    line = text[: text.index("maintainers:")].count("\n") + 1
    assert code == 1 and f"platform.yaml:{line}:3: spec.maintainers: " in err


def test_a_codeowners_github_would_not_load_is_refused() -> None:
    assert size_problems("x" * (MAX_BYTES - 1)) == []
    [problem] = size_problems("x" * MAX_BYTES)
    assert str(problem) == (
        f"CODEOWNERS:1:1: would be {MAX_BYTES} bytes; GitHub does not load a CODEOWNERS file"
        " of 3 MB or more, and then requires no code owner's review at all"
    )

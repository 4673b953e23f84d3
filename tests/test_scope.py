"""The `--base` checks: scoped to what a change can affect, with the full check's verdict.

The soundness argument (generator/repo/scope.py, docs/ci.md) holds for a consistent base, so each
case starts from a rendered, committed repository and changes the working tree. The property
test applies random changes to a synthetic repository and holds `validate`, `render --check`
and `plan` with `--base` to the full run's exit code and findings.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.plan import make_plan
from generator.plan.model import Plan
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from tests.support.cli import berth
from tests.support.repo import REPO, git, make_repo

sys.path.insert(0, str(REPO / "bench"))
from render_bench import write_app, write_tenant

TENANTS = 120


def _names(n: int) -> list[str]:
    names = [f"t{i:03d}" for i in range(n)]
    # Dash relatives: their Argo CD names and namespaces can collide, so they share a scope.
    return names + [f"{name}-x" for name in names[::15]]


def synthetic(root: Path, n: int = TENANTS) -> Path:
    make_repo(root, {}, commit=False)
    names = _names(n)
    for i, name in enumerate(names):
        peers = sorted({names[(i + k) % len(names)] for k in (1, 7)} - {name})
        write_tenant(root, name, ("small", "medium", "large")[i % 3], peers, f"Team {i}")
        for k in range(i % 3):  # none, a web service, a web service and a worker
            write_app(root, name, k, database=i % 4 == 1)
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic(tmp_path_factory.mktemp("scope") / "repo")


@pytest.fixture
def repo(base_repo: Path) -> Path:
    _reset(base_repo)
    return base_repo


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# --- one change at a time: what the scope holds -------------------------------------------


def test_a_quota_change_is_scoped_to_the_tenant_and_its_neighbours(repo: Path) -> None:
    _edit(repo / "tenants/t010/tenant.yaml", 'quota: {cpu: "3"}', 'quota: {cpu: "2"}')
    scope = scope_of(change_set(str(repo), "HEAD"))
    assert scope.full is None and scope.tenants == {"t010"} and scope.requests == {"t010"}
    code, out, err = berth(repo, "render", "--check", "--base", "HEAD")
    assert code == 1
    # t010 names t011 and t017 in allowFrom; t003 and t009 name t010: five tenants in all.
    assert "checked 5 of 128 tenants" in err
    assert out.splitlines() == [
        "stale: environments/prod/tenants/t010/guardrails/kustomization.yaml (would update)",
        "berth: 1 generated file(s) are stale; run `berth render` and commit the result",
    ]


@pytest.mark.parametrize(
    "path,reason",
    [
        ("platform.yaml", "platform.yaml changed"),
        ("blueprints/tenant/limitrange.yaml", "the tenant base blueprints/tenant/ changed"),
        ("generator/cli.py", "generator/cli.py changed"),
        (".github/workflows/berth-pr.yml", ".github/workflows/berth-pr.yml changed"),
    ],
)
def test_what_may_touch_every_tenant_means_the_full_check(
    repo: Path, path: str, reason: str
) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a") as fh:
        fh.write("\n# touched\n")
    assert scope_of(change_set(str(repo), "HEAD")).full == reason


def test_documentation_touches_nothing(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs/notes.md").write_text("# notes\n")
    (repo / "NOTES.md").write_text("# notes\n")
    scope = scope_of(change_set(str(repo), "HEAD"))
    assert scope.full is None and not scope.tenants and not scope.blueprint_paths


# --- what the scoped check must still catch -----------------------------------------------


def test_a_hand_edit_in_an_untouched_tenant_still_fails(repo: Path) -> None:
    _edit(repo / "tenants/t010/tenant.yaml", 'quota: {cpu: "3"}', 'quota: {cpu: "2"}')
    berth(repo, "render")
    edited = repo / "environments/dev/tenants/t050/argocd.yaml"
    edited.write_text(edited.read_text() + "# by hand\n")
    code, out, _ = berth(repo, "render", "--check", "--base", "HEAD")
    assert code == 1
    assert "stale: environments/dev/tenants/t050/argocd.yaml (would update)" in out.splitlines()
    assert scope_of(change_set(str(repo), "HEAD")).tenants == {"t010", "t050"}
    code, _, err = berth(repo, "plan", "--base", "HEAD")
    assert code == 0 and "tenants read for this change" in err
    stray = repo / "environments/dev/tenants/t060/extra.yaml"
    stray.write_text("kind: ConfigMap\n")
    git(repo, "add", "environments/dev/tenants/t060/extra.yaml")  # as a pull request has it
    code, _, err = berth(repo, "plan", "--base", "HEAD")
    assert code == 1
    assert "environments/dev/tenants/t060/extra.yaml:1:1: not written by berth" in err


def test_a_lower_ceiling_fails_the_untouched_tenants_it_binds(repo: Path) -> None:
    _edit(repo / "platform.yaml", 'ceiling: {cpu: "64"', 'ceiling: {cpu: "2"')
    code, out, err = berth(repo, "validate", "--base", "HEAD")
    assert code == 1
    assert "checked everything (platform.yaml changed)" in err
    # Every tenant asks for 3 CPUs in prod; the check reports it though no request of it changed.
    assert any(
        line.startswith("tenants/t002/tenant.yaml:") and "exceeds the prod ceiling of 2" in line
        for line in out.splitlines()
    ), out


def test_a_blueprint_change_fails_the_apps_of_other_tenants(repo: Path) -> None:
    _edit(
        repo / "blueprints/worker/blueprint.yaml",
        "requires: [image]",
        "requires: [image, replicas]",
    )
    code, out, err = berth(repo, "validate", "--base", "HEAD")
    assert code == 1
    assert "users of 1 changed blueprint file(s)" in err
    failing = {line.split(":", 1)[0] for line in out.splitlines() if "replicas" in line}
    # Every worker (app1 of the tenants with two applications) fails; none of them changed.
    workers = {p.relative_to(repo).as_posix() for p in repo.glob("tenants/*/apps/app1.yaml")}
    assert len(workers) > 30 and failing == workers


# --- the property: scoped and full agree -----------------------------------------------------

Mutation = Callable[[random.Random, Path, list[str]], str]


def _quota(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    cpu = rng.choice(["1", "2", "4", "99"])  # 99 is over every ceiling
    path = root / f"tenants/{name}/tenant.yaml"
    text = path.read_text().replace('quota: {cpu: "3"}', f'quota: {{cpu: "{cpu}"}}')
    path.write_text(text)
    return f"{name} prod cpu {cpu}"


def _allow_from(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    peers = rng.sample(names, rng.randint(0, 3))
    if rng.random() < 0.2:
        peers.append("nobody")
    path = root / f"tenants/{name}/tenant.yaml"
    lines = [
        f"  allowFrom: [{', '.join(peers)}]" if line.startswith("  allowFrom:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    return f"{name} allowFrom {peers}"


def _drop_staging(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    path = root / f"tenants/{name}/tenant.yaml"
    path.write_text("".join(ln for ln in path.read_text().splitlines(True) if "staging:" not in ln))
    return f"{name} leaves staging"


def _remove(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    shutil.rmtree(root / f"tenants/{name}")
    return f"{name} removed"


def _add(rng: random.Random, root: Path, names: list[str]) -> str:
    name = f"{rng.choice(names)}-{rng.choice(['x', 'new', 'dev'])}"
    if (root / f"tenants/{name}").exists():
        return f"{name} exists"
    write_tenant(root, name, "small", rng.sample(names, 2), "A new team")
    if rng.random() < 0.5:
        write_app(root, name, rng.randint(0, 2), database=False)
    return f"{name} added"


def _app(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    k = rng.randint(0, 2)
    write_app(root, name, k, database=rng.random() < 0.3)
    if rng.random() < 0.3:  # a host in another tenant's space
        other = rng.choice(names)
        path = root / f"tenants/{name}/apps/app{k}.yaml"
        path.write_text(path.read_text().replace(f".{name}.dev.", f".{other}.dev."))
        return f"{name}/app{k} with a host of {other}"
    return f"{name}/app{k} written"


def _hand_edit(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    env = rng.choice(["dev", "staging", "prod"])
    path = root / f"environments/{env}/tenants/{name}/argocd.yaml"
    if not path.exists():
        return f"{name} not in {env}"
    path.write_text(path.read_text() + "# by hand\n")
    return f"{path.relative_to(root)} edited"


def _stray(rng: random.Random, root: Path, names: list[str]) -> str:
    name = rng.choice(names)
    folder = root / f"environments/dev/tenants/{name}"
    if not folder.is_dir():
        return f"{name} not in dev"
    (folder / ".argocd-source.yaml").write_text("kind: Hostile\n")
    # Added to the index: an untracked file under environments/ is not looked for (it can
    # reach the branch only once committed, docs/ci.md), a tracked one is.
    git(root, "add", f"environments/dev/tenants/{name}/.argocd-source.yaml")
    return f"stray in {name}"


def _top_entry(rng: random.Random, root: Path, names: list[str]) -> str:
    """Entries directly in tenants/ that are no tenant's folder: they touch no tenant."""
    (root / "tenants/evil").symlink_to(rng.choice(names))
    (root / "tenants/notes.yaml").write_text("owners: [mallory]\n")
    return "tenants/evil linked, tenants/notes.yaml written"


def _blueprint(rng: random.Random, root: Path, names: list[str]) -> str:
    _edit(root / "blueprints/worker/values.yaml.j2", "healthPath: /healthz", "healthPath: /ready")
    return "worker blueprint changed"


def _chart_file(rng: random.Random, root: Path, names: list[str]) -> str:
    """A chart template of any name (Helm renders them all): its users come into scope."""
    name = rng.choice(["notes.md", "extra.txt", "binding.yaml"])
    (root / f"blueprints/chart/templates/{name}").write_text("kind: ConfigMap\n")
    return f"chart template {name}"


def _ceiling(rng: random.Random, root: Path, names: list[str]) -> str:
    cpu = rng.choice(["12", "64", "8"])
    _edit(root / "platform.yaml", 'ceiling: {cpu: "64"', f'ceiling: {{cpu: "{cpu}"')
    return f"prod ceiling {cpu}"


MUTATIONS: list[Mutation] = [
    _quota,
    _allow_from,
    _drop_staging,
    _remove,
    _add,
    _app,
    _hand_edit,
    _stray,
    _top_entry,
    _blueprint,
    _chart_file,
    _ceiling,
]
RARE = {_blueprint, _chart_file, _ceiling}  # each costs a full check: only when leading


def _plan_facts(plan: Plan) -> object:
    """What a reviewer acts on; a scoped plan's totals cover the tenants it read, by design,
    so only the change of the total compares."""
    return (
        [(p.file, p.line, p.message) for p in plan.problems],
        [(p.file, p.message) for p in plan.untrusted],
        [
            (env.name, row.tenant, row.files, row.objects, row.base, row.head)
            for env in plan.environments
            for row in env.rows
        ],
        [(row.tenant, row.files, row.objects) for row in plan.other],
        plan.deletions,
        plan.approvals,
        plan.images,
        plan.head_total.quota - plan.base_total.quota,
    )


def _only_warnings(err: str) -> str:
    return "".join(ln for ln in err.splitlines(True) if ": warning: " in ln)


def _without_note(err: str) -> str:
    return "".join(ln for ln in err.splitlines(True) if not ln.startswith("berth: checked "))


def _reset(root: Path) -> None:
    git(root, "reset", "-q", "--hard", "HEAD")
    git(root, "clean", "-fdq", "-e", ".berth")


def test_scoped_checks_agree_with_the_full_ones(repo: Path) -> None:
    verdicts: set[tuple[str, int]] = set()
    for seed in range(max(12, len(MUTATIONS))):
        _reset(repo)
        rng = random.Random(seed)
        names = _names(TENANTS)
        # Each mutation leads one round, so every one is tried; then up to two common others.
        first = MUTATIONS[seed % len(MUTATIONS)]
        pool = [m for m in MUTATIONS if m is not first and m not in RARE]
        done = [m(rng, repo, names) for m in [first, *rng.sample(pool, rng.randint(0, 2))]]
        if rng.random() < 0.5:  # the change committed with its generated files, or not
            berth(repo, "render")
        for command in (["validate"], ["render", "--check"]):
            full = berth(repo, *command)
            scoped = berth(repo, *command, "--base", "HEAD")
            assert (scoped[0], scoped[1], _without_note(scoped[2])) == (
                full[0],
                full[1],
                _without_note(full[2]),
            ), (seed, command, done)
            verdicts.add((command[0], full[0]))
        if berth(repo, "validate")[0] == 0 and "stray" not in " ".join(done):
            scoped_plan = make_plan(str(repo), "HEAD")
            full_plan = make_plan(str(repo), "HEAD", scoped=False)
            assert not full_plan.scope
            assert _plan_facts(scoped_plan) == _plan_facts(full_plan), (seed, done)
            verdicts.add(("plan", len(full_plan.rows)))
            # What a scoped render writes is what a full render would have written.
            code, out, err = berth(repo, "render", "--base", "HEAD")
            assert code == 0, (seed, done, out, err)
            assert berth(repo, "render", "--check") == (
                0,
                "berth: generated files are up to date\n",
                _only_warnings(full[2]),
            ), (seed, done)
    # The random changes exercised both verdicts of each check, and plans with rows.
    assert {("validate", 0), ("validate", 1), ("render", 0), ("render", 1)} <= verdicts
    assert any(kind == "plan" and rows > 0 for kind, rows in verdicts), verdicts


def test_untracked_files_are_changes_outside_the_generated_folders_only(repo: Path) -> None:
    (repo / "tenants/t020/apps").mkdir(exist_ok=True)
    write_app(repo, "t020", 2, database=False)
    stray = repo / "environments/dev/tenants/t030/extra.yaml"
    stray.write_text("kind: ConfigMap\n")
    change = change_set(str(repo), "HEAD")
    assert change.paths == ("tenants/t020/apps/app2.yaml",)
    assert change.untracked == {"tenants/t020/apps/app2.yaml"}
    git(repo, "add", "environments/dev/tenants/t030/extra.yaml")
    assert "environments/dev/tenants/t030/extra.yaml" in change_set(str(repo), "HEAD").paths

"""`berth verify --cache DIR`: a run served from the cache reports exactly what a run without
it reports; changing any one input of a build rebuilds that build and only the builds that
read the input; a damaged entry is a miss; a run with nothing changed runs no tool.

Which builds a run did not take from the cache is read through `BuildCache.lookup`, and the
tool runs through `run_tool` (both the single builds' and the batches'), with the real kubectl
and helm behind them."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.commands import verify as command
from generator.verify import batch, cache, cache_key, sources
from tests.support.cli import berth
from tests.support.repo import copy_example
from tests.support.tools import tool
from tests.test_verify_rules import WIDGET_CRD

# `berth verify` finds kubectl and helm on PATH (tests/conftest.py).
pytestmark = [pytest.mark.tools, pytest.mark.usefixtures("tools_on_path")]

CHECKOUT = "environments/dev/tenants/checkout"
GUARDRAILS = ["analytics-dev", "checkout-dev", "payments-dev", "search-dev"]
APPS = ["analytics-nightly-report-dev", "checkout-cart-worker-dev", "payments-api-dev"]


class Seams:
    """What the runs did: the tool runs, and the Applications not taken from the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tool_runs = 0
        self.built: set[str] = set()
        real_run, real_lookup = sources.run_tool, cache.BuildCache.lookup

        def run_tool(*args: Any) -> list[sources.Located]:
            self.tool_runs += 1
            return real_run(*args)

        def lookup(self_: cache.BuildCache, env: str, app: sources.Located, *rest: Any) -> Any:
            entry = real_lookup(self_, env, app, *rest)
            if entry is None:
                self.built.add(str(app.obj["metadata"]["name"]))
            return entry

        monkeypatch.setattr(sources, "run_tool", run_tool)
        monkeypatch.setattr(batch, "run_tool", run_tool)
        monkeypatch.setattr(cache.BuildCache, "lookup", lookup)

    def reset(self) -> None:
        self.tool_runs, self.built = 0, set()


@pytest.fixture
def seams(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seams]:
    yield Seams(monkeypatch)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "repo")


def verify(root: Path, *extra: str, env: str = "dev") -> tuple[int, str, str]:
    """(exit code, the JSON report, stderr) of `berth verify --env ENV --format json ...`."""
    return berth(root, "verify", "--env", env, "--format", "json", *extra)


def cached(root: Path, env: str = "dev") -> tuple[int, str]:
    code, out, err = verify(root, "--cache", str(root / ".berth/verify-cache"), env=env)
    assert err.startswith("berth: verify cache "), err
    return code, out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def break_it(root: Path) -> None:
    """Schema, project and build findings in several Applications."""
    edit(root / CHECKOUT / "apps/cart-worker.values.yaml", "replicas:", "replicas: many\nx:")
    edit(
        root / "environments/dev/tenants/payments/argocd.yaml",
        "namespace: payments-dev\n  syncPolicy",
        "namespace: kube-system\n  syncPolicy",
    )
    (root / "blueprints/tenant/dashboard/extra.yaml").write_text("kind: ConfigMap\n")
    edit(root / "blueprints/tenant/dashboard/kustomization.yaml", "resources:", "resources:\n- extra.yaml")  # fmt: skip


@pytest.mark.parametrize("broken", [False, True], ids=["example", "broken"])
def test_a_cached_run_reports_what_an_uncached_run_reports(
    example: Path, seams: Seams, broken: bool
) -> None:
    if broken:
        break_it(example)
    plain_code, plain, plain_err = verify(example, env="prod")
    assert plain_err == ""
    assert plain_code == (1 if broken else 0)
    if broken:
        assert len(json.loads(plain)["problems"]) >= 3
    seams.reset()
    assert cached(example, env="prod") == (plain_code, plain)  # cold: records
    assert seams.tool_runs > 0
    seams.reset()
    assert cached(example, env="prod") == (plain_code, plain)  # warm: reuses
    # A build that failed is not recorded (a tool can fail for reasons outside its inputs):
    # the broken base fails every guardrails build, which run again.
    failed = {"checkout-prod", "payments-prod", "search-prod"}
    assert seams.built == (failed if broken else set())
    assert (seams.tool_runs > 0) == broken


def test_nothing_changed_runs_no_tool_and_every_build_is_reused(
    example: Path, seams: Seams
) -> None:
    cached(example)
    assert seams.tool_runs > 0 and len(seams.built) > 20
    seams.reset()
    code, out, err = verify(example, "--cache", str(example / ".berth/verify-cache"))
    assert code == 0, out
    assert (seams.tool_runs, seams.built) == (0, set())
    assert "build(s) reused, 0 recorded, 0 not cacheable" in err


def _last(path: Path, old: str, new: str) -> None:
    head, found, tail = path.read_text().rpartition(old)
    assert found, old
    path.write_text(head + new + tail)


def _outside_read(root: Path) -> None:
    """Checkout's guardrails also read a folder outside their own (a kustomize `../`)."""
    extra = root / CHECKOUT / "extra"
    extra.mkdir()
    (extra / "kustomization.yaml").write_text("resources:\n- limits.yaml\n")
    (extra / "limits.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: limits\ndata:\n  a: '1'\n"
    )
    edit(root / CHECKOUT / "guardrails/kustomization.yaml", "resources:\n", "resources:\n- ../extra\n")  # fmt: skip


def _platform_crd(root: Path) -> None:
    (root / "platform/crds").mkdir(parents=True)
    (root / "platform/crds/widget.yaml").write_text(WIDGET_CRD)
    edit(root / "platform.yaml", "spec:\n", "spec:\n  crdDirs: [platform/crds]\n")


def _new_helm(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another helm executable (the same program plus a byte) first on PATH."""
    bin_dir = root.parent / "bin"
    bin_dir.mkdir()
    shutil.copy(tool("helm"), bin_dir / "helm")
    with open(bin_dir / "helm", "ab") as fh:
        fh.write(b"\0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


Change = Callable[[Path, pytest.MonkeyPatch], None]


def _editing(file: str, old: str, new: str, *, last: bool = False) -> Change:
    return lambda root, _: (_last if last else edit)(root / file, old, new)


EVERY = "every"  # every build of the environment
CHANGES: dict[str, tuple[Callable[[Path], None] | None, Change, set[str] | str]] = {
    # setup before the first run, the change, the Applications built again
    "a file in the source folder": (
        None,
        _editing(
            f"{CHECKOUT}/guardrails/kustomization.yaml",
            "kind: Kustomization",
            "kind: Kustomization\nnamespace: checkout-dev",
        ),
        {"checkout-dev"},
    ),
    "a values file": (
        None,
        _editing(f"{CHECKOUT}/apps/cart-worker.values.yaml", "replicas:", "# edited\nreplicas:"),
        {"checkout-cart-worker-dev"},
    ),
    "a file a kustomization reads from outside its folder": (
        _outside_read,
        _editing(f"{CHECKOUT}/extra/limits.yaml", "a: '1'", "a: '2'"),
        {"checkout-dev"},
    ),
    "a file of the shared base": (
        None,
        _editing("blueprints/tenant/limitrange.yaml", "kind: LimitRange", "kind: LimitRange\n#"),
        set(GUARDRAILS),
    ),
    "the Application's destination": (
        None,
        _editing(
            f"{CHECKOUT}/argocd.yaml",
            "namespace: checkout-dev",
            "namespace: checkout-qa",
            last=True,
        ),
        # the file declaring it changed too, so the build reading that file is new as well
        {"checkout-dev-argocd", "checkout-cart-worker-dev"},
    ),
    "a CRD": (
        _platform_crd,
        _editing("platform/crds/widget.yaml", "size: {type: integer}", "size: {type: string}"),
        EVERY,
    ),
    "the helm executable": (None, lambda root, patch: _new_helm(root, patch), set(APPS)),
    "Berth's own code": (
        None,
        lambda _, patch: patch.setattr(cache, "package_digest", lambda: "another version"),
        EVERY,
    ),
    "a variable the tools read": (
        None,
        lambda _, patch: patch.setenv("HELM_DRIVER", "memory"),
        EVERY,
    ),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_one_changed_input_rebuilds_exactly_the_builds_that_read_it(
    example: Path, seams: Seams, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    setup, change, expected = CHANGES[name]
    if setup is not None:
        setup(example)
    cached(example)
    every = set(seams.built)
    seams.reset()
    change(example, monkeypatch)
    code, out = cached(example)
    assert seams.built == (every if expected == EVERY else expected)
    # ... and the result is the one a run without the cache gives.
    assert (code, out) == verify(example)[:2]


def test_a_damaged_entry_is_a_miss(example: Path, seams: Seams) -> None:
    plain = verify(example)[:2]
    cached(example)
    folder = example / ".berth/verify-cache"
    # the builds' entries (the others remember what kustomizations name, by their bytes)
    entries = sorted(p for p in folder.rglob("*") if p.is_file() and b'"objects":' in p.read_bytes())  # fmt: skip
    damaged = {
        entries[0]: lambda raw: raw[: len(raw) // 2],  # cut short
        entries[1]: lambda raw: raw.replace(b'"objects":', b'"objects":1'),  # not its digest
        entries[2]: lambda raw: b"",
        entries[3]: lambda raw: b"\xff\xfe not json",
    }
    for path, damage in damaged.items():
        path.write_bytes(damage(path.read_bytes()))
    entries[4].unlink()
    entries[5].unlink()
    entries[5].mkdir()  # unreadable as a file, and not writable either
    seams.reset()
    assert cached(example) == plain
    assert len(seams.built) == 6
    entries[5].rmdir()  # the one entry that could not be written is recorded now
    seams.reset()
    assert cached(example) == plain
    assert len(seams.built) == 1
    seams.reset()
    assert cached(example) == plain
    assert seams.built == set()


def test_a_symbolic_link_in_what_a_build_reads_is_not_cached(example: Path, seams: Seams) -> None:
    values = example / CHECKOUT / "apps/cart-worker.values.yaml"
    shutil.copy(values, example / CHECKOUT / "cart-worker.yaml")
    values.unlink()
    values.symlink_to("../cart-worker.yaml")
    plain = verify(example)[:2]
    cached(example)
    seams.reset()
    code, out, err = verify(example, "--cache", str(example / ".berth/verify-cache"))
    assert (code, out) == plain
    assert seams.built == {"checkout-cart-worker-dev"}
    assert "1 not cacheable (1 Unkeyable)" in err


def test_the_cache_folder_must_not_be_committable(example: Path) -> None:
    code, _, err = berth(example, "verify", "--cache", str(example / "cache"))
    assert code == 2
    assert "a cache inside the repository belongs under .berth/" in err


def test_a_full_run_removes_the_entries_it_did_not_use(example: Path) -> None:
    folder = example / ".berth/verify-cache"
    code, _, _ = berth(example, "verify", "--cache", str(folder))
    assert code == 0
    before = {p.name for p in folder.rglob("*") if p.is_file()}
    edit(example / CHECKOUT / "apps/cart-worker.values.yaml", "replicas:", "# edited\nreplicas:")
    _, _, err = berth(example, "verify", "--cache", str(folder))
    after = {p.name for p in folder.rglob("*") if p.is_file()}
    assert len(after) == len(before) and len(before - after) == 1
    assert err.rstrip().endswith(", 1 unused removed")


def test_run_reports_through_the_command(example: Path) -> None:
    """The command without the CLI: the cache line goes to stderr, the report is unchanged."""
    out, err = io.StringIO(), io.StringIO()
    folder = str(example / ".berth/verify-cache")
    code = command.run(str(example), envs=["staging"], fmt="text", output=None, out=out, err=err, cache=folder, environ=os.environ)  # fmt: skip
    assert code == 0
    assert out.getvalue().startswith("berth: 1 environment(s), ")
    assert err.getvalue().startswith(f"berth: verify cache {folder}: 0 build(s) reused, ")


def _reader(tmp_path: Path, files: dict[str, str]) -> cache_key.Reader:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return cache_key.Reader(str(tmp_path))


@pytest.mark.parametrize(
    ("kustomization", "why"),
    [
        ("resources:\n- ../../../elsewhere\n", "outside the repository"),
        ("resources:\n- https://github.com/acme/base//x?ref=v1\n", "names the remote"),
        ("components:\n- github.com/acme/base/x\n", "names the remote"),
        ("helmCharts:\n- name: x\n", "is no plain kustomization"),
        ("resources: [\n", "does not parse"),
    ],
)
def test_a_kustomization_whose_reads_cannot_be_named_is_not_keyed(
    tmp_path: Path, kustomization: str, why: str
) -> None:
    reader = _reader(tmp_path, {"env/t/kustomization.yaml": kustomization})
    with pytest.raises(cache_key.Unkeyable, match=why):
        reader.kustomize("env/t")


def test_what_a_kustomization_reads_is_named_wherever_it_lies(tmp_path: Path) -> None:
    files = {
        "env/t/kustomization.yaml": "resources:\n- ../../base\n- cm.yaml\n- ../missing\n",
        "env/t/cm.yaml": "kind: ConfigMap\n",
        "base/kustomization.yaml": "resources:\n- ns.yaml\n",
        "base/ns.yaml": "kind: Namespace\n",
        "unread/x.yaml": "kind: Secret\n",
    }
    reads = dict(_reader(tmp_path, files).kustomize("env/t"))
    assert sorted(reads) == ["base", "env/missing", "env/t"]
    assert reads["env/missing"] == "-"  # nothing there yet: if it appears, the key changes
    (tmp_path / "base/new.yaml").write_text("kind: Namespace\n")  # not named, but in the tree
    assert dict(_reader(tmp_path, {}).kustomize("env/t"))["base"] != reads["base"]
    (tmp_path / "base/link.yaml").symlink_to("new.yaml")
    with pytest.raises(cache_key.Unkeyable, match="symbolic link"):
        _reader(tmp_path, {}).kustomize("env/t")


def test_an_objects_digest_keeps_its_types() -> None:
    digests = {
        cache_key.object_digest(obj)
        for obj in ({1: "a"}, {"1": "a"}, {"a": 1}, {"a": 1.0}, {"a": True}, {"a": "1"})
    }
    assert len(digests) == 6


def test_with_base_the_cache_serves_the_builds_the_scope_follows(
    tmp_path: Path, seams: Seams
) -> None:
    root = copy_example(tmp_path / "repo", commit=True)
    (root / ".gitignore").write_text(".berth/\n")
    cached(root)
    edit(root / CHECKOUT / "apps/cart-worker.values.yaml", "replicas:", "replicas: many\nx:")
    plain = verify(root, "--base", "main")[:2]
    assert plain[0] == 1
    seams.reset()
    code, out, err = verify(root, "--base", "main", "--cache", str(root / ".berth/verify-cache"))
    assert (code, out) == plain
    assert seams.built == {"checkout-cart-worker-dev"}
    assert "unused removed" not in err  # a scoped run does not know what the tree still needs


def test_a_pipe_is_never_read_for_a_key(tmp_path: Path) -> None:
    reader = _reader(tmp_path, {"chart/Chart.yaml": "name: c\n"})
    os.mkfifo(tmp_path / "values.yaml")
    with pytest.raises(cache_key.Unkeyable, match="neither a file nor a folder"):
        reader.file("values.yaml")
    os.mkfifo(tmp_path / "chart/values.yaml")
    with pytest.raises(cache_key.Unkeyable, match="neither a file nor a folder"):
        reader.tree("chart")


def test_a_reused_shard_build_keeps_its_convergence_verdict(example: Path, seams: Seams) -> None:
    """Whether a source can come to hold nothing is read off the build's files: a shard
    served from the cache must still be reported when it prunes without allowEmpty."""
    from tests.test_verify_convergence import EMPTY, SHARDS, _drop_allow_empty

    line = _drop_allow_empty(example / SHARDS, "berth-dev-tenants-2")
    plain_code, plain, _ = verify(example)
    problems = json.loads(plain)["problems"]
    assert plain_code == 1
    assert [(p["file"], p["line"], p["message"]) for p in problems] == [(SHARDS, line, EMPTY)]
    assert cached(example) == (plain_code, plain)  # cold: records
    seams.reset()
    assert cached(example) == (plain_code, plain)  # warm: the shard's verdict from its entry
    assert "berth-dev-tenants-2" not in seams.built


def test_the_analyzer_runs_again_only_for_what_changed(
    example: Path, seams: Seams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runtime flows' maps are kept by the bytes the analyzer read and its version: a warm
    run starts no analyzer, and a change to one tenant's policies maps only its run again."""
    from generator.verify import nca

    runs: list[str] = []
    real_run = nca._run

    def counted(args: Any, tmp: str) -> Any:
        runs.append(Path(tmp, "namespaces.json").read_text())
        return real_run(args, tmp)

    monkeypatch.setattr(nca, "_run", counted)
    code, plain = cached(example)
    assert code == 0, plain
    assert len(runs) == 1  # dev's four tenants are one run
    runs.clear()
    assert cached(example) == (code, plain)
    assert runs == []
    edit(
        example / "environments/dev/tenants/payments/guardrails/kustomization.yaml",
        "resources:",
        "resources:\n- extra-policy.yaml",
    )
    (example / "environments/dev/tenants/payments/guardrails/extra-policy.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: open\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]\n"
    )
    code, out = cached(example)
    assert len(runs) == 1 and "payments-dev" in runs[0]
    assert code == 1 and "network-config-analyzer" in out


def test_a_flow_verdict_is_judged_again_only_when_what_it_read_changed(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm run recalls each flow run's findings instead of judging its map again. They
    point at request lines, so a change to the requests alone (here: a comment that moves
    every line) judges the run again, from the map kept though the warm run did not read it;
    and what it reports is what a run without the cache reports."""
    from generator.verify import flow_runs, nca

    mapped: list[str] = []
    judged: list[int] = []
    real_run, real_check = nca._run, flow_runs.check_run

    def counted_run(args: Any, tmp: str) -> Any:
        mapped.append(tmp)
        return real_run(args, tmp)

    def counted_check(check: Any, pods: Any, *rest: Any) -> None:
        judged.append(len(pods))
        real_check(check, pods, *rest)

    monkeypatch.setattr(nca, "_run", counted_run)
    monkeypatch.setattr(flow_runs, "check_run", counted_check)
    (example / "environments/dev/tenants/payments/guardrails/extra-policy.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: open\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]\n"
    )
    edit(
        example / "environments/dev/tenants/payments/guardrails/kustomization.yaml",
        "resources:",
        "resources:\n- extra-policy.yaml",
    )

    def every_environment() -> tuple[int, str]:  # a full run: it removes what it did not use
        code, out, _ = berth(example, "verify", "--format", "json", "--cache", str(store))
        return code, out

    store = example / ".berth/verify-cache"
    cold = every_environment()
    assert cold[0] == 1 and "network-config-analyzer" in cold[1]
    assert len(mapped) == len(judged) == 3  # one run an environment: payments is in each
    for _ in range(2):  # the second warm run: the first kept the maps it did not read
        mapped.clear(), judged.clear()
        assert every_environment() == cold
        assert (mapped, judged) == ([], [])
    tenant = example / "tenants/payments/tenant.yaml"
    tenant.write_text("# moved one line down\n" + tenant.read_text())
    plain_code, plain, _ = berth(example, "verify", "--format", "json")
    mapped.clear(), judged.clear()
    assert every_environment() == (plain_code, plain) != cold
    assert (mapped, len(judged)) == ([], 3)


def test_an_analyzer_map_is_kept_by_the_cluster_not_by_the_order_builds_ended() -> None:
    """Builds end in any order, so the objects reach the analyzer in any order: the memo's
    key must be the same for the same cluster (a warm run would map every run again)."""
    from generator.verify import nca

    class Store:
        def __init__(self) -> None:
            self.asked: list[list[str]] = []

        def recall_text(self, parts: Any) -> str:
            self.asked.append(list(parts))
            return "a/x[Pod] => a/y[Pod] : {protocols:TCP,dst_ports:80}\n"

        def remember_text(self, parts: Any, text: str) -> None:
            raise AssertionError("recalled, so never remembered")

    namespaces = [{"metadata": {"name": n}} for n in ("a", "b", "c")]
    pods = [{"metadata": {"name": p, "namespace": "a"}} for p in ("x", "y")]
    policies = [{"metadata": {"name": p, "namespace": "b"}} for p in ("deny", "allow")]
    store = Store()
    memo = nca.Memo(store, "NCA version 2.1.0")
    first = nca.connectivity("nca", namespaces, pods, policies, memo)
    again = nca.connectivity("nca", namespaces[::-1], pods[::-1], policies[::-1], memo)
    assert first == again
    assert store.asked[0] == store.asked[1]
    nca.connectivity("nca", namespaces[:2], pods, policies, memo)  # another cluster
    assert store.asked[2] != store.asked[0]


def test_keys_computed_in_a_fork_are_the_keys_computed_here(
    example: Path, seams: Seams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm run computes half of a level's keys in a fork of itself: the same keys, the same
    entries kept through a full run's clean-up, the same report, and no tool started."""
    from generator.verify import forked

    def full() -> tuple[int, str, str]:
        store = str(example / ".berth/verify-cache")
        return berth(example, "verify", "--format", "json", "--cache", store, "--jobs", "2")

    plain = berth(example, "verify", "--format", "json")[:2]
    assert full()[:2] == plain  # cold, in one process: the example's levels are small
    forks: list[bool] = []
    real_both = forked.both

    def counted(first: Any, second: Any) -> Any:
        found = real_both(first, second)
        forks.append(found[2])
        return found

    monkeypatch.setattr(cache, "SPLIT", 2)
    monkeypatch.setattr(cache, "cores", lambda: 2)
    monkeypatch.setattr(cache, "both", counted)
    for _ in range(2):  # the second: the first removed nothing the tree needs
        seams.reset()
        code, out, err = full()
        assert (code, out) == plain and forks and all(forks)
        assert seams.tool_runs == 0 and seams.built == set()
        assert "unused removed" not in err, err


def test_a_fork_that_fails_leaves_its_part_to_this_process() -> None:
    from generator.verify import forked

    parent = os.getpid()
    theirs, mine, in_fork = forked.both(os.getpid, os.getpid)
    assert (mine, in_fork) == (parent, True) and theirs != parent

    def dies_in_a_fork() -> int:
        if os.getpid() != parent:
            os._exit(3)
        return 7

    assert forked.both(dies_in_a_fork, lambda: 8) == (7, 8, False)


def test_verify_runs_without_the_cycle_collector_and_gives_it_back(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector's full passes over a large run's objects cost a third of a warm run at
    10,000 tenants; verify turns it off while it runs, and on again after."""
    import gc

    from generator.verify import follow

    seen: list[bool] = []
    real_verify = follow.verify

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(command, "verify", watched)
    assert gc.isenabled()
    assert cached(example)[0] == 0
    assert seen == [False] and gc.isenabled()

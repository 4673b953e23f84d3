"""Benchmark: the runtime-flow step of `berth verify` (network-config-analyzer) on N tenants.

Run: `.venv/bin/python bench/flows_bench.py [--tenants 100 1000] [--apps 2]`

For each N: the synthetic tenants of bench/render_bench.py (3 environments; a web-service with
a host, every other one with a database, and a worker), rendered. The step's input is
collected as verify would hand it over, but cheaper than a full verify: every tenant's
guardrails are built for real (`kubectl kustomize`, `batch.SIZE` to a run, as verify does) for
the NetworkPolicies and Namespaces; the pods come from the values files (an app's Deployment or
CronJob labels, a database's CloudNativePG Cluster), which is all the policies select on.
Then the flows are checked as verify checks them (dev and staging share a cluster; runs of
`flow_runs.SHARD` tenants of one environment with their peers), and for each environment
alone (which differs only in the strangers of the other environment); each row gives
the number of analyzer runs, the most pods and policies one of them read, the analyzer's wall
time and user CPU summed over them (of the `nca` processes, from os.times), and the wall time of
the whole step (writing the inputs, the analyzer, reading its maps and checking every flow; in
the "as verify" rows, of every environment together).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render_bench import make_repo, render  # noqa: E402
from generator.load import load_repo  # noqa: E402
from generator.repo import layout  # noqa: E402
from generator.validate import validate_repo  # noqa: E402
from generator.verify import batch  # noqa: E402
from generator.verify.flow_runs import flow_problems  # noqa: E402
from generator.verify.nca import find_nca  # noqa: E402
from generator.verify.runtime import Network  # noqa: E402
from generator.verify.sources import Located, find_tools  # noqa: E402
from generator.yamlio.reader import load_trusted  # noqa: E402

HEADER = (
    f"  {'runs of':<24}{'runs':>6}{'pods/run':>10}{'policies/run':>14}"
    f"{'nca wall s':>12}{'nca user s':>12}{'step s':>9}"
)


def collect(root: Path, envs: list[str], tenants: list[str]) -> Network:
    network = Network()
    kubectl = find_tools().kubectl
    for env in envs:
        present = [t for t in tenants if (root / layout.guardrails_dir(env, t)).is_dir()]
        paths = [layout.guardrails_dir(env, t) for t in present]
        for i in range(0, len(paths), batch.SIZE):
            found = batch.build_many(kubectl, str(root), paths[i : i + batch.SIZE])
            assert found is not None, paths[i]
            for objects in found:
                network.add(env, objects)
        for tenant in present:
            apps = root / layout.tenant_dir(env, tenant) / "apps"
            for values_file in sorted(apps.glob("*.values.yaml")) if apps.is_dir() else []:
                network.add(env, _workload(load_trusted(values_file.read_text()), tenant, env))
    return network


def _workload(values: dict[str, Any], tenant: str, env: str) -> list[Located]:
    """What helm renders of an app that the policies select on: its pod labels, its database."""
    name, namespace = values["name"], layout.tenant_namespace(tenant, env)
    labels = {"app.kubernetes.io/name": name, "berth.dev/tenant": tenant}
    kind, api = ("CronJob", "batch/v1") if values.get("schedule") else ("Deployment", "apps/v1")
    template = {"metadata": {"labels": labels}}
    spec = (
        {"jobTemplate": {"spec": {"template": template}}}
        if kind == "CronJob"
        else {"template": template}
    )
    found = [
        {
            "apiVersion": api,
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }
    ]
    if values["database"]["enabled"]:
        found.append(
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Cluster",
                "metadata": {"name": f"{name}-db", "namespace": namespace},
                "spec": {"inheritedMetadata": {"labels": {"berth.dev/tenant": tenant}}},
            }
        )
    return [Located(obj, "bench") for obj in found]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="*", default=[100])
    parser.add_argument("--apps", type=int, default=2, help="applications per tenant")
    parser.add_argument("--no-single", action="store_true", help="only the runs verify makes")
    parser.add_argument("--jobs", type=int, default=2, help="analyzer runs at once")
    args = parser.parse_args()
    nca = find_nca()
    if nca is None:
        sys.exit(
            "nca not found: pip install network-config-analyzer (or .ci/install-tools --flows)"
        )
    for n in args.tenants:
        with tempfile.TemporaryDirectory(prefix="berth-flows-bench-") as tmp:
            root = Path(tmp)
            make_repo(root, n, args.apps)
            assert render(root) == 0
            valid, problems = validate_repo(load_repo(str(root)))
            assert valid is not None, problems[:3]
            raw = load_repo(str(root))
            envs = [env.name for env in valid.platform.spec.environments]
            start = time.perf_counter()
            network = collect(root, envs, sorted(valid.tenants))
            print(
                f"\n{n} tenants x {args.apps} app(s): input collected in {time.perf_counter() - start:.1f} s"
            )
            print(HEADER)
            groups = [envs] + ([] if args.no_single else [[env] for env in envs])
            for group in groups:
                start = time.perf_counter()
                found, costs = flow_problems(valid, raw, network, group, nca, args.jobs)
                step = time.perf_counter() - start
                assert found == [], [str(p) for p in found[:5]]
                for env in [e for e in envs if any(run.env == e for run in costs)]:
                    runs = [run for run in costs if run.env == env]
                    label = env + (" (as verify)" if group == envs else " (alone)")
                    print(
                        f"  {label:<24}{len(runs):>6}{max(r.pods for r in runs):>10}"
                        f"{max(r.policies for r in runs):>14}"
                        f"{sum(r.cost.wall for r in runs):>12.1f}"
                        f"{sum(r.cost.user for r in runs):>12.1f}{step:>9.1f}"
                    )


if __name__ == "__main__":
    os.environ.setdefault("CI", "")
    main()

"""Benchmark: validate and render N synthetic tenants (3 environments each).

Run: `make bench` or
`.venv/bin/python bench/render_bench.py [--tenants 100 1000] [--apps 2] [--kustomize]`

For each N it prints CPU and wall time of: validate (load + every check), a full render into
an empty tree, a no-op `render --check`, and a re-render after changing one tenant; next to
the floor, the time PyYAML's C dumper takes merely to serialise the same objects. Peak
memory is the process's maximum resident set size. With --kustomize it also times reading
one environment root and its shards at the largest N as Argo CD's repo server would (plain
directories, bench/argocd_root.py; the flag keeps its name from when the root was kustomize). With --apps A every tenant also
gets A applications in every environment (a web-service with a host and, for every other
tenant, a database; a worker; a cronjob; in turn), each a values file and an Argo CD Application.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import argocd_root  # noqa: E402
from generator.commands import render as render_command  # noqa: E402
from generator.load import load_repo  # noqa: E402
from generator.render import app as app_objects  # noqa: E402
from generator.render import environment as env_objects  # noqa: E402
from generator.render import tenant as tenant_objects  # noqa: E402
from generator.validate import ValidRepo, validate_repo  # noqa: E402
from generator.yamlio.writer import Dumped  # noqa: E402

SIZES = ("small", "medium", "large")

# Overlay patches are text that keeps the value it was written from (generator/yamlio/writer.py
# `Dumped`): the floor writes them as the strings they are.
yaml.add_representer(
    Dumped, lambda dumper, text: dumper.represent_str(str(text)), Dumper=yaml.CSafeDumper
)


def make_repo(root: Path, n: int, apps: int = 0) -> None:
    shutil.copy(REPO / "platform.yaml", root / "platform.yaml")
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    for i in range(n):
        name = f"team{i:04d}"
        peers = [f"team{(i + k) % n:04d}" for k in (1, 7) if (i + k) % n != i]
        write_tenant(root, name, SIZES[i % 3], peers, description=f"Synthetic team number {i}")
        for k in range(apps):
            write_app(root, name, k, database=i % 2 == 0)


APP_SPECS = (
    """  blueprint: web-service
  image: ghcr.io/acme/{tenant}-app{k}
  port: 8080
  resources: {{cpu: 250m, memory: 256Mi}}
  env: {{LOG_LEVEL: info}}
  secrets: [{{name: API_TOKEN, key: app{k}/api-token}}]
{database}  environments:
    dev: {{tag: "1.0.{k}", replicas: 1, host: app{k}.{tenant}.dev.acme.example}}
    staging: {{tag: "1.0.{k}", replicas: 2, host: app{k}.{tenant}.staging.acme.example}}
    prod: {{tag: "1.0.{k}", host: app{k}.{tenant}.acme.example,
           autoscale: {{min: 2, max: 4, cpuPercent: 70}}}}
""",
    """  blueprint: worker
  image: registry.acme.example/{tenant}/app{k}
  resources: {{cpu: 100m, memory: 128Mi}}
  env: {{QUEUE: {tenant}-events}}
  environments:
    dev: {{tag: "2.0.{k}"}}
    staging: {{tag: "2.0.{k}", replicas: 2}}
    prod: {{tag: "2.0.{k}", replicas: 2}}
""",
    """  blueprint: cronjob
  image: ghcr.io/acme/{tenant}-app{k}
  schedule: "{k} 2 * * *"
  resources: {{cpu: 100m, memory: 128Mi}}
  environments:
    dev: {{tag: "3.0.{k}"}}
    staging: {{tag: "3.0.{k}"}}
    prod: {{tag: "3.0.{k}"}}
""",
)


def write_app(root: Path, tenant: str, k: int, database: bool) -> None:
    folder = root / "tenants" / tenant / "apps"
    folder.mkdir(parents=True, exist_ok=True)
    spec = APP_SPECS[k % len(APP_SPECS)].format(
        tenant=tenant,
        k=k,
        database="  database: {engine: postgres, size: small}\n" if database and k == 0 else "",
    )
    (folder / f"app{k}.yaml").write_text(
        "apiVersion: berth.dev/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: app{k}\nspec:\n{spec}"
    )


def write_tenant(root: Path, name: str, size: str, peers: list[str], description: str) -> None:
    folder = root / "tenants" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.yaml").write_text(
        f"""apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: {name}
spec:
  description: {description}
  owners: [alice, bob]
  group: acme/{name}
  costCenter: CC-{name[-4:]}
  environments:
    dev: {{size: small}}
    staging: {{size: {size}}}
    prod: {{size: {size}, quota: {{cpu: "3"}}}}
  allowFrom: [{", ".join(peers)}]
"""
    )


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def validated(root: Path) -> ValidRepo:
    valid, problems = validate_repo(load_repo(str(root)))
    assert valid is not None, problems[:5]
    return valid


def all_objects(repo: ValidRepo) -> list[dict[str, Any]]:
    """The objects a full render serialises, for the floor measurement."""
    platform = repo.platform
    objects: list[dict[str, Any]] = []
    for env in platform.spec.environments:
        present = [t for t, spec in repo.tenants.items() if env.name in spec.spec.environments]
        objects += [
            env_objects.platform_project(platform, env),
            env_objects.root_application(platform, env),
            *env_objects.shard_applications(platform, env),
        ]
        env_peers = tenant_objects.peers(repo.tenants, env.name)
        for name in present:
            tenant = repo.tenants[name]
            objects += [
                tenant_objects.tenant_argocd_application(platform, env, tenant),
                tenant_objects.tenant_project(platform, env, tenant),
                tenant_objects.guardrails_application(platform, env, tenant),
                tenant_objects.overlay(platform, env, tenant, env_peers[name]),
            ]
            for app in repo.apps.get(name, {}).values():
                blueprint = repo.blueprints[app.spec.blueprint]
                objects += [
                    app_objects.application(platform, env, tenant, app, blueprint),
                    app_objects.values(platform, env, tenant, app, blueprint),
                ]
    return objects


def render(root: Path, check: bool = False) -> int:
    return render_command.run(
        str(root), check=check, fmt="text", out=io.StringIO(), err=io.StringIO()
    )


def bench(n: int, apps: int, kustomize: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="berth-bench-") as tmp:
        root = Path(tmp)
        make_repo(root, n, apps)
        v_cpu, v_wall, repo = timed(lambda: validated(root))
        objects = all_objects(repo)
        f_cpu, f_wall, _ = timed(
            lambda: yaml.dump_all(objects, Dumper=yaml.CSafeDumper, sort_keys=False)
        )
        r_cpu, r_wall, rc = timed(lambda: render(root))
        assert rc == 0
        files = sum(len(f) for _, _, f in os.walk(root / "environments"))
        size = sum(p.stat().st_size for p in (root / "environments").rglob("*") if p.is_file())
        c_cpu, c_wall, rc = timed(lambda: render(root, check=True))
        assert rc == 0, "a fresh render must be up to date"
        write_tenant(
            root, "team0003", "large", ["team0004"], description="Changed by the benchmark"
        )
        o_cpu, o_wall, rc = timed(lambda: render(root))
        assert rc == 0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with_apps = f" x {apps} applications" if apps else ""
        print(
            f"\nN = {n} tenants{with_apps} x 3 environments: {len(objects)} objects, {files} files,"
            f" {size / 1e6:.1f} MB"
        )
        print(f"  {'step':<34}{'cpu s':>8}{'wall s':>8}{'x floor':>9}")
        rows = [
            ("floor: PyYAML CSafeDumper", f_cpu, f_wall),
            ("validate (load + checks)", v_cpu, v_wall),
            ("full render (validate+build+write)", r_cpu, r_wall),
            ("no-op render --check", c_cpu, c_wall),
            ("re-render after one tenant change", o_cpu, o_wall),
        ]
        for label, cpu, wall in rows:
            print(f"  {label:<34}{cpu:>8.2f}{wall:>8.2f}{cpu / f_cpu:>9.2f}")
        print(f"  validate + full render: {(v_cpu + r_cpu) / f_cpu:.2f}x floor (CPU)")
        print(
            f"  no-op check / full render: {c_cpu / r_cpu:.2f}; one-tenant / full: {o_cpu / r_cpu:.2f}"
        )
        print(f"  peak memory (max RSS so far): {peak:.0f} MB")
        if kustomize:
            for line in argocd_root.report(str(root), "prod"):
                print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--apps", type=int, default=0, help="applications per tenant")
    parser.add_argument("--kustomize", action="store_true")
    args = parser.parse_args()
    for n in args.tenants:
        bench(n, args.apps, args.kustomize and n == max(args.tenants))


if __name__ == "__main__":
    main()

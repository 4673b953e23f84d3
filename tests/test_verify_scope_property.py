"""The property behind `verify --base`: on a consistent base, it finds exactly what the full
`verify` finds, whatever file a change adds or edits, wherever, under whatever name.

Hypothesis draws a few files (a folder of a chart, a kustomization, an environment's tree,
the documentation, the top of the repository; any suffix; a ClusterRoleBinding, a
ConfigMap, broken YAML or prose) and edits of existing sources, lays them over the example
repository and holds the scoped run to the full run's exit code and findings. Few examples
on the four-tenant example: each costs two verifies with the real kubectl and helm.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.repo import berth, copy_example, git
from tests.support.tools import tool

pytestmark = pytest.mark.tools

FOLDERS = (
    "blueprints/chart/templates",  # Helm renders every file here but `_*` and NOTES.txt
    "blueprints/chart",
    "blueprints/tenant",
    "blueprints/tenant/alerts",
    "environments/dev/tenants/payments",
    "environments/prod/tenants/checkout/guardrails",
    "docs",
    "",
)
NAMES = ("notes", "extra", "_partial", "NOTES")
SUFFIXES = (".md", ".yaml", ".yml", ".txt", ".tpl", "")
BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: sneaky-admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: default, namespace: payments-dev}]
"""
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: b}\n"
CONTENTS = (BINDING, CONFIG_MAP, "a: [\n", "# Notes\n\nNothing to apply.\n")
# Edits of files the base holds: (path, old, new).
EDITS = (
    ("environments/dev/tenants/payments/apps/api.values.yaml", "replicas: 1", 'replicas: "one"'),
    ("blueprints/tenant/limitrange.yaml", "kind: LimitRange", "kind: LimitRange\nbogus: field"),
    ("blueprints/chart/templates/service.yaml", "kind: Service", "kind: Service\nbogus: field"),
)

files = st.lists(
    st.tuples(
        st.sampled_from(FOLDERS),
        st.sampled_from(NAMES),
        st.sampled_from(SUFFIXES),
        st.sampled_from(CONTENTS),
    ),
    min_size=1,
    max_size=2,
)
edits = st.lists(st.sampled_from(EDITS), max_size=1, unique=True)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example repository, committed; verify builds with the real kubectl and helm."""
    dirs = sorted({str(Path(tool(name)).parent) for name in ("kubectl", "helm")})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([*dirs, os.environ.get("PATH", "")]))
        yield copy_example(tmp_path_factory.mktemp("verify-property") / "repo", commit=True)


def findings(root: Path, *args: str) -> tuple[int, list[object]]:
    code, out, err = berth(root, "verify", "--format", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)["problems"]


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(files=files, edits=edits)
def test_scoped_verify_agrees_with_the_full_one(
    example: Path, files: list[tuple[str, str, str, str]], edits: list[tuple[str, str, str]]
) -> None:
    git(example, "reset", "-q", "--hard", "HEAD")
    git(example, "clean", "-fdq", "-e", ".berth")
    for folder, name, suffix, content in files:
        path = example / folder / f"{name}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    for rel, old, new in edits:
        path = example / rel
        path.write_text(path.read_text().replace(old, new, 1))
    assert findings(example, "--base", "HEAD") == findings(example), (files, edits)


def test_the_property_can_tell_a_missed_finding(example: Path) -> None:
    """The comparison above is not vacuous: this change fails the full verify."""
    git(example, "reset", "-q", "--hard", "HEAD")
    git(example, "clean", "-fdq", "-e", ".berth")
    (example / "blueprints/chart/templates/notes.md").write_text(BINDING)
    code, problems = findings(example)
    assert code == 1 and any("sneaky-admin" in json.dumps(p) for p in problems), problems
    assert findings(example, "--base", "HEAD") == (code, problems)

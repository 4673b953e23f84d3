"""Catalog cases: a request tree in, the exact catalog files out, every reference resolving.

A case's files are laid over `tests/cases/valid/_base` with the repository's blueprints/
(tests/cases/catalog/README.md). Regenerate after a deliberate change:
`pytest --update-golden tests/test_catalog_cases.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.repo import layout
from tests.support.backstage import load_entities, validate
from tests.support.cases import case_names, check_text, check_tree, lay_over
from tests.support.cli import berth
from tests.support.tools import REPO

CASES = Path(__file__).parent / "cases" / "catalog"
BASE = Path(__file__).parent / "cases" / "valid" / "_base"
# The spec fields that hold entity references, one or a list.
REFERENCES = ("owner", "system", "parent", "memberOf", "children", "dependsOn")
API_REFERENCES = ("providesApis", "consumesApis")


def _ref(entity: dict[str, Any]) -> str:
    meta = entity["metadata"]
    return f"{entity['kind'].lower()}:{meta.get('namespace', 'default')}/{meta['name']}"


def references(entities: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for entity in entities:
        spec = entity.get("spec", {})
        for key in (*REFERENCES, *API_REFERENCES):
            value = spec.get(key, [])
            found += [value] if isinstance(value, str) else value
    return found


def unresolved(entities: list[dict[str, Any]]) -> set[str]:
    return set(references(entities)) - {_ref(e) for e in entities}


def _render(case: Path, root: Path) -> tuple[Path, str]:
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(case, root)
    code, out, err = berth(root, "validate", "--format", "text")
    assert code == 0 and err == "", out + err
    code, _, err = berth(root, "render")
    assert code == 0, err
    return root, out


@pytest.mark.tools
@pytest.mark.parametrize("name", case_names(CASES))
def test_catalog_case(name: str, tmp_path: Path) -> None:
    case = CASES / name
    root, out = _render(case, tmp_path / "repo")
    check_text(case / "expected.txt", out)
    folder = root / layout.CATALOG_DIR / "tenants"
    check_tree(
        case / "expected" / "catalog" / "tenants",
        {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))},
    )
    assert (case / "README.md").read_text().strip()
    entities = load_entities(*sorted((root / layout.CATALOG_DIR).rglob("*.yaml")))
    assert references(entities) and unresolved(entities) == set()
    assert validate(entities) == {}


def test_a_dangling_api_reference_is_seen(tmp_path: Path) -> None:
    # The resolution check can fail: a consumesApis naming no API entity is reported.
    entities = [
        {"kind": "Group", "metadata": {"name": "t", "namespace": "t"}, "spec": {}},
        {
            "kind": "Component",
            "metadata": {"name": "a", "namespace": "t"},
            "spec": {"owner": "group:t/t", "consumesApis": ["api:u/b"]},
        },
    ]
    assert unresolved(entities) == {"api:u/b"}

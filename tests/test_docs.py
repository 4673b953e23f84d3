"""The user's reference stays true to the product: it covers every request field, its links
resolve, and nothing in the repository points at files a user who clones it does not have."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.support.tools import REPO

DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE_SPAN = re.compile(r"`[^`\n]*`")


@pytest.mark.parametrize("kind", ["platform", "tenant", "application"])
def test_every_spec_field_of_a_request_is_in_the_reference(kind: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    spec = schema["properties"]["spec"]
    if "$ref" in spec:
        spec = schema["$defs"][spec["$ref"].rsplit("/", 1)[1]]
    text = (DOCS / "requests.md").read_text()
    missing = [field for field in spec["properties"] if f"`{field}" not in text]
    assert not missing, f"docs/requests.md does not describe {kind} fields {missing}"


@pytest.mark.parametrize("page", [*sorted(p.name for p in DOCS.glob("*.md")), "../README.md"])
def test_links_of_the_reference_resolve(page: str) -> None:
    path = DOCS / page
    broken = [
        target
        for target in LINK.findall(CODE_SPAN.sub("", path.read_text()))
        if "://" not in target and not (path.parent / target).exists()
    ]
    assert not broken, f"{page} links to missing files: {broken}"


def test_every_reference_page_is_listed_in_the_index() -> None:
    index = (DOCS / "README.md").read_text()
    pages = sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md")
    assert pages, "docs/ has no pages"
    assert [p for p in pages if f"({p})" not in index] == []


def test_nothing_in_the_repository_points_outside_it() -> None:
    # A user clones Berth and has nothing else: no code, test, doc or workflow may name the
    # sibling folder the project was started from.
    banned = "|".join(["\\.\\./" + "shared", "BERTH_" + "SHARED", "/work/" + "shared"])
    found = subprocess.run(
        ["git", "grep", "-nE", banned, "--", ".", ":!environments"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1, f"references outside the repository:\n{found.stdout}"


def test_the_repository_tracks_no_symbolic_links() -> None:
    # A tracked link (a tool folder, a request) would point a fresh clone somewhere else.
    listed = subprocess.run(
        ["git", "ls-files", "-s"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert listed, "git ls-files listed nothing"
    assert [line for line in listed.splitlines() if line.startswith("120000 ")] == []

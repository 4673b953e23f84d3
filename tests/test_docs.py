"""The user's reference stays true to the product: it covers every request field, its links
resolve, and nothing in the repository points at files a user who clones it does not have."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tokenize
from pathlib import Path

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
    banned = "|".join(["\\.\\./" + "shared", "BERTH_" + "SHARED", "/" + "work/" + "shared"])
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


# Documents a reader of the repository does not have: the project's working notes, numbered
# issues of another tracker, the sibling folder it was started from. Spelled in pieces so
# that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(["contract" + " section", "issue" + " [0-9]+", r"\.\./" + "shared", "/" + "work/"]),
    re.IGNORECASE,
)
# Where code comments, docstrings and the reference live (vendored upstream text excluded).
PROSE = ["generator", "tests", "bench", "docs", "README.md"]
VENDORED = ("generator/crds/", "tests/upstream/")
GENERATOR_PATH = re.compile(r"generator/[\w/]*\w\.py")


def tracked(*paths: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *paths], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [p for p in listed if not p.startswith(VENDORED)]


def outside_references(path: str, text: str) -> list[str]:
    return [
        f"{path}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if OUTSIDE.search(line)
    ]


def prose_of(path: str, text: str) -> list[tuple[int, str]]:
    """(line, text) of what a reader reads as prose: a Markdown file whole; of Python, the
    comments and the strings that stand alone as a statement (docstrings)."""
    if not path.endswith(".py"):
        return list(enumerate(text.splitlines(), 1))
    found = []
    before = tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        standalone = token.type == tokenize.STRING and before in STATEMENT_START
        if token.type == tokenize.COMMENT or standalone:
            found.append((token.start[0], token.string))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            before = token.type
    return found


STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def missing_generator_paths(path: str, text: str, root: Path = REPO) -> list[str]:
    return [
        f"{path}:{line + prose.count(chr(10), 0, found.start())}: {found.group()}"
        for line, prose in prose_of(path, text)
        for found in GENERATOR_PATH.finditer(prose)
        if not (root / found.group()).is_file()
    ]


def readable(path: str) -> str | None:
    try:
        return (REPO / path).read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return None


def test_no_reference_to_documents_outside_the_repository() -> None:
    # A comment or page that cites a document the reader does not have explains nothing:
    # name the repository's own page (docs/<page>.md#anchor) instead.
    files = tracked(*PROSE)
    assert len(files) > 100, files
    found = [
        hit
        for path in files
        if (text := readable(path)) is not None
        for hit in outside_references(path, text)
    ]
    assert found == [], "references to documents outside the repository:\n" + "\n".join(found)


def test_every_generator_path_named_in_docs_and_comments_exists() -> None:
    files = [p for p in tracked(*PROSE) if p.endswith((".py", ".md"))]
    named = 0
    problems: list[str] = []
    for path in files:
        text = readable(path)
        if text is None:
            continue
        named += sum(len(GENERATOR_PATH.findall(p)) for _, p in prose_of(path, text))
        problems += missing_generator_paths(path, text)
    assert named > 50, f"only {named} generator/ paths found: the scan reads nothing"
    assert problems == [], "paths to files that do not exist:\n" + "\n".join(problems)


def test_the_two_checks_catch_a_bad_line() -> None:
    module = '"""See contract' + ' section 4 and generator/nowhere/gone.py."""\nX = 1  # fine\n'
    assert outside_references("generator/m.py", module) == [
        "generator/m.py:1: " + module.splitlines()[0]
    ]
    assert missing_generator_paths("generator/m.py", module) == [
        "generator/m.py:1: generator/nowhere/gone.py"
    ]
    # A path in code, not in prose, is the code's business (and its tests').
    assert missing_generator_paths("generator/m.py", 'P = "generator/nowhere/gone.py"\n') == []
    cited = "as Issue" + " 13 says"
    assert outside_references("docs/x.md", cited + "\n") == [f"docs/x.md:1: {cited}"]

"""Secret, markers, Git blob ids, and the fake's Git objects checked against real Git."""

from __future__ import annotations

import pickle
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.hosts.base import check_proposal, git_blob_sha, with_marker
from generator.hosts.connect import GitHubHost, GitLabHost, Secret, hidden_marker
from tests.support.fake_github import GitStore

TOKEN = "ghs_s3cr3t_value_XYZ"


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret(TOKEN)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        format(secret, ">5"),
        repr([secret]),
    ]
    assert all(TOKEN not in text for text in shown)
    assert repr(secret) == "Secret('***')"
    assert secret.reveal() == TOKEN


def test_a_secret_refuses_pickling_and_emptiness() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(TOKEN))
    with pytest.raises(ValueError):
        Secret("")


def test_a_secret_masks_itself_in_text() -> None:
    assert Secret(TOKEN).scrub(f"bad token {TOKEN}!") == "bad token ***!"
    assert Secret("t").scrub("the text") == "the text"  # too short to be a token


def test_hosts_do_not_show_their_token() -> None:
    github = GitHubHost(repository="acme/platform", token=Secret(TOKEN))
    gitlab = GitLabHost(api_url="https://gl.example/api/v4", project="7", token=Secret(TOKEN))
    for host in (github, gitlab):
        assert TOKEN not in repr(host) + str(host) + host.describe() + repr(vars(host))


@pytest.mark.parametrize(
    "marker", ["berth:plan", " berth:plan ", "<!-- berth:plan -->", "<!--berth:plan-->"]
)
def test_markers_become_one_hidden_comment(marker: str) -> None:
    assert hidden_marker(marker) == "<!-- berth:plan -->"


@pytest.mark.parametrize("marker", ["", "a --> b", "a--b", "<b>", "plan\nx", "-x"])
def test_markers_that_could_break_the_comment_are_refused(marker: str) -> None:
    with pytest.raises(ValueError, match="invalid comment marker"):
        hidden_marker(marker)


def test_the_marker_is_added_once() -> None:
    tag = "<!-- berth:plan -->"
    assert with_marker("body", tag) == f"{tag}\nbody"
    assert with_marker(f"body\n{tag}", tag) == f"body\n{tag}"


@pytest.mark.parametrize(
    "files",
    [{"/etc/passwd": b""}, {"a/../b": b""}, {"a//b": b""}, {"./a": b""}, {"a/": b""}],
)
def test_proposed_paths_must_be_plain_relative_paths(files: dict[str, bytes]) -> None:
    with pytest.raises(ValueError, match="relative"):
        check_proposal("b", "main", files)


def test_blob_ids_and_fake_trees_match_git(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    files = {"README.md": b"# hi\n", "a/b/c.yaml": b"x: 1\n", "a-b": b"", "a.b/z": bytes(range(9))}

    def run(*args: str, data: bytes | None = None) -> str:
        done = subprocess.run(
            [git, *args], cwd=tmp_path, input=data, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    run("init", "-q")
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
        assert git_blob_sha(content) == run("hash-object", "--stdin", data=content)
    run("add", "--all")

    store = GitStore()
    flat = {path: ("100644", store.blob(content)) for path, content in files.items()}
    assert store.write_tree(flat) == run("write-tree")

"""DryRunHost prints the intended actions, to the stream it was given, and returns placeholders."""

from __future__ import annotations

import io

import pytest

from generator.hosts.connect import DryRunHost, GitHost


def test_comment_intent_is_printed_with_its_marker() -> None:
    out = io.StringIO()
    host = DryRunHost(
        out, target="GitHub repository acme/platform", reason="GITHUB_TOKEN is not set"
    )

    url = host.upsert_comment("pull", 7, "## Plan\n\n+ tenant payments", marker="berth:plan")

    assert url == "dry-run://pull/7/comment"
    assert out.getvalue() == (
        "[dry run] would create or update the comment marked <!-- berth:plan --> on pull"
        " request #7 of GitHub repository acme/platform, with this body:\n"
        "    <!-- berth:plan -->\n"
        "    ## Plan\n"
        "    \n"
        "    + tenant payments\n"
    )


def test_pull_request_intent_lists_the_files() -> None:
    out = io.StringIO()
    host = DryRunHost(out)

    url = host.upsert_pull_request(
        branch="berth/tenant-payments",
        base="main",
        title="Tenant payments",
        body="Requested in #12",
        files={"tenants/payments/tenant.yaml": b"kind: Tenant\n", "CODEOWNERS": b"* @a\n"},
        message="Add tenant payments",
    )

    assert url == "dry-run://pull/berth/tenant-payments"
    assert out.getvalue() == (
        "[dry run] would commit those of 2 file(s) that differ to branch"
        " 'berth/tenant-payments' (created from 'main' if missing) of the Git host,"
        " message 'Add tenant payments':\n"
        "    CODEOWNERS (5 bytes)\n"
        "    tenants/payments/tenant.yaml (13 bytes)\n"
        "[dry run] would open or update the pull request 'berth/tenant-payments' -> 'main',"
        " title 'Tenant payments', with this body:\n"
        "    Requested in #12\n"
    )


def test_stdout_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    DryRunHost().upsert_comment("issue", 3, "ok", marker="berth:request")
    assert "issue #3" in capsys.readouterr().out


def test_it_rejects_what_a_real_host_would_reject() -> None:
    host = DryRunHost(io.StringIO())
    with pytest.raises(ValueError, match="must differ"):
        host.upsert_pull_request(
            branch="main", base="main", title="", body="", files={}, message=""
        )
    with pytest.raises(ValueError, match="invalid comment marker"):
        host.upsert_comment("pull", 1, "x", marker="")


def test_every_host_satisfies_the_protocol() -> None:
    from generator.hosts.connect import GitHubHost, GitLabHost, Secret

    hosts: list[GitHost] = [
        DryRunHost(io.StringIO()),
        GitHubHost(repository="a/b", token=Secret("t")),
        GitLabHost(api_url="https://gitlab.example/api/v4", project="1", token=Secret("t")),
    ]
    assert all(isinstance(h, GitHost) for h in hosts)

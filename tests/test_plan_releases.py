"""`berth plan --fail-on-skip` judges the change as a whole: each environment's new image
(repository, tag and digest) against what the environment before it ran on the base.

On the example repository, payments/api runs 1.4.0 in dev and staging and 1.3.2 in prod.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.repo import berth, copy_example, git

API = "tenants/payments/apps/api.yaml"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "repo", commit=True)


def edit(root: Path, *pairs: tuple[str, str]) -> None:
    path = root / API
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def skip_check(root: Path) -> tuple[int, list[str]]:
    code, _, err = berth(root, "plan", "--base", "HEAD", "--fail-on-skip")
    return code, [line for line in err.splitlines() if " before this change" in line]


def test_a_new_tag_set_in_every_environment_at_once_skips_staging_and_prod(
    example: Path,
) -> None:
    edit(
        example,
        ('dev:     {tag: "1.4.0"', 'dev:     {tag: "9.9.9"'),
        ('staging: {tag: "1.4.0"', 'staging: {tag: "9.9.9"'),
        ('prod:    {tag: "1.3.2"', 'prod:    {tag: "9.9.9"'),
    )
    code, lines = skip_check(example)
    assert code == 1
    assert lines == [
        "berth: payments/api: 1.4.0 -> 9.9.9 in staging did not run in dev before this change"
        " (it ran 1.4.0)",
        "berth: payments/api: 1.3.2 -> 9.9.9 in prod did not run in staging before this change"
        " (it ran 1.4.0)",
    ]
    _, out, _ = berth(example, "plan", "--base", "HEAD", "--format", "markdown")
    assert "> - `payments/api: 1.3.2 -> 9.9.9 in prod`, not in `staging` before this change" in out


def test_prod_alone_is_a_skip_and_a_promotion_of_what_ran_is_not(example: Path) -> None:
    edit(example, ('prod:    {tag: "1.3.2"', 'prod:    {tag: "9.9.9"'))
    assert skip_check(example)[0] == 1
    edit(example, ('prod:    {tag: "9.9.9"', 'prod:    {tag: "1.4.0"'))  # staging ran 1.4.0
    assert skip_check(example) == (0, [])


def test_a_promotion_along_the_chain_in_one_change_counts_each_step(example: Path) -> None:
    # staging takes what dev ran (fine), prod what staging did not run before (a skip).
    edit(
        example,
        ('dev:     {tag: "1.4.0"', 'dev:     {tag: "1.5.0"'),
        ('prod:    {tag: "1.3.2"', 'prod:    {tag: "1.4.0"'),
    )
    assert skip_check(example) == (0, [])


def test_a_new_repository_is_a_release_named_in_full(example: Path) -> None:
    edit(example, ("image: ghcr.io/acme/payments-api", "image: ghcr.io/acme/untested-fork"))
    code, out, _ = berth(example, "plan", "--base", "HEAD")
    assert code == 0
    releases = [line.strip() for line in out.splitlines() if line.startswith("  payments/api:")]
    assert releases == [
        "payments/api: ghcr.io/acme/payments-api:1.4.0 -> ghcr.io/acme/untested-fork:1.4.0 in dev",
        "payments/api: ghcr.io/acme/payments-api:1.4.0 -> ghcr.io/acme/untested-fork:1.4.0"
        " in staging (not running in dev before this change: it ran"
        " ghcr.io/acme/payments-api:1.4.0)",
        "payments/api: ghcr.io/acme/payments-api:1.3.2 -> ghcr.io/acme/untested-fork:1.3.2"
        " in prod (not running in staging before this change: it ran"
        " ghcr.io/acme/payments-api:1.4.0)",
    ]
    code, lines = skip_check(example)
    assert code == 1 and len(lines) == 2, lines
    assert "untested-fork:1.4.0 in staging did not run in dev before this change" in lines[0]
    assert "untested-fork:1.3.2 in prod did not run in staging before this change" in lines[1]
    _, data, _ = berth(example, "plan", "--base", "HEAD", "--format", "json")
    [prod] = [i for i in json.loads(data)["images"] if i["environment"] == "prod"]
    assert prod["new"] == {
        "repository": "ghcr.io/acme/untested-fork",
        "tag": "1.3.2",
        "digest": None,
    }
    assert prod["previousOnBase"] == {
        "repository": "ghcr.io/acme/payments-api",
        "tag": "1.4.0",
        "digest": None,
    }


def test_an_environment_an_application_gains_is_a_release_into_it(example: Path) -> None:
    staging = '    staging: {tag: "1.4.0", replicas: 2, host: payments.staging.acme.example}\n'
    edit(example, (staging, ""))
    assert berth(example, "render")[0] == 0
    git(example, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "-")
    edit(example, ("    prod:", staging.replace("1.4.0", "9.9.9") + "    prod:"))
    code, lines = skip_check(example)
    assert code == 1
    assert lines == [
        "berth: payments/api: ghcr.io/acme/payments-api:9.9.9 in staging (new environment)"
        " did not run in dev before this change (it ran ghcr.io/acme/payments-api:1.4.0)"
    ]
    edit(example, ("9.9.9", "1.4.0"))  # what dev ran: a promotion into the new environment
    assert skip_check(example) == (0, [])

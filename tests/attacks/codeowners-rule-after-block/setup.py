"""Add a line after the generated CODEOWNERS block that gives payments' folder to mallory."""

from pathlib import Path


def apply(repo: Path) -> None:
    owners = repo / "CODEOWNERS"
    text = owners.read_text()
    assert text.endswith("# END berth tenants\n")
    owners.write_text(text + "/tenants/payments/ @mallory\n")

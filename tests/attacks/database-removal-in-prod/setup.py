"""Turn off the database of payments/api: in prod that prunes the Cluster and its volumes."""

from pathlib import Path


def apply(repo: Path) -> None:
    app = repo / "tenants/payments/apps/api.yaml"
    text = app.read_text()
    line = (
        "  database: {engine: postgres, size: small}             # optional: a managed Postgres\n"
    )
    assert line in text
    app.write_text(text.replace(line, ""))

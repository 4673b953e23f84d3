"""`berth schema [--check]`: write schemas/*.schema.json from the request models."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from pydantic import BaseModel

from generator.cost.json_schema import CostReport
from generator.models.application import Application
from generator.models.charts import ChartApplication
from generator.models.platform import Platform
from generator.models.scenario import Scenario
from generator.models.system import System
from generator.models.tenant import Tenant
from generator.repo import layout
from generator.repo.atomic import write_atomic

MODELS: dict[str, type[BaseModel]] = {
    "platform": Platform,
    "tenant": Tenant,
    "application": Application,
    "scenario": Scenario,
    "chart-application": ChartApplication,  # `blueprint: chart` (docs/requests.md)
    "system": System,
    "cost-report": CostReport,
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    generated = model.model_json_schema()
    return {"$schema": DIALECT, "$id": generated.pop("$id"), **generated}


def schema_files() -> dict[str, str]:
    return {
        f"{layout.SCHEMAS_DIR}/{name}.schema.json": json.dumps(
            schema_of(model), indent=2, ensure_ascii=False
        )
        + "\n"
        for name, model in MODELS.items()
    }


def run(root: str, *, check: bool, out: TextIO) -> int:
    stale = []
    for path, text in schema_files().items():
        full = os.path.join(root, path)
        try:
            with open(full, encoding="utf-8") as fh:
                current: str | None = fh.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        stale.append(path)
        if not check:
            write_atomic(full, text)
    if check and stale:
        for path in stale:
            out.write(f"stale: {path}\n")
        out.write("berth: schemas are stale; run `berth schema` and commit the result\n")
        return 1
    if stale:
        out.write(f"berth: {len(stale)} schema file(s) written\n")
    else:
        out.write(f"berth: the {len(MODELS)} schema files are up to date\n")
    return 0

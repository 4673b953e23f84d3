"""`berth status`'s scenarios: each one with its base environment, its expiry and the releases
it runs, so a team sees what it has open and until when (docs/requests.md#scenarios)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from generator.models.image import released
from generator.problems.code_spans import code
from generator.validate import ValidRepo
from generator.validate.scenarios import expiry, scenario_apps


@dataclass(frozen=True)
class ScenarioStatus:
    tenant: str
    name: str
    base: str
    expires: str
    days_left: int  # through `expires`; 0 on its last day, below 0 once it has expired
    apps: tuple[tuple[str, str], ...]  # (app, image) as the scenario runs them

    @property
    def when(self) -> str:
        if self.days_left < 0:
            return f"expired on {self.expires}: `berth expire` removes it"
        if self.days_left == 0:
            return f"expires today ({self.expires})"
        return (
            f"until {self.expires} ({self.days_left} more day{'s' if self.days_left > 1 else ''})"
        )


def scenario_statuses(
    repo: ValidRepo, tenant: str | None, today: datetime.date
) -> list[ScenarioStatus]:
    found = []
    for name, scenarios in sorted(repo.scenarios.items()):
        if tenant is not None and name != tenant:
            continue
        for scenario_name, scenario in sorted(scenarios.items()):
            environment = repo.platform.spec.environment(scenario.spec.base)
            if environment is None:
                continue
            present = [
                a
                for a in repo.apps.get(name, {}).values()
                if environment.name in a.spec.environments
            ]
            apps = tuple(
                (a.metadata.name, str(released(a, environment.name)))
                for a in scenario_apps(name, scenario, environment, present)
            )
            left = (expiry(scenario) - today).days
            found.append(
                ScenarioStatus(
                    name, scenario_name, environment.name, scenario.spec.expires, left, apps
                )
            )
    return found


def as_json(rows: list[ScenarioStatus]) -> list[dict[str, object]]:
    return [
        {
            "tenant": r.tenant,
            "scenario": r.name,
            "base": r.base,
            "expires": r.expires,
            "expired": r.days_left < 0,
            "apps": {app: image for app, image in r.apps},
        }
        for r in rows
    ]


def text(rows: list[ScenarioStatus]) -> str:
    if not rows:
        return ""
    lines = ["", "Scenarios:"]
    for r in rows:
        runs = ", ".join(f"{app} {image}" for app, image in r.apps) or "no apps"
        lines.append(f"  {r.tenant}/{r.name} in {r.base}, {r.when}: {runs}")
    return "\n".join(lines) + "\n"


def markdown(rows: list[ScenarioStatus]) -> str:
    if not rows:
        return ""
    out = ["\n## Scenarios\n\n", "| Scenario | Base | Expires | Runs |\n", "|---|---|---|---|\n"]
    for r in rows:
        runs = ", ".join(code(f"{app} {image}") for app, image in r.apps) or "-"
        out.append(
            f"| {code(f'{r.tenant}/{r.name}')} | {code(r.base)} | {r.when.replace('`', '')} | {runs} |\n"
        )
    return "".join(out)

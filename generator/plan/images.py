"""Which image each application runs, per environment, before and after a change.

The plan names every release ("api: 1.4.0 -> 1.5.0 in prod") and flags an image that
arrives in an environment without running in the one before it (for this application:
the previous environment, in platform.yaml's order, that the application runs in). Such a
skip needs the pull request label `berth/approve-skip` when the check asks
(`berth plan --fail-on-skip`), the way deletions need `berth/approve-deletion`; into a
`sync: manual` environment it is also a warning in the plan itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.release import Image, released
from generator.validate import ValidRepo


@dataclass(frozen=True, order=True)
class ImageChange:
    env: str
    tenant: str
    app: str
    old: Image
    new: Image
    previous_env: str | None  # the environment before, for this application
    previous: Image | None  # what it runs there after the change
    sync: str

    @property
    def skipped(self) -> bool:
        """The new image does not run in the environment before this one."""
        return self.previous_env is not None and self.previous != self.new

    @property
    def label(self) -> str:
        return f"{self.tenant}/{self.app}: {self.old} -> {self.new} in {self.env}"


def image_changes(base: ValidRepo | None, head: ValidRepo) -> list[ImageChange]:
    order = [env.name for env in head.platform.spec.environments]
    found: list[ImageChange] = []
    for tenant, apps in head.apps.items():
        for name, app in apps.items():
            before = base.apps.get(tenant, {}).get(name) if base is not None else None
            runs = [env for env in order if env in app.spec.environments]
            for env in order:
                old = released(before, env) if before is not None else None
                new = released(app, env)
                # Only releases: an application or environment that is added or removed
                # shows in the plan's objects, and has no previous image to compare.
                if old is None or new is None or old == new:
                    continue
                index = runs.index(env) if env in runs else -1
                previous_env = runs[index - 1] if index > 0 else None
                environment = head.platform.spec.environment(env)
                found.append(
                    ImageChange(
                        env=env,
                        tenant=tenant,
                        app=name,
                        old=old,
                        new=new,
                        previous_env=previous_env,
                        previous=released(app, previous_env) if previous_env else None,
                        sync=environment.sync if environment is not None else "unknown",
                    )
                )
    return sorted(found, key=lambda c: (order.index(c.env), c.tenant, c.app))


def image_lines(changes: list[ImageChange]) -> list[str]:
    """One line per release, with what a reviewer must know about it."""
    lines = []
    for change in changes:
        line = change.label
        if change.skipped:
            line += (
                f" (not running in {change.previous_env}, which runs"
                f" {change.previous or 'nothing'})"
            )
        lines.append(line)
    return lines

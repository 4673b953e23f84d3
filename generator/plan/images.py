"""Which image each application runs, per environment, before and after a change.

The plan names every release ("api: 1.4.0 -> 1.5.0 in prod"; with the repository when
`spec.image` changes: "api: ghcr.io/acme/api:1.4.0 -> ghcr.io/acme/fork:1.4.0 in prod") and
flags an image that arrives in an environment without having run, *before the change*, in
the environment before it (for this application: the previous environment, in
platform.yaml's order, that the application runs in). The image is the whole reference:
repository, tag and digest; an environment an existing application gains is a release into
it ("api: ghcr.io/acme/api:1.5.0 in prod (new environment)"). Comparing with the base, not
with the head, is what makes the guard hold over the change as a whole: setting one never-run
image in dev, staging and prod at once is a skip into staging and into prod, as setting it in
prod alone is. Such a skip needs the pull request label `berth/approve-skip` when the check
asks (`berth plan --fail-on-skip`), the way deletions need `berth/approve-deletion`; into a
`sync: manual` environment it is also a warning in the plan itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TypeVar

from generator.models.application import Application
from generator.models.image import Image, released
from generator.validate import ValidRepo

App = TypeVar("App")


@dataclass(frozen=True, order=True)
class Reference:
    """An image in full: what a pod pulls."""

    repository: str
    image: Image

    def __str__(self) -> str:
        separator = "@" if self.image.tag is None else ":"  # a digest alone, or a tag first
        return f"{self.repository}{separator}{self.image}"


def reference(app: Application | None, env: str | None) -> Reference | None:
    image = released(app, env) if app is not None and env is not None else None
    return None if app is None or image is None else Reference(app.spec.image, image)


@dataclass(frozen=True, order=True)
class ImageChange:
    env: str
    tenant: str
    app: str
    old: Reference | None  # None: the application did not run in this environment before
    new: Reference
    previous_env: str | None  # the environment before, for this application
    previous: Reference | None  # what it ran there before the change (None: nothing)
    sync: str

    @property
    def skipped(self) -> bool:
        """The new image did not run in the environment before this one, on the base."""
        return self.previous_env is not None and self.previous != self.new

    @property
    def label(self) -> str:
        if self.old is None:
            return f"{self.tenant}/{self.app}: {self.new} in {self.env} (new environment)"
        if self.old.repository == self.new.repository:
            old, new = str(self.old.image), str(self.new.image)
        else:  # a new repository is a release too, and the reviewer must see which
            old, new = str(self.old), str(self.new)
        return f"{self.tenant}/{self.app}: {old} -> {new} in {self.env}"

    @property
    def previous_text(self) -> str:
        """What the environment before ran on the base, as short as the label allows."""
        if self.previous is None:
            return "nothing"
        same = self.old is not None and self.old.repository == self.new.repository
        if same and self.previous.repository == self.new.repository:
            return str(self.previous.image)
        return str(self.previous)


def release_changes(
    head: ValidRepo,
    apps: Mapping[str, Mapping[str, App]],
    before: Callable[[str, str], App | None],
    ref: Callable[[App | None, str | None], Reference | None],
    runs_in: Callable[[App], Collection[str]],
) -> list[ImageChange]:
    """What each app of `apps` releases per environment against its base version `before`
    (`ref`: what it runs in an environment; `runs_in`: the environments it has), with the
    previous environment's base release for the skip guard."""
    order = [env.name for env in head.platform.spec.environments]
    found: list[ImageChange] = []
    for tenant, named in apps.items():
        for name, app in named.items():
            old_app = before(tenant, name)
            runs = [env for env in order if env in runs_in(app)]
            for env in order:
                old, new = ref(old_app, env), ref(app, env)
                # A new application shows in the plan's objects and runs nowhere yet; an
                # environment an application leaves releases nothing. An environment an
                # existing application gains is a release into it.
                if old_app is None or new is None or old == new:
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
                        previous=ref(old_app, previous_env),
                        sync=environment.sync if environment is not None else "unknown",
                    )
                )
    return found


def image_changes(base: ValidRepo | None, head: ValidRepo) -> list[ImageChange]:
    order = [env.name for env in head.platform.spec.environments]
    found = release_changes(
        head,
        head.apps,
        lambda tenant, name: None if base is None else base.apps.get(tenant, {}).get(name),
        reference,
        lambda app: app.spec.environments,
    )
    return sorted(found, key=lambda c: (order.index(c.env), c.tenant, c.app))


def image_lines(changes: list[ImageChange]) -> list[str]:
    """One line per release, with what a reviewer must know about it."""
    lines = []
    for change in changes:
        line = change.label
        if change.skipped:
            line += (
                f" (not running in {change.previous_env} before this change: it ran"
                f" {change.previous_text})"
            )
        lines.append(line)
    return lines

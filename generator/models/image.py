"""The image an application runs in an environment: a tag, a digest, or both."""

from __future__ import annotations

from dataclasses import dataclass

from generator.models.application import Application


@dataclass(frozen=True, order=True)
class Image:
    """What an environment runs: a tag, a digest, or both (the digest then pulls)."""

    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        if self.digest:
            short = self.digest.removeprefix("sha256:")[:12]
            return f"{self.tag}@sha256:{short}" if self.tag else f"sha256:{short}"
        return self.tag or "-"


def released(app: Application, env: str) -> Image | None:
    settings = app.spec.environments.get(env)
    return None if settings is None else Image(settings.tag, settings.digest)

"""platform.yaml's `berth:` section: which Berth the repository's CI installs, and from where."""

from __future__ import annotations

from pydantic import Field, model_validator

from generator.models.common import Strict


class BerthInstall(Strict):
    """The Berth release this repository's workflows and CI jobs install, and where from:
    the package index (the default), an internal index (`index`), an archive checked against
    its hash (`url` and `sha256`), or this repository itself (`source: true`, for a repository
    that is Berth's own source). `berth upgrade` rewrites the install steps from it."""

    version: str | None = Field(
        default=None,
        pattern=r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$",
        description="The pinned Berth release, MAJOR.MINOR.PATCH; `berth init` and `berth"
        " upgrade` write the running version here. Required unless `source: true`.",
        examples=["0.2.0"],
    )
    index: str | None = Field(
        default=None,
        max_length=2048,
        pattern=r"^https://[A-Za-z0-9._~:/?&=%+@,;-]+$",
        description="A package index to install from instead of PyPI (pip's `--index-url`).",
        examples=["https://pypi.internal.example/simple"],
    )
    url: str | None = Field(
        default=None,
        max_length=2048,
        pattern=r"^https://[A-Za-z0-9._~:/?&=%+@,;-]+\.(whl|tar\.gz)$",
        description="A wheel or sdist archive of the pinned release (a Git host's release"
        " asset); pip refuses it unless its SHA-256 is `sha256`.",
        examples=[
            "https://github.com/acme/berth/releases/download/v0.2.0/berth-0.2.0-py3-none-any.whl"
        ],
    )
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="The archive's SHA-256, hex."
    )
    source: bool = Field(
        default=False,
        description="Install Berth from this repository (`pip install .`): only for a"
        " repository that holds Berth's source.",
    )

    @model_validator(mode="after")
    def _one_way(self) -> BerthInstall:
        if self.source and (self.index or self.url):
            raise ValueError("source: true installs this repository; drop index and url")
        if self.index and self.url:
            raise ValueError("give index or url, not both")
        if (self.url is None) != (self.sha256 is None):
            raise ValueError("url and sha256 go together: pip checks the archive against it")
        if not self.source and self.version is None:
            raise ValueError("version is required (the Berth release CI installs)")
        return self

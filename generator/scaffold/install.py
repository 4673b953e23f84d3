"""The "install Berth" lines of the workflows and CI jobs, written from platform.yaml's
`berth:` section between two marker comments; everything else in those files is Berth's as
shipped. No `berth:` section installs this repository (`pip install .`), as 0.1.0 did."""

from __future__ import annotations

import re

from generator.models.install import BerthInstall

BEGIN = "# berth:install begin (written by `berth upgrade` from platform.yaml's berth: section)"
END = "# berth:install end"
_BLOCK = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}\n(?P<body>.*?)^(?P=indent){re.escape(END)}\n",
    re.MULTILINE | re.DOTALL,
)
_GITHUB_PIP = ".venv/bin/python -m pip install --quiet --disable-pip-version-check"
# GitLab's dependencies come hash-checked from .gitlab/requirements.txt first, so Berth
# itself is installed without them; -I and --isolated: no PYTHON* or PIP_* variable counts.
_GITLAB_PIP = (
    ".venv/bin/python -I -m pip install --isolated --quiet --disable-pip-version-check"
    " --no-cache-dir --no-deps"
)


def _requirement(setting: BerthInstall) -> str:
    """What pip installs, shell-quoted (the model's patterns allow no quote in a value)."""
    if setting.url is not None:
        return f"'berth @ {setting.url}#sha256={setting.sha256}'"
    index = f"--index-url '{setting.index}' " if setting.index else ""
    return f"{index}'berth=={setting.version}'"


def github_lines(setting: BerthInstall | None) -> list[str]:
    if setting is None or setting.source:
        return [f"{_GITHUB_PIP} ."]
    return [f"{_GITHUB_PIP} {_requirement(setting)}"]


def gitlab_lines(setting: BerthInstall | None) -> list[str]:
    if setting is None or setting.source:
        return [f"- {_GITLAB_PIP} --no-build-isolation --no-index ."]
    # A YAML single-quoted scalar: the shell's single quotes inside are doubled.
    command = f"{_GITLAB_PIP} --only-binary=:all: {_requirement(setting)}".replace("'", "''")
    return [f"- '{command}'"]


def write_blocks(path: str, text: str, setting: BerthInstall | None) -> str:
    """`text` with every install block rewritten; the GitLab pipeline lists commands, a
    workflow's block is lines of a shell script."""
    lines = gitlab_lines(setting) if path.endswith(".gitlab-ci.yml") else github_lines(setting)

    def block(match: re.Match[str]) -> str:
        indent = match["indent"]
        body = "".join(f"{indent}{line}\n" for line in lines)
        return f"{indent}{BEGIN}\n{body}{indent}{END}\n"

    return _BLOCK.sub(block, text)


def has_blocks(text: str) -> bool:
    return _BLOCK.search(text) is not None

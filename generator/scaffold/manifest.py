"""Which files of Berth's own repository a platform repository gets, and who owns each.

Standard library only: setup.py loads this file by its path to copy the same files into the
wheel (there is no second copy of them in Git), and the run-time lookup (shipped.py) reads
them from the wheel or, in a source checkout, from the repository root.
"""

from __future__ import annotations

from pathlib import Path

# (host, pattern): `all` for every platform repository, else only for that Git host. A pattern
# is a path relative to the repository root; a trailing `/**` takes every file below it.
OWNED: tuple[tuple[str, str], ...] = (
    ("all", ".ci/install-tools"),  # kubectl and helm for verify; nca for the full one
    ("github", ".github/workflows/berth-expire.yml"),
    ("github", ".github/workflows/berth-intake.yml"),
    ("github", ".github/workflows/berth-main.yml"),
    ("github", ".github/workflows/berth-pr.yml"),
    ("github", ".github/workflows/berth-release.yml"),
    ("github", ".github/actions/bump/action.yml"),
    ("gitlab", ".gitlab-ci.yml"),
    ("gitlab", ".gitlab/berth-bump.gitlab-ci.yml"),
    ("gitlab", ".gitlab/berth_event.py"),
    ("gitlab", ".gitlab/check_variables.py"),
    ("gitlab", ".gitlab/publish.sh"),
    ("gitlab", ".gitlab/requirements.txt"),
)
# The defaults of the files the platform may edit: three-way merged by `berth upgrade`.
DEFAULTS_DIR = "blueprints"
HOSTS = ("github", "gitlab")
EXECUTABLE = frozenset({".ci/install-tools", ".gitlab/publish.sh"})


def owned_paths(host: str) -> list[str]:
    return [path for owner, path in OWNED if owner in ("all", host)]


def default_paths(root: Path) -> list[str]:
    """Every file under blueprints/ of `root`, sorted, as POSIX paths."""
    base = root / DEFAULTS_DIR
    return sorted(
        p.relative_to(root).as_posix()
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def shipped_paths(root: Path) -> list[str]:
    """Every file the wheel carries, relative to the repository root."""
    owned = sorted({path for _, path in OWNED})
    return owned + default_paths(root)

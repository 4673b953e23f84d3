"""What `berth upgrade` changes in a platform repository: Berth's own files rewritten, the
blueprint defaults three-way merged, the pin in platform.yaml and berth.lock moved to the
running version. Computed here, written by generator/commands/upgrade.py."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.models.install import BerthInstall
from generator.models.platform import Platform
from generator.problems import Problem
from generator.repo import layout
from generator.scaffold import manifest
from generator.scaffold.history import defaults_of
from generator.scaffold.init import owned_for
from generator.scaffold.lock import LOCK_FILE, UNLOCKED_VERSION, Lock, lock_for
from generator.scaffold.merge import merge_defaults
from generator.scaffold.shipped import default_blueprints
from generator.scaffold.version import version
from generator.yamlio.edit import Edit, EditError, edit
from generator.yamlio.reader import parse_with_spans

# The file whose presence says a 0.1.0 copy (no lock) uses that host's CI.
_HOST_MARK = {"github": ".github/workflows/berth-pr.yml", "gitlab": ".gitlab-ci.yml"}


class UnknownLayout(Exception):
    """The repository has none of the files that say which Berth layout it is."""


@dataclass
class Upgrade:
    old: str
    new: str
    writes: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def hosts_of(root: str, lock: Lock | None) -> list[str]:
    if lock is not None and lock.host is not None:
        return [lock.host]
    return [h for h in manifest.HOSTS if os.path.isfile(os.path.join(root, _HOST_MARK[h]))]


def read_blueprints(root: str) -> dict[str, str]:
    base = Path(root)
    if not (base / manifest.DEFAULTS_DIR).is_dir():
        return {}
    return {p: (base / p).read_text(encoding="utf-8") for p in manifest.default_paths(base)}


def _install_setting(platform: Platform, running: str) -> BerthInstall | None:
    """The install the rewritten files use: the pin moved to the running version, except
    for an archive, whose URL and hash only the platform team can give."""
    setting = platform.berth
    if setting is None or setting.source or setting.url is not None:
        return setting
    return setting.model_copy(update={"version": running})


def _pin(upgrade: Upgrade, platform: Platform, raw: bytes) -> None:
    setting = platform.berth
    if setting is None:
        upgrade.notes.append(
            f"{layout.PLATFORM_FILE} has no berth: section, so CI installs Berth from this"
            f" repository (pip install .); add `berth: {{version: {upgrade.new}}}` to install"
            " the release (docs/upgrading.md)"
        )
        return
    if setting.source or setting.version == upgrade.new:
        return
    if setting.url is not None:
        _, spans = parse_with_spans(raw, layout.PLATFORM_FILE)
        line, col = spans.values[("berth", "url")].start
        upgrade.problems.append(
            Problem(
                layout.PLATFORM_FILE,
                line + 1,
                col + 1,
                "berth.url",
                f"names the archive of {setting.version}; set url and sha256 to those of the"
                f" {upgrade.new} archive (and version: {upgrade.new})",
            )
        )
        return
    try:
        text = edit(raw, layout.PLATFORM_FILE, [Edit(("berth", "version"), upgrade.new)])
    except EditError as exc:
        line, col = exc.where
        upgrade.problems.append(
            Problem(
                layout.PLATFORM_FILE, line, col, "berth.version", f"set it to {upgrade.new}: {exc}"
            )
        )
        return
    upgrade.writes[layout.PLATFORM_FILE] = text.decode("utf-8")


def plan_upgrade(
    root: str,
    platform: Platform,
    raw_platform: bytes,
    lock: Lock | None,
    releases: Path | None = None,
) -> Upgrade:
    """Everything the upgrade writes and deletes; raises history.UnknownRelease when this
    Berth cannot rebuild the recorded version's defaults."""
    running = version()
    upgrade = Upgrade(lock.version if lock else UNLOCKED_VERSION, running)
    hosts = hosts_of(root, lock)
    if not hosts:
        raise UnknownLayout(
            "no berth.lock, no .github/workflows/berth-pr.yml and no .gitlab-ci.yml: not a"
            " platform repository Berth made (start one with `berth init`)"
        )
    setting = _install_setting(platform, running)
    for host in hosts:
        upgrade.writes.update(owned_for(host, setting))
    current = default_blueprints()
    base = defaults_of(upgrade.old, current, releases)
    merged = merge_defaults(read_blueprints(root), base, current, (upgrade.old, running))
    upgrade.writes.update(merged.writes)
    upgrade.deletes += merged.deletes
    upgrade.problems += merged.problems
    upgrade.notes += merged.notes
    _pin(upgrade, platform, raw_platform)
    only = hosts[0] if len(hosts) == 1 else None
    upgrade.writes[LOCK_FILE] = lock_for(running, only, current).text()
    return upgrade

"""The package rebuilds the blueprint defaults of every earlier release from its record
(generator/scaffold/releases/): `berth upgrade`'s merge base. A default changed without
re-recording the releases fails here, naming the command that fixes it."""

from __future__ import annotations

import json

import pytest

from generator.scaffold.history import RELEASES, UnknownRelease, defaults_of, recorded
from generator.scaffold.lock import sha256
from generator.scaffold.shipped import default_blueprints
from generator.scaffold.version import release_key, version

FIX = "python -m generator.scaffold.history VERSION vVERSION (docs/upgrading.md)"


def test_0_1_0_is_recorded_and_every_record_is_of_an_earlier_release() -> None:
    assert "0.1.0" in recorded()
    for release in recorded():
        assert release_key(release) < release_key(version()), release


@pytest.mark.parametrize("release", recorded())
def test_every_record_rebuilds_its_release(release: str) -> None:
    current = default_blueprints()
    try:
        files = defaults_of(release, current)
    except UnknownRelease as exc:
        pytest.fail(f"{exc}: blueprints/ changed since the record was made; run {FIX}")
    record = json.loads((RELEASES / f"{release}.json").read_text(encoding="utf-8"))
    assert set(files) == set(record["blueprints"])
    for path, entry in record["blueprints"].items():
        assert sha256(files[path]) == entry["sha256"]
        # Only what differs is carried: the rest is the running version's own file.
        assert ("text" in entry) == (current.get(path) != files[path]), path


def test_a_stale_record_is_refused_not_used() -> None:
    current = default_blueprints()
    path = "blueprints/tenant/limitrange.yaml"
    changed = {**current, path: current[path].replace("512Mi", "1Gi")}
    with pytest.raises(UnknownRelease, match=f"the record of 0.1.0 does not rebuild {path}"):
        defaults_of("0.1.0", changed)


def test_the_running_version_is_its_own_defaults() -> None:
    assert defaults_of(version()) == default_blueprints()

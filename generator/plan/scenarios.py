"""Which removals the deletion guard expects: those of scenarios that had expired.

A scenario is disposable and lives until its `expires` (docs/requests.md#scenarios); `berth
expire` proposes removing it the day after. Removing a scenario whose `expires` has passed is
that expected end, not the loss of a production namespace, so its Namespace and Applications
are left out of the plan's deletions, also in a `sync: manual` environment. A scenario removed
before it expired is guarded like any namespace.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from generator.plan.model import Deletion
from generator.plan.snapshot import Snapshot
from generator.validate.scenarios import expiry


def expired_and_removed(base: Snapshot, head: Snapshot, today: datetime.date) -> frozenset[str]:
    """The names scenarios render as (`<tenant>-<scenario>`) of those the base has, that had
    expired by `today`, and that the head no longer has."""
    if base.valid is None:
        return frozenset()
    kept = head.valid.scenarios if head.valid is not None else {}
    return frozenset(
        f"{tenant}-{name}"
        for tenant, scenarios in base.valid.scenarios.items()
        for name, scenario in scenarios.items()
        if expiry(scenario) < today and name not in kept.get(tenant, {})
    )


def unexpected(
    deletions: Sequence[Deletion], base: Snapshot, head: Snapshot, today: datetime.date
) -> list[Deletion]:
    """`deletions` without those of scenarios that expired and are removed."""
    expected = expired_and_removed(base, head, today)
    return [d for d in deletions if d.tenant not in expected]

"""Which tenants a run reads, builds and writes: every one, or those a change can affect.

One value for every stage (validate, render, write, plan), so "scoped or not" is asked in
one way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.repo.changes import ChangeSet


@dataclass(frozen=True)
class Selection:
    """`tenants` None: every tenant. Otherwise those tenants, and `change`, the change a
    scoped run follows (its base gives the other tenants' lines of the files that list every
    tenant, CODEOWNERS)."""

    tenants: frozenset[str] | None = None
    change: ChangeSet | None = None

    def holds(self, tenant: str) -> bool:
        return self.tenants is None or tenant in self.tenants

    @property
    def partial(self) -> bool:
        """Some tenants are left out: their generated files are neither built nor looked at."""
        return self.tenants is not None

    @property
    def follows_change(self) -> bool:
        """A part selected by a change: the files listing every tenant keep the base's lines
        for the others."""
        return self.tenants is not None and self.change is not None


EVERYTHING = Selection()

"""A plan as data: what a change does to each environment, for the reporters to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from generator.plan.cost import ZERO, Cost
from generator.plan.diff import FileChange, ObjectChange
from generator.plan.egress import EgressChange
from generator.plan.images import ImageChange
from generator.plan.scenario_cost import ScenarioCost
from generator.problems import Problem

# A pull request carrying this label may delete tenants' namespaces and applications in
# environments that sync by hand (`berth plan --fail-on-delete` lets it pass). Documented in
# the plan comment itself, which names it whenever it is needed.
APPROVE_DELETION_LABEL = "berth/approve-deletion"
# The same for an image that skips an environment (`berth plan --fail-on-skip`, images.py).
APPROVE_SKIP_LABEL = "berth/approve-skip"

# Removing one of these removes a tenant's namespace, a workload or a database with its
# volumes: what `sync: manual` environments (production) must not lose by accident. An app's
# CloudNativePG Cluster and ScheduledBackup come from its values file (objects.py), so turning
# `database:` off counts as deleting them even though the Application stays.
DELETION_KINDS = frozenset({"Namespace", "Application", "Cluster", "ScheduledBackup"})


@dataclass
class Row:
    """One tenant in one environment (tenant None: the environment's own root objects)."""

    env: str
    tenant: str | None
    objects: list[ObjectChange] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    base: Cost | None = None  # None: the tenant is not in this environment there
    head: Cost | None = None

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.objects)

    @property
    def delta(self) -> Cost:
        before, after = self.base or ZERO, self.head or ZERO
        return Cost(after.quota - before.quota, after.apps - before.apps)

    @property
    def status(self) -> str:
        if self.tenant is None:
            return "root"
        if self.base is None and self.head is not None:
            return "new"
        if self.head is None and self.base is not None:
            return "removed"
        return "changed"


@dataclass
class EnvironmentPlan:
    name: str
    sync: str  # auto | manual, from the working tree's platform (else the base's)
    rows: list[Row]
    base_total: Cost
    head_total: Cost
    tenants: int  # in the working tree


@dataclass(frozen=True)
class Deletion:
    env: str
    tenant: str | None
    kind: str
    name: str


@dataclass(frozen=True)
class Approval:
    """A tenant whose generated files the change touches: its owners must agree.

    CODEOWNERS gives each tenant's request folder to its owners, but the generated files are
    the platform's, so a change that reaches into another tenant (an `allowFrom` that adds an
    egress rule to that tenant's NetworkPolicy) would need nobody from that tenant.
    `berth plan --require-approvals` closes that gap with the host's reviews.
    """

    tenant: str
    owners: tuple[str, ...]  # as the base revision lists them: the change cannot pick them
    envs: tuple[str, ...]


@dataclass
class Plan:
    base_ref: str
    base_sha: str
    problems: list[Problem]  # of the working tree; with an error, nothing else is planned
    base_problems: list[Problem] = field(default_factory=list)
    currency: str = ""
    # The base's pricing.currency: when it differs, base and head figures are in different
    # currencies and no difference between them means anything (generator/plan/text.py change).
    base_currency: str = ""
    environments: list[EnvironmentPlan] = field(default_factory=list)
    other: list[Row] = field(default_factory=list)  # files of no environment
    deletions: list[Deletion] = field(default_factory=list)  # in sync: manual environments
    # Tenants of the base whose generated files change (new tenants have nobody to ask yet:
    # their folder falls to the platform's catch-all in CODEOWNERS).
    approvals: list[Approval] = field(default_factory=list)
    images: list[ImageChange] = field(default_factory=list)  # releases, by environment
    # platform.yaml's maintainers on the base: who may add an approval label (labels.py).
    maintainers: tuple[str, ...] = ()
    egress: list[EgressChange] = field(default_factory=list)  # grants given or taken (egress.py)
    scenarios: list[ScenarioCost] = field(default_factory=list)  # opened or edited, priced
    has_apps: bool = False
    base_total: Cost = ZERO  # every tenant in every environment
    head_total: Cost = ZERO
    # Set when only the tenants a change can affect were rendered: what was checked. The
    # quota totals still cover every tenant; the applications' totals, those in scope.
    scope: str = ""
    # Files under environments/ the working tree holds and the render does not: no plan.
    untrusted: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def skips(self) -> list[ImageChange]:
        return [change for change in self.images if change.skipped]

    @property
    def rows(self) -> list[Row]:
        return [row for env in self.environments for row in env.rows] + self.other

    @property
    def files(self) -> list[FileChange]:
        return sorted((f for row in self.rows for f in row.files), key=lambda f: f.path)

    def total(self, action: str) -> int:
        return sum(row.count(action) for row in self.rows)

    @property
    def cost_delta(self) -> Fraction:
        return self.head_total.quota - self.base_total.quota

    @property
    def currency_changed(self) -> bool:
        return bool(self.base_currency) and self.base_currency != self.currency

    @property
    def changed(self) -> bool:
        return bool(self.rows)

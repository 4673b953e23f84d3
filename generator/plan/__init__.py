"""`berth plan`: what a change adds, changes and removes in each environment, and what it costs.

Both revisions are rendered into memory with the same code (load -> validate -> render) and
compared file by file and object by object; reporters print the result as text, JSON or the
Markdown of the pull request comment.
"""

from __future__ import annotations

from generator.plan import approvals
from generator.plan.build import compare, make_plan
from generator.plan.model import APPROVE_DELETION_LABEL, APPROVE_SKIP_LABEL, Approval, Plan

__all__ = [
    "APPROVE_DELETION_LABEL",
    "APPROVE_SKIP_LABEL",
    "Approval",
    "Plan",
    "approvals",
    "compare",
    "make_plan",
]

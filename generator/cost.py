"""Monthly cost estimates: quota x the platform's pricing."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.models.platform import Pricing
from generator.quantity import GI, parse_quantity


@dataclass(frozen=True)
class Quota:
    """The effective quota of one tenant in one environment (size, then overrides)."""

    cpu: str
    memory: str
    storage: str

    def amount(self, resource: str) -> Fraction:
        return parse_quantity(getattr(self, resource))


def monthly_cost(quota: Quota, pricing: Pricing) -> Fraction:
    return (
        quota.amount("cpu") * Fraction(str(pricing.cpuMonth))
        + quota.amount("memory") / GI * Fraction(str(pricing.memoryGiBMonth))
        + quota.amount("storage") / GI * Fraction(str(pricing.storageGiBMonth))
    )


def money(value: Fraction, currency: str) -> str:
    return f"{float(value):,.2f} {currency}"

"""Monthly cost estimates: quota x the platform's pricing."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from generator.models.platform import Platform, Pricing
from generator.models.quantity import GI, parse_quantity
from generator.models.tenant import Tenant


@dataclass(frozen=True)
class Quota:
    """The effective quota of one tenant in one environment (size, then overrides)."""

    cpu: str
    memory: str
    storage: str

    def amount(self, resource: str) -> Fraction:
        return parse_quantity(getattr(self, resource))


def effective_quota(platform: Platform, tenant: Tenant, env: str) -> Quota:
    """The tenant's quota in `env`: its size, with the fields it overrides."""
    wanted = tenant.spec.environments[env]
    size = platform.spec.sizes[wanted.size]
    override = wanted.quota
    return Quota(
        cpu=(override and override.cpu) or size.cpu,
        memory=(override and override.memory) or size.memory,
        storage=(override and override.storage) or size.storage,
    )


def monthly_cost(quota: Quota, pricing: Pricing) -> Fraction:
    return _monthly_cost(
        quota, str(pricing.cpuMonth), str(pricing.memoryGiBMonth), str(pricing.storageGiBMonth)
    )


@functools.lru_cache(maxsize=4096)
def _monthly_cost(quota: Quota, cpu: str, memory: str, storage: str) -> Fraction:
    # Cached: most tenants share a few sizes, and exact fractions are slow to make.
    return (
        quota.amount("cpu") * Fraction(cpu)
        + quota.amount("memory") / GI * Fraction(memory)
        + quota.amount("storage") / GI * Fraction(storage)
    )


def cents(value: Fraction) -> int:
    """`value` in whole cents, half a cent rounded away from zero: exact, no float on the way."""
    hundred = value * 100
    whole, rest = divmod(abs(hundred.numerator), hundred.denominator)
    if 2 * rest >= hundred.denominator:
        whole += 1
    return whole if hundred >= 0 else -whole


def amount(total_cents: int, *, grouped: bool = False) -> str:
    """Cents as a decimal amount: `1234.50`, or `1,234.50` when grouped."""
    units, rest = divmod(abs(total_cents), 100)
    sign = "-" if total_cents < 0 else ""
    return f"{sign}{units:,}.{rest:02d}" if grouped else f"{sign}{units}.{rest:02d}"


def money(value: Fraction, currency: str) -> str:
    return f"{amount(cents(value), grouped=True)} {currency}"

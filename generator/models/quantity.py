"""Kubernetes resource quantities (`250m`, `4Gi`, `1e3`), parsed exactly.

Fractions, not floats: `0.1` cores times ten must compare equal to `1`, and a ceiling check
must never be off by a rounding error.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_QUANTITY = re.compile(
    r"(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?"
)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}

# Far beyond any real cluster, but small enough that a typo like `4000000Ti` is caught.
MAXIMUM = {"cpu": Fraction(100_000), "memory": Fraction(2**50), "storage": Fraction(2**50)}

GI = Fraction(2**30)


class QuantityError(ValueError):
    pass


@lru_cache(maxsize=4096)  # requests repeat the same few quantities thousands of times
def parse_quantity(text: str) -> Fraction:
    """The value of a Kubernetes quantity string, or QuantityError saying what is allowed."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise QuantityError(
            f'{text!r} is not a Kubernetes quantity (examples: "2", "500m", "4Gi", "200G")'
        )
    number = Fraction(match["num"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        value = number * _BINARY[suffix]
    elif suffix in _DECIMAL:
        value = number * _DECIMAL[suffix]
    else:
        exponent = int(suffix[1:])
        if abs(exponent) > 30:
            raise QuantityError(f"{text!r} has an absurd exponent")
        value = number * Fraction(10) ** exponent
    if value < 0:
        raise QuantityError(f"{text!r} is negative; quantities must be zero or more")
    return value


def check_quantity(resource: str, text: str) -> Fraction:
    value = parse_quantity(text)
    limit = MAXIMUM.get(resource)
    if limit is not None and value > limit:
        raise QuantityError(f"{text!r} is larger than any cluster could provide")
    return value


def format_amount(resource: str, value: Fraction) -> str:
    """A human form for messages: cores for cpu, Gi for memory and storage."""
    if resource == "cpu":
        return _trim(value)
    return f"{_trim(value / GI)}Gi"


def _trim(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.3f}".rstrip("0").rstrip(".")

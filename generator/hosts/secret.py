"""A token that cannot leak through logs, reprs, f-strings or error messages by accident."""

from __future__ import annotations

from typing import NoReturn


class Secret:
    """Holds a token; only `reveal()` gives it back, at the one place it is sent.

    `repr`, `str` and `format` show a fixed mask, so a host object, a dataclass or an
    exception that happens to hold one prints nothing useful to an attacker. Pickling is
    refused because a pickle is another way to write the value somewhere.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("a secret must not be empty")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the token masked (for host error messages).

        Values under 8 characters are left alone: no real token is that short, and masking
        one would mangle every word that contains it.
        """
        return text.replace(self._value, "***") if len(self._value) >= 8 else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

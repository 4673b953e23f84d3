"""The one switch that rewrites expected outputs: `pytest --update-golden` (tests/conftest.py).

Every comparison against a golden file or a case folder's `expected.txt`/`expected/` asks
`updating()`: with the option, it first writes what this run produced, so the comparison
passes and `git diff` shows the change to review. Without it nothing is ever written.
"""

from __future__ import annotations

OPTION = "--update-golden"
_switch = {"update": False}


def configure(update: bool) -> None:
    """Set once per run by tests/conftest.py from the command line."""
    _switch["update"] = update


def updating() -> bool:
    return _switch["update"]

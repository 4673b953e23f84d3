"""The day scenarios' dates are judged by (generator/validate/scenarios.py, `berth expire`).

`BERTH_TODAY` (YYYY-MM-DD) fixes it, for tests and for re-running a past check; `cli.dispatch`
reads it from the job's environment (the only reader of the environment) and sets it here.
Without it, the machine's date in UTC. Standard library only: the command line imports this
before any command.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from generator.problems import UsageError

TODAY_VARIABLE = "BERTH_TODAY"


@dataclass
class _Clock:
    fixed: datetime.date | None = None


_CLOCK = _Clock()


def fix_today(value: str | None) -> None:
    """Judge by `value` (YYYY-MM-DD); None or empty: by the machine's date."""
    if not value:
        _CLOCK.fixed = None
        return
    try:
        _CLOCK.fixed = datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{TODAY_VARIABLE}={value!r} is not a date (YYYY-MM-DD)") from None


def today() -> datetime.date:
    return _CLOCK.fixed if _CLOCK.fixed is not None else datetime.datetime.now(datetime.UTC).date()

"""Five-field cron schedules as Kubernetes CronJobs read them (minute hour day month weekday)."""

from __future__ import annotations

import re

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, names (the first name is the lowest value), '?' allowed
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], bool], ...] = (
    ("minute", 0, 59, (), False),
    ("hour", 0, 23, (), False),
    ("day of month", 1, 31, (), True),
    ("month", 1, 12, _MONTHS, False),
    ("day of week", 0, 6, _DAYS, True),
)
_ITEM = re.compile(r"(?P<range>\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(?P<step>[0-9]+))?")
EXAMPLE = '"30 1 * * *" (01:30 UTC every day)'


def cron_problem(schedule: str) -> str | None:
    """What is wrong with a 5-field cron schedule, or None when Kubernetes accepts it."""
    if schedule.startswith("@"):
        return f"{schedule!r}: write the five fields instead of a macro, such as {EXAMPLE}"
    if "TZ=" in schedule:
        return f"{schedule!r}: schedules run in UTC; a time zone prefix is not allowed"
    fields = schedule.split(" ")
    if len(schedule.split()) != 5:
        return (
            f"{schedule!r} has {len(schedule.split())} fields; a cron schedule has five (minute"
            f" hour day-of-month month day-of-week), such as {EXAMPLE}"
        )
    if len(fields) != 5:
        return f"{schedule!r}: separate the five fields with single spaces"
    for text, (name, low, high, names, question) in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(text, name, low, high, names, question)
        if problem:
            return f"{schedule!r}: {problem}"
    return None


def _value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + low if upper in names else None


def _field_problem(
    text: str, name: str, low: int, high: int, names: tuple[str, ...], question: bool
) -> str | None:
    allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
    if question and text == "?":
        return None
    for item in text.split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            return f"{name} field {text!r} is not a number, range, list or step ({allowed}, *, */n)"
        step = match["step"]
        if step is not None and not 1 <= int(step) <= high:
            return f"{name} step /{step} must be between 1 and {high}"
        if match["range"] == "*":
            continue
        bounds = [_value(part, low, names) for part in match["range"].split("-")]
        values = [b for b in bounds if b is not None and low <= b <= high]
        if len(values) != len(bounds):
            return f"{name} {match['range']!r} is outside {allowed}"
        if len(values) == 2 and values[0] > values[1]:
            return f"{name} range {match['range']!r} runs backwards"
    return None

"""Running a command without Python's cyclic garbage collector.

`berth verify` allocates millions of small dicts and lists (parsed YAML, the cache entries'
JSON), none of them in reference cycles, so reference counting frees them. The cyclic
collector still walks every one of them on each full pass: at 10,000 tenants that was a
third of a warm `verify --cache` (56 s against 34 s, bench/results.md). The few cycles a run
makes are collected once the collector is back on, when the command returns.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_cycle_collector(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return run

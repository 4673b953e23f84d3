"""Two parts of one piece of pure work at once: one in a forked copy of this process.

A warm `verify --cache` spends most of its time computing keys: reading, hashing and
serialising what each build reads, in Python, on one core. The keys of one level do not
depend on each other, so half of them are computed by a fork of the process (which has every
folder's facts and every Application already) while this process computes the other half,
and the fork sends its answer back through a pipe. The fork is this program's own copy, so
its pickled answer is trusted as the process's own memory is. If the fork cannot be made or
fails, its part runs here: the answer is the same, only slower.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")
S = TypeVar("S")


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def both(first: Callable[[], R], second: Callable[[], S]) -> tuple[R, S, bool]:
    """(first(), second(), whether first() ran in a fork): second() runs here meanwhile."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        mine = second()
        return first(), mine, False
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        mine = second()
        return first(), mine, False
    if pid == 0:
        _child(first, read_end, write_end)
    os.close(write_end)
    try:
        mine = second()
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            sent = pipe.read()
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return first(), mine, False
    theirs: R = pickle.loads(sent)  # this process's own fork wrote it
    return theirs, mine, True


def _child(work: Callable[[], R], read_end: int, write_end: int) -> None:
    """In the fork: do the work, send the answer, and end without the parent's exit work
    (no atexit handlers, no buffers flushed twice)."""
    code = 1
    try:
        os.close(read_end)
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)

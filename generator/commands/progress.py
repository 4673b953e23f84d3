"""Progress lines on stderr for a long run (`berth verify`): which environment, and how many
Applications of those known so far are done.

Quiet for the first seconds, so a short run prints nothing, then at most one line every
`every` seconds, and a last line when something was printed before. Whole lines, no carriage
returns: a CI log keeps every byte. Whether to show progress at all is cli.main's decision
(stderr a terminal, or `CI` set); the clock is a parameter so tests need no waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self,
        stream: TextIO,
        *,
        what: str = "verify",
        every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream, self._what, self._every, self._clock = stream, what, every, clock
        self._last = clock()  # the first line only after `every` seconds of work
        self._total = self._finished = 0
        self._shown = False
        self._env = ""

    def planned(self, count: int) -> None:
        self._total += count

    def done(self, env: str) -> None:
        self._finished += 1
        self._env = env
        now = self._clock()
        if now - self._last >= self._every or (self._shown and self._finished == self._total):
            self._last = now
            self._shown = True
            self._stream.write(
                f"berth: {self._what}: {env}: {self._finished} of {self._total}"
                " Applications built and checked\n"
            )
            self._stream.flush()

"""The worker threads verify's builds run on: each waits on a kubectl or helm process.

Work is taken deepest level first, so the tools of the Applications found so far keep the cores
busy while the level above them is still being read: reading a tenant's Argo CD file is Python
and holds one core, its builds are processes that can use the other.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

_STOP = 1  # after all work: levels are submitted at -depth


class Pool:
    def __init__(self, workers: int) -> None:
        self.tasks: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]]
        self.tasks = queue.PriorityQueue()
        self.count = itertools.count()  # first come, first served within a level
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def submit(self, depth: int, task: Callable[[], None]) -> None:
        self.tasks.put((-depth, next(self.count), task))

    def _work(self) -> None:
        while (task := self.tasks.get()[2]) is not None:
            task()

    def close(self) -> None:
        """Drop the work not started (there is some only after an error) and stop."""
        while True:
            try:
                self.tasks.get_nowait()
            except queue.Empty:
                break
        for _ in self.threads:
            self.tasks.put((_STOP, next(self.count), None))
        for thread in self.threads:
            thread.join()

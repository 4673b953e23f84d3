"""${{ values.name }}: a minimal long-running worker (Python standard library only).

It does one unit of work every INTERVAL seconds until Kubernetes stops the pod (SIGTERM), then
finishes the unit in hand and exits 0. Replace `work` with the queue or stream it consumes.
"""

from __future__ import annotations

import os
import signal
import threading

INTERVAL = float(os.environ.get("INTERVAL", "10"))
stopping = threading.Event()


def work(round_number: int) -> None:
    print(f"${{ values.name }}: round {round_number}", flush=True)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    round_number = 0
    while not stopping.is_set():
        round_number += 1
        work(round_number)
        stopping.wait(INTERVAL)
    print("${{ values.name }}: stopped", flush=True)


if __name__ == "__main__":
    main()

"""${{ values.name }}: a minimal batch job (Python standard library only).

The platform runs it on the schedule ${{ values.schedule | dump }} (UTC), one run at a time. It
does its work and exits: 0 for success, anything else makes Kubernetes retry the run.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone


def main() -> int:
    print(f"${{ values.name }}: run at {datetime.now(timezone.utc).isoformat()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Writing one file so that readers see the old bytes or the new ones, never a part.

The one place Berth writes a file in place: a temporary file beside the target (same file
system, so the rename is atomic), then `os.replace`. A kill at any moment leaves at most a
`.tmp-<pid>` file behind, which the next write of the same path replaces.
"""

from __future__ import annotations

import contextlib
import os


def write_atomic(path: str, data: bytes | str) -> None:
    """Replace `path` with `data` (text is written as UTF-8), creating its folder if needed."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        # Never leave the temporary file behind a failed write (a full disk, a kill signal).
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

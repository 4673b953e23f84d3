"""The one way tests run the `berth` command: in-process, with its exit code and both streams."""

from __future__ import annotations

import io
from pathlib import Path

from generator.cli import main


def berth(*args: str, root: Path | str | None = None) -> tuple[int, str, str]:
    """`berth [--root ROOT] ARGS...` -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    argv = [*(["--root", str(root)] if root is not None else []), *args]
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()

"""The one way tests run the `berth` command: in-process, with its exit code and both streams."""

from __future__ import annotations

import io
from pathlib import Path

from generator.cli import main
from tests.support.hosts import unthrottled


def run(*argv: str) -> tuple[int, str, str]:
    """`berth ARGV...` -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, connect=unthrottled)
    return code, out.getvalue(), err.getvalue()


def berth(root: Path | str, *args: str) -> tuple[int, str, str]:
    """`berth --root ROOT ARGS...` -> (exit code, stdout, stderr)."""
    return run("--root", str(root), *args)

"""Which of the root's company files a test opened: the suite must not depend on them.

The repository root holds one company's requests (platform.yaml, tenants/) and what Berth
renders from them (environments/, catalog/, CODEOWNERS, the issue forms). A platform team
replaces that company with its own, so a test that reads it passes or fails with the company:
tests read tests/support/example.py's copy instead. Only tests/test_example.py (OWNER) holds the
root's company to its rendered tree. An audit hook notes every file or folder a test opens,
lists or hands to a program (a path on a command line) below one of COMPANY_PATHS, and
tests/conftest.py fails any other test, or test module at import, that did.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.support.tools import REPO

OWNER = "test_example.py"
# What a company puts at the root or Berth renders from it there; blueprints/, docs/, schemas/
# and the workflows are Berth's own and may be read.
COMPANY_PATHS = (
    "platform.yaml",
    "tenants",
    "environments",
    "catalog",
    "CODEOWNERS",
    ".github/ISSUE_TEMPLATE",
    ".gitlab/issue_templates",
)
_opened: set[str] = set()
_DIR_FD_WALKERS = frozenset({shutil.__file__, os.__file__})


def company_path(path: str) -> str | None:
    """Which of COMPANY_PATHS `path` is or lies below, if any."""
    full = os.path.abspath(path)
    for name in COMPANY_PATHS:
        prefix = os.path.join(str(REPO), name)
        if full == prefix or full.startswith(prefix + os.sep):
            return name
    return None


def opened() -> list[str]:
    """Which of COMPANY_PATHS were opened since the last `forget()`, sorted."""
    return sorted(_opened)


def forget() -> None:
    _opened.clear()


def _note(value: Any, base: str | None = "") -> None:
    """Note `value` if it is a path to the root's company; a relative one counts against `base`
    (this process's working directory for ""), and not at all for None."""
    if isinstance(value, (str, bytes, os.PathLike)):
        path = os.fsdecode(value)
        if not os.path.isabs(path):
            if base is None:
                return
            path = os.path.join(base or os.getcwd(), path)
        found = company_path(path)
        if found is not None:
            _opened.add(found)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # open, os.listdir and os.scandir carry the path first; a program gets its paths on the
    # command line (subprocess.Popen: executable, args, cwd, env). A relative argument is
    # relative to the program's cwd, if given; without one it may be to anything (`git -C`).
    if event in ("open", "os.listdir", "os.scandir") and args:
        # shutil.rmtree and os.fwalk open entries by bare name relative to a directory's file
        # descriptor (dir_fd), which the event does not carry: not relative to the cwd.
        relative = isinstance(args[0], (str, bytes)) and not os.path.isabs(args[0])
        if relative and sys._getframe(1).f_code.co_filename in _DIR_FD_WALKERS:
            return
        _note(args[0])
    elif event == "subprocess.Popen" and len(args) > 1:
        cwd = os.fsdecode(args[2]) if len(args) > 2 and args[2] is not None else None
        if cwd is not None:
            _note(cwd)
            cwd = os.path.abspath(cwd)
        argv = args[1]
        for arg in [argv] if isinstance(argv, (str, bytes, os.PathLike)) else argv or ():
            _note(arg, cwd)


def exempt(path: Path) -> bool:
    """The one test module allowed to read the root's company."""
    return path.name == OWNER


def watch() -> None:
    """Note from now on (an audit hook: it stays for the run)."""
    sys.addaudithook(_audit)

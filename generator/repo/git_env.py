"""How Berth starts `git`: with the repository's own configuration and nothing else.

Git takes configuration from far more than the repository: `GIT_CONFIG_COUNT` /
`GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>` and `GIT_CONFIG_PARAMETERS` inject any setting,
`GIT_DIR`, `GIT_INDEX_FILE` or `GIT_OBJECT_DIRECTORY` swap what it reads, `GIT_EXEC_PATH`
swaps the programs it runs, `GIT_TRACE*` write files, and the global and system files
(`~/.gitconfig`, `$XDG_CONFIG_HOME/git/`, `/etc/gitconfig`) add the rest. Whoever sets the
environment of a CI job (a pipeline variable, a trigger) could then make a read-only
`git diff` run a command: `core.fsmonitor` is run by every command that refreshes the index.

So every git that Berth runs gets:

- no `GIT_*` variable from the environment, only the ones set here;
- no global or system configuration (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`),
  and no excludes or attributes file outside the repository: `ls-files --exclude-standard`
  decides which untracked files Berth sees, so an outside ignore file could hide one;
- `-c` settings, which outrank every configuration file, the repository's included, that
  switch off what runs programs: `core.fsmonitor`, hooks, the pager (external diffs are
  off by `--no-ext-diff` where Berth diffs);
- replace refs ignored, so an object is what its id names.

What is left is the repository's own `.git/config`, written by the clone, and the
`.gitattributes` of the tree, which can name filter drivers but not define them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# `-c` outranks the repository's .git/config as well as the files dropped below.
SAFE_CONFIG = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.excludesFile=/dev/null",
    "-c",
    "core.attributesFile=/dev/null",
    "-c",
    "core.pager=cat",
    "-c",
    "core.untrackedCache=false",
)

# The only GIT_* variables a Berth git sees.
_FIXED = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_SYSTEM": "/dev/null",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_PAGER": "cat",
}


def git_argv(root: str, *args: str) -> list[str]:
    """The command line of `git -C root ARGS`, with the settings above."""
    return ["git", *SAFE_CONFIG, "-C", root, *args]


def git_environment(
    extra: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a Berth git: `base` (the process's) without any GIT_* variable,
    plus the fixed ones and `extra` (GIT_* names Berth itself chooses)."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.upper().startswith("GIT_")}
    return {**env, **_FIXED, **(extra or {})}

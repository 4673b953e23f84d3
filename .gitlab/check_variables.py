"""Refuse to run a job that holds BERTH_GITLAB_TOKEN with variables it does not expect.

The first command of `publish`, `intake` and `bump` in .gitlab-ci.yml, run as
`/usr/local/bin/python3 -I -S .gitlab/check_variables.py` (-I: no PYTHON* variable, no user
site; -S: no site module), before Berth is installed and before anything reads a payload.
Standard library only.

Pipeline variables are switched off for every role (docs/ci.md, "Minimum role to use
pipeline variables: No one allowed"); this is the second line behind that setting. A
variable that reaches this job's environment can change what the tools of the job do
without touching a file: `GIT_CONFIG_*` runs a command from any git call, `PIP_INDEX_URL`
installs another package, `PYTHONPATH` imports another module, a proxy reads the token on
its way to the API. So the job takes a fixed set of names and fails on any other:

- what GitLab and its runner set: `CI`, `CI_*`, `GITLAB_*`, `FF_*` (runner feature flags)
  and `TRIGGER_PAYLOAD` (the webhook payload, a file); but not `CI_DEBUG_TRACE` or
  `CI_DEBUG_SERVICES`, which print the job's commands and services with their values;
- the runner's own clone settings, which git itself does not read (`GIT_DEPTH`, ...);
- what the job's image (python:3.11-bookworm) and its shell set (`PATH`, `HOME`, ...), and
  what Kubernetes puts in every pod for its API service (`KUBERNETES_SERVICE_*`,
  `KUBERNETES_PORT*`) on a Kubernetes runner; run the runner's pods in a namespace of their
  own, since links to other services there would be refused;
- the BERTH_* names this file's pipeline defines, and no other BERTH_* name.

Names only: a variable that reuses one of these names (a pipeline variable named
`CI_API_V4_URL`) is indistinguishable from GitLab's, which is why the project setting is
required and this check is not a replacement for it. Values are never printed.

    check_variables.py              exit 0, or exit 1 naming every unexpected variable
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable

# Set by GitLab or its runner for every job (predefined variables, feature flags).
GITLAB_PREFIXES = ("CI_", "GITLAB_", "FF_")
GITLAB_NAMES = frozenset({"CI", "TRIGGER_PAYLOAD"})
# Predefined names that still change what the job prints: refused although GitLab owns them.
DEBUG_NAMES = frozenset({"CI_DEBUG_TRACE", "CI_DEBUG_SERVICES"})
# Read by the runner for its clone before the job starts; git itself reads none of them,
# but GIT_TERMINAL_PROMPT (which only switches prompts off). The runner sets the last three.
RUNNER_GIT = frozenset(
    {
        "GIT_DEPTH",
        "GIT_STRATEGY",
        "GIT_CHECKOUT",
        "GIT_CLEAN_FLAGS",
        "GIT_FETCH_EXTRA_FLAGS",
        "GIT_CLONE_PATH",
        "GIT_SUBMODULE_STRATEGY",
        "GIT_SUBMODULE_DEPTH",
        "GIT_SUBMODULE_PATHS",
        "GIT_SUBMODULE_UPDATE_FLAGS",
        "GIT_SUBMODULE_FORCE_HTTPS",
        "GIT_TERMINAL_PROMPT",
        "GCM_INTERACTIVE",
        "RUNNER_TEMP_PROJECT_DIR",
    }
)
# The image's ENV (python:3.11-bookworm) and what a POSIX shell sets for itself.
PROCESS = frozenset(
    {
        "PATH",
        "HOME",
        "HOSTNAME",
        "LANG",
        "TERM",
        "PWD",
        "OLDPWD",
        "SHLVL",
        "_",
        "GPG_KEY",
        "PYTHON_VERSION",
        "PYTHON_SHA256",
    }
)
# The BERTH_* variables of .gitlab-ci.yml: the two tokens (project CI/CD variables), the
# commit message, and the release's values (from the pipeline's inputs).
BERTH = frozenset(
    {
        "BERTH_GITLAB_TOKEN",
        "BERTH_GITLAB_READ_TOKEN",
        "BERTH_COMMIT_MESSAGE",
        "BERTH_TENANT",
        "BERTH_APP",
        "BERTH_ENVIRONMENT",
        "BERTH_TAG",
        "BERTH_DIGEST",
        "BERTH_VERSION",
    }
)
# Set in every pod by the kubelet, for the cluster's API service (a Kubernetes runner).
KUBERNETES = re.compile(
    r"KUBERNETES_(?:SERVICE_(?:HOST|PORT|PORT_HTTPS)|PORT(?:_443_TCP(?:_ADDR|_PORT|_PROTO)?)?)"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def expected(name: str) -> bool:
    if name in DEBUG_NAMES:
        return False
    if name in GITLAB_NAMES or name.startswith(GITLAB_PREFIXES):
        return True
    if KUBERNETES.fullmatch(name):
        return True
    return name in RUNNER_GIT or name in PROCESS or name in BERTH


def unexpected(names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if not expected(n))


def _shown(name: str) -> str:
    # A name is the one thing printed; one that is no shell name is shown escaped.
    return name if _NAME.fullmatch(name) else repr(name)


def main() -> int:
    refused = unexpected(os.environ)
    if not refused:
        return 0
    print(
        "berth: this job holds the write token and refuses to run with variables it does not"
        " expect: " + ", ".join(_shown(n) for n in refused) + ".",
        file=sys.stderr,
    )
    print(
        "berth: it takes GitLab's own (CI_*, GITLAB_*, FF_*, TRIGGER_PAYLOAD), the runner's"
        " clone settings (GIT_DEPTH, GIT_STRATEGY, ...), its image's (PATH, HOME, LANG, ...)"
        " and " + ", ".join(sorted(BERTH)) + ". Set 'Minimum role to use pipeline"
        " variables' to 'No one allowed' (docs/ci.md); a variable the platform needs is"
        " added to .gitlab/check_variables.py on the default branch.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())

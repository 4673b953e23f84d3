"""Retrying transient Git host failures, at the HTTP transport, with a cap on total waiting.

Both client libraries send through `requests`, whose adapter takes a `urllib3.Retry`:
PyGithub installs one through its documented `retry=` argument, and for python-gitlab we
hand it a `requests.Session` with the same adapter. So one policy serves both hosts:

- retried: HTTP 5xx, 429, connection errors, and on GitHub the rate-limit 403s, whose
  detection (a `Retry-After` header, or the rate-limit message that comes with
  `x-ratelimit-remaining: 0`) is PyGithub's own `GithubRetry`;
- the wait honours `Retry-After` (and, for GitHub's primary rate limit, `x-ratelimit-reset`),
  otherwise it backs off exponentially;
- the sum of all waits of one host object is capped by a `WaitBudget`: a wait that would go
  over it is not started, and the host's last answer is returned to the client library, so
  the error the user sees carries the host's real status and message.

python-gitlab's own `retry_transient_errors` loop is not used: it sleeps with `time.sleep`
for as long as `Retry-After` asks, up to ten times, with no total cap and no way to inject
the sleep; see `_TransportRetriedGitlab` in `gitlab.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from github.GithubRetry import GithubRetry
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

Sleep = Callable[[float], None]

# Every 5xx is the server's fault by definition; 429 is "too many requests".
TRANSIENT_STATUSES = [429, *range(500, 600)]

# urllib3 retries only idempotent methods by default. Comments, commits and pull requests
# are created with POST and updated with PATCH; a 5xx or a rate limit there means the host
# did not do the work, and the rare duplicate is found by marker and reused on the next run.
RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"})

DEFAULT_TOTAL_WAIT = 120.0  # seconds one CI step may spend waiting for a host in total
DEFAULT_ATTEMPTS = 5  # retries per request
DEFAULT_BACKOFF = 1.0  # seconds; urllib3 waits 0, 2, 4, 8, 16 ... (capped at BACKOFF_MAX)
BACKOFF_MAX = 30.0


class WaitBudget:
    """The seconds a host may still spend sleeping before retries, shared by all requests."""

    def __init__(self, total: float = DEFAULT_TOTAL_WAIT, sleep: Sleep = time.sleep) -> None:
        self.total = total
        self.spent = 0.0
        self._sleep = sleep

    @property
    def remaining(self) -> float:
        return max(0.0, self.total - self.spent)

    def affords(self, seconds: float) -> bool:
        return seconds <= self.remaining

    def wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self.spent += seconds
        self._sleep(seconds)


class CappedRetry(Retry):
    """`urllib3.Retry` whose sleeps go through a `WaitBudget` (injectable, capped)."""

    def __init__(self, *, budget: WaitBudget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.budget = budget

    def new(self, **kw: Any) -> Self:
        # urllib3 makes a new Retry per attempt; the budget must follow it.
        kw["budget"] = self.budget
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.planned_wait(response)
        if not self.budget.affords(wait):
            # Giving up now beats sleeping and failing anyway. With raise_on_status=False
            # urllib3 hands the client this response, so the user sees the host's answer.
            reason = (
                f"the host asks to wait {wait:.0f}s, more than the {self.budget.remaining:.0f}s"
                f" left of the {self.budget.total:.0f}s retry budget"
            )
            raise MaxRetryError(_pool, url, ResponseError(reason))  # type: ignore[arg-type]
        return retry

    def planned_wait(self, response: BaseHTTPResponse | None) -> float:
        """What `sleep` will wait: `Retry-After` if the host sent one, else the backoff."""
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after is not None:
                return after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        self.budget.wait(self.planned_wait(response))


class CappedGithubRetry(CappedRetry, GithubRetry):
    """PyGithub's rate-limit-aware retry (403 + Retry-After / rate-limit message) with
    the budget: GithubRetry decides *whether* and *how long*, CappedRetry *whether it fits*.
    """


def transport_retry(budget: WaitBudget, *, github: bool) -> CappedRetry:
    """The retry policy described in the module docstring, for one client."""
    options: dict[str, Any] = {
        "budget": budget,
        "total": DEFAULT_ATTEMPTS,
        "backoff_factor": DEFAULT_BACKOFF,
        "backoff_max": BACKOFF_MAX,
        "status_forcelist": list(TRANSIENT_STATUSES),
        "allowed_methods": RETRIED_METHODS,
        "raise_on_status": False,
        "respect_retry_after_header": True,
    }
    if github:
        # GithubRetry adds 403 itself and retries it only when it is a rate limit.
        return CappedGithubRetry(**options)
    return CappedRetry(**options)

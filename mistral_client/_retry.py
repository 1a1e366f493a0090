"""When to retry, and how long to wait: one policy for the sync and the async client."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ._exceptions import APIConnectionError, APIStatusError

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried.

    Connection errors, timeouts and the statuses in ``retry_statuses`` are retried with exponential
    backoff and jitter, starting at ``initial_delay`` and capped at ``max_delay`` seconds. A server's
    ``retry-after-ms`` / ``Retry-After`` wins over the backoff, up to ``max_retry_after`` seconds; a
    longer wait is not slept through: the error is raised at once, with the wait in its message.
    ``x-should-retry: true|false`` from the server overrides the status rule.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    #: Each backoff delay is multiplied by a random factor in [1 - jitter, 1].
    jitter: float = 0.25
    retry_statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether a failed attempt may be tried again (the attempt count is checked elsewhere)."""
        if isinstance(error, APIStatusError):
            wait = retry_after(error.headers)
            if wait is not None and wait > self.max_retry_after:
                return False  # a wait this long is the caller's decision, even if the server says retry
            should = error.headers.get("x-should-retry")
            if should == "true":
                return True
            if should == "false":
                return False
            return error.status_code in self.retry_statuses
        return isinstance(error, APIConnectionError)

    def backoff(self, retry_number: int) -> float:
        """The backoff before retry number ``retry_number`` (1-based), with jitter."""
        delay: float = min(self.initial_delay * 2 ** (retry_number - 1), self.max_delay)
        return delay * (1 - self.jitter * random.random())

    def delay(self, retry_number: int, error: BaseException | None) -> float:
        """How long to wait before retry number ``retry_number``."""
        if isinstance(error, APIStatusError):
            wait = retry_after(error.headers)
            if wait is not None and wait <= self.max_retry_after:
                return max(wait, 0.0)
        return self.backoff(retry_number)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a response's headers ask for, in seconds: ``retry-after-ms``, else ``Retry-After``
    (seconds or an HTTP date); ``None`` when they ask for none or say something unreadable."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed) - time.time())

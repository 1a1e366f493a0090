"""``documents.wait_until_processed``'s polling plan, shared by the sync and async resources: it reads
each status and says how long to sleep before the next one; only the sleeping differs between them.

No pydantic here (the status is read through its properties): the resources import it on first wait.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ._exceptions import DocumentProcessingError, DocumentProcessingTimeoutError, InvalidRequestError

if TYPE_CHECKING:
    from .types.libraries import ProcessingStatus

#: The interval grows by this factor per poll while the document is pending, up to ``MAX_POLL_INTERVAL``.
POLL_BACKOFF = 1.5
MAX_POLL_INTERVAL = 10.0


def _seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class DocumentWait:
    """The deadline and the next interval of one ``wait_until_processed`` call."""

    def __init__(
        self, library_id: str, document_id: str, *, timeout: float | None, poll_interval: float
    ) -> None:
        if not _seconds(poll_interval) or poll_interval <= 0:
            problem = "seconds > 0"
            raise InvalidRequestError(
                f"poll_interval: {problem}, got {poll_interval!r}", errors=[("poll_interval", problem)]
            )
        if timeout is not None and (not _seconds(timeout) or timeout < 0):
            problem = "seconds >= 0, or None to wait as long as it takes"
            raise InvalidRequestError(f"timeout: {problem}, got {timeout!r}", errors=[("timeout", problem)])
        self.library_id = library_id
        self.document_id = document_id
        self._timeout = timeout
        self._interval = float(poll_interval)
        self._ceiling = max(MAX_POLL_INTERVAL, float(poll_interval))
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def next_sleep(self, status: ProcessingStatus) -> float | None:
        """``None`` once ``status`` says processed; else the seconds to sleep before the next read.
        Raises :class:`DocumentProcessingError` if processing failed, and
        :class:`DocumentProcessingTimeoutError` if it is still pending at the deadline."""
        if status.failed:
            raise DocumentProcessingError(
                f"Processing document {self.document_id} of library {self.library_id} failed: "
                f"{status.process_status}",
                library_id=self.library_id,
                document_id=self.document_id,
                status=status,
            )
        if not status.pending:
            return None
        sleep = self._interval
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise DocumentProcessingTimeoutError(
                    f"Document {self.document_id} of library {self.library_id} still "
                    f"{status.process_status} after {self._timeout:g} s; its processing goes on",
                    library_id=self.library_id,
                    document_id=self.document_id,
                    status=status,
                )
            sleep = min(sleep, remaining)  # one last read at the deadline
        self._interval = min(self._interval * POLL_BACKOFF, self._ceiling)
        return sleep

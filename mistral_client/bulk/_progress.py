"""Progress for bulk work: a tqdm bar (imported only when asked for) or the caller's callback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from .._exceptions import MistralError


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Where a bulk run stands. ``total`` is ``None`` while an iterable's length is unknown; the
    last event of a run that finished has ``done == total``."""

    done: int
    total: int | None
    #: Batch jobs: requests that failed so far.
    failed: int = 0
    #: ``create_many``: tokens embedded so far (the server's count).
    tokens: int = 0
    #: Seconds since the run started.
    elapsed: float = 0.0


ProgressCallback = Callable[[ProgressEvent], None]
#: ``progress=`` of bulk methods: ``True`` for a bar, a callable for events, ``False`` for nothing.
ProgressArg = Union[bool, ProgressCallback]


class Progress:
    """Reports a run's progress to a tqdm bar or a callback; does nothing for ``progress=False``."""

    def __init__(self, progress: ProgressArg, *, total: int | None, desc: str, unit: str) -> None:
        self._callback: ProgressCallback | None = None
        self._bar: Any = None
        self._started = time.perf_counter()
        self.total = total
        if callable(progress):
            self._callback = progress
        elif progress:
            try:
                from tqdm.auto import tqdm  # terminals and notebooks alike
            except ImportError:
                raise MistralError(
                    "progress=True draws a bar with tqdm, which is not installed: "
                    "pip install 'mistral-client[progress]' (or pass a callable as progress=)"
                ) from None
            self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True)

    def update(self, done: int, *, failed: int = 0, tokens: int = 0, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        elapsed = time.perf_counter() - self._started
        if self._callback is not None:
            self._callback(ProgressEvent(done, self.total, failed, tokens, elapsed))
        bar = self._bar
        if bar is not None:
            bar.total = self.total
            bar.n = done
            postfix: dict[str, object] = {}
            if tokens:
                postfix["tok/s"] = f"{tokens / elapsed:,.0f}" if elapsed > 0 else "-"
            if failed:
                postfix["failed"] = failed
            bar.set_postfix(postfix, refresh=False)
            bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

"""Stop-string detection over streamed text."""

from __future__ import annotations

from collections.abc import Iterable


class StopStringMatcher:
    """Finds the first stop string in a text stream, holding back text that may start one.

    A stop string can span several deltas, so the longest suffix of the stream that is a prefix of
    some stop string is withheld until the next delta decides it. Only that suffix is re-scanned, so
    the cost per delta does not grow with the output.
    """

    __slots__ = ("_held", "_longest", "_stops", "tail")

    def __init__(self, stops: Iterable[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._longest = max((len(s) for s in self._stops), default=0)
        self._held = ""
        #: After a stop: the text that followed the stop string in the last delta.
        self.tail = ""

    def push(self, text: str) -> tuple[str, bool]:
        """Feed a delta; return ``(text safe to emit, stopped)``.

        When stopped, the returned text ends right before the stop string.
        """
        if not self._stops:
            return text, False
        buf = self._held + text
        cut = min((i for i in (buf.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self._held = ""
            found = next(s for s in self._stops if buf.find(s) == cut)
            self.tail = buf[cut + len(found) :]
            return buf[:cut], True
        keep = self._partial_suffix(buf)
        self._held = buf[len(buf) - keep :]
        return buf[: len(buf) - keep], False

    def flush(self) -> str:
        """Release held text at the end of the stream."""
        held, self._held = self._held, ""
        return held

    def _partial_suffix(self, buf: str) -> int:
        for k in range(min(len(buf), self._longest - 1), 0, -1):
            tail = buf[-k:]
            if any(s.startswith(tail) for s in self._stops):
                return k
        return 0

"""Incremental Server-Sent Events decoder.

Implements the event-stream interpretation of the WHATWG HTML spec
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
over bytes as they arrive from the network. The result does not depend on how the stream is
chunked, and the total cost is linear in the number of bytes fed.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = "\ufeff"


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event.

    ``event`` is ``None`` when the stream gave no (or an empty) event type, i.e. the spec's
    default ``"message"``. ``id`` and ``retry`` carry the stream state at dispatch time, as in
    the spec: the last event ID and the reconnection time persist across events until the server
    changes them (``id`` is ``None`` while the last event ID is empty, ``retry`` while the server
    never sent a valid one).
    """

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Turns chunks of an ``text/event-stream`` body into :class:`ServerSentEvent` objects."""

    __slots__ = ("_at_start", "_buf", "_data", "_event", "_last_event_id", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._buf = bytearray()  # bytes of the current, unterminated line
        self._skip_lf = False  # the previous chunk ended in CR: an LF starting the next one is its CRLF
        self._at_start = True  # nothing decoded yet, so a leading BOM is still to be stripped
        self._data: list[str] = []  # data lines of the pending event, joined once at dispatch
        self._event: str | None = None
        self._last_event_id: str | None = None
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str | None:
        """The spec's last event ID string (``None`` when empty); send it as ``Last-Event-ID``."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds last set by the server, if any."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume the next bytes of the stream; return the events they complete, in order."""
        if not chunk:  # keep a pending CR's state for the next real chunk
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            # A lone CR already ends a line; only a CR at the very end of the chunk can still
            # turn out to be half of a CRLF, so remember to drop an LF that starts the next chunk.
            self._skip_lf = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buf += chunk
            return []
        # Line terminators are ASCII, so decoding all complete lines at once equals decoding each
        # line on its own; the unterminated tail (maybe a split character) stays as bytes.
        if self._buf:
            view = memoryview(chunk)
            self._buf += view[:end]
            text = self._buf.decode("utf-8", "replace")
            self._buf = bytearray(view[end + 1 :])
        else:
            # A slice is cheaper than a memoryview for the small chunks a stream mostly brings.
            text = str(chunk[:end], "utf-8", "replace")
            if end + 1 < len(chunk):
                self._buf += chunk[end + 1 :]
        if self._at_start:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        if not self._data and text.startswith("data:") and text.find("\n") == len(text) - 1:
            # The shape nearly every chunk of a completion stream has: one data line and the blank
            # line that dispatches it. The same event _process would build, without its loop.
            line = text[:-1]
            data = line[6:] if line.startswith(" ", 5) else line[5:]
            event = ServerSentEvent(data, self._event, self._last_event_id, self._retry)
            self._event = None
            return [event]
        return self._process(text.split("\n"))

    def lone_data(self, chunk: bytes) -> str | None:
        """The data of ``chunk`` when it is one whole event of a single ``data:`` line and nothing is
        pending (no partial line, data or event type, not the stream's start); else ``None``, and
        nothing changed: :meth:`feed` it then.

        This is how a completion stream sends nearly every event. Taking it here leaves the decoder
        as ``feed`` would and gives the same data, without the event object and the line loop.
        """
        if (
            self._at_start
            or self._buf
            or self._data
            or self._skip_lf
            or self._event is not None
            or not chunk.startswith(b"data:")
            or chunk.find(b"\n") != len(chunk) - 2
            or not chunk.endswith(b"\n\n")
            or b"\r" in chunk
        ):
            return None
        return str(chunk[6:-2] if chunk[5:6] == b" " else chunk[5:-2], "utf-8", "replace")

    def lone_event(self, chunk: bytes) -> tuple[str | None, str] | None:
        """``(event type, data)`` of ``chunk`` when it is one whole event of an optional ``event:`` line
        and a single ``data:`` line, with nothing pending (see :meth:`lone_data`); else ``None``, and
        nothing changed: :meth:`feed` it then.

        This is how a stream of typed events (a transcription's, a conversation's) sends nearly every event.
        """
        if not chunk.startswith(b"event:"):
            data = self.lone_data(chunk)
            return None if data is None else (None, data)
        if self._at_start or self._buf or self._data or self._skip_lf or self._event is not None:
            return None
        # Decoded whole, then split: line terminators are ASCII, so this equals decoding each line,
        # and it is a third cheaper than scanning the bytes for each check (the per-event path).
        text = str(chunk, "utf-8", "replace")
        lines = text.split("\n")
        if len(lines) != 4 or lines[2] or lines[3] or "\r" in text:  # event line, data line, blank line
            return None
        head, data = lines[0], lines[1]
        if not data.startswith("data:"):
            return None
        name = head[7:] if head[6:7] == " " else head[6:]
        return name or None, data[6:] if data[5:6] == " " else data[5:]

    def flush(self) -> list[ServerSentEvent]:
        """End the stream and reset the parser for a new one.

        Per spec, pending data at end of stream is discarded: an event without its terminating
        blank line is never dispatched, so this always returns an empty list. The last event ID
        and reconnection time are kept, since the spec keeps them across reconnections.
        """
        self._buf = bytearray()
        self._skip_lf = False
        self._at_start = True
        self._data = []
        self._event = None
        return []

    def _process(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data:"):  # by far the most common line; skip the partition
                data.append(line[6:] if line.startswith(" ", 5) else line[5:])
                continue
            if not line:
                if data:
                    events.append(
                        ServerSentEvent("\n".join(data), self._event, self._last_event_id, self._retry)
                    )
                    data = self._data = []
                self._event = None
                continue
            if line[0] == ":":
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "data":  # only reached without a colon: "data" alone is an empty data line
                data.append(value)
            elif name == "event":
                self._event = value or None
            elif name == "id":
                if "\0" not in value:
                    self._last_event_id = value or None
            elif name == "retry" and value.isascii() and value.isdigit():
                # More digits than int() accepts is no meaningful delay either: ignore it.
                with suppress(ValueError):
                    self._retry = int(value)
        return events

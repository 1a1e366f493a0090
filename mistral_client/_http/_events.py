"""Reading a stream's body: SSE bytes to parsed events, and closing or draining the response."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn, TypeVar

import httpx2

from .._backend import (
    APIRequest,
)
from .._exceptions import (
    APIConnectionError,
    APIError,
    IncompleteStreamError,
)
from .._sse import SSEDecoder
from ._core import _HTTPCore
from ._errors import _error_status, _repaired, _validation_error

T = TypeVar("T")


class _EventReader:
    """Turns a stream's bytes into parsed events: one SSE decode and one JSON parse per event."""

    __slots__ = ("_core", "_decoder", "_finished", "_request", "_response", "_seen", "done")

    def __init__(self, core: _HTTPCore, request: APIRequest[Any], response: httpx2.Response) -> None:
        self._core = core
        self._request = request
        self._response = response
        self._decoder = SSEDecoder()
        self.done = False
        # The choice indices seen, and those that got a finish_reason (see end()).
        self._seen: set[int] = set()
        self._finished: set[int] = set()

    def feed(self, data: bytes) -> list[Any]:
        # The per-chunk hot path: locals, no helper frames, the request's parser called directly.
        items = []
        parse = self._request.parse
        decoder = self._decoder
        lone = decoder.lone_data(data)
        # (data, event type) of each event; the common one-event chunk without building an event.
        events = [(lone, None)] if lone is not None else [(e.data, e.event) for e in decoder.feed(data)]
        for payload, event_type in events:
            if payload == "[DONE]":
                self.done = True
                break
            if event_type == "error":
                self._raise_error(payload)
            try:
                item = parse(payload)
            except ValueError as exc:  # pydantic's ValidationError
                item = self._repaired(payload, exc)
            extra = item.__pydantic_extra__
            if item.object == "error" or (extra and "error" in extra):
                self._raise_error(payload)
            for choice in item.choices:
                (self._seen if choice.finish_reason is None else self._finished).add(choice.index)
            items.append(item)
        return items

    def _repaired(self, payload: str, error: ValueError) -> Any:
        try:
            return _repaired(self._request, payload, error)
        except ValueError as exc:
            raise _validation_error(
                exc, self._response, payload, self._core.request_id(self._response)
            ) from None

    def end(self) -> None:
        # Some OpenAI-compatible servers (transformers serve) never send [DONE]; a stream whose every
        # choice got its finish_reason is whole all the same.
        if not self.done and not (self._finished and self._seen <= self._finished):
            raise IncompleteStreamError(
                "The stream ended before the server sent [DONE] or a finish_reason for every choice: "
                "the output is incomplete.",
                request=self._response.request,
            )

    def _raise_error(self, data: str) -> NoReturn:
        _raise_stream_error(self._core, self._response, data)


class _TypedEventReader:
    """A stream of typed events (each JSON document has a ``type``; transcription and conversation
    streams): parsed by the record, an error event raised, a final event ending it."""

    __slots__ = ("_core", "_decoder", "_final", "_request", "_response", "_to_error", "done")

    def __init__(self, core: _HTTPCore, request: APIRequest[Any], response: httpx2.Response) -> None:
        endpoint = request.endpoint
        assert endpoint is not None
        self._core = core
        self._request = request
        self._response = response
        self._decoder = SSEDecoder()
        self._final = endpoint.final_events
        self._to_error = endpoint.stream_error
        self.done = False

    def feed(self, data: bytes) -> list[Any]:
        items = []
        parse = self._request.parse
        decoder = self._decoder
        lone = decoder.lone_typed_event(data)
        # (data, event type) of each event; the common one-event chunk without building an event.
        events = [lone] if lone is not None else [(e.data, e.event) for e in decoder.feed(data)]
        for payload, event_type in events:
            if payload == "[DONE]":
                self.done = True
                break
            if event_type == "error":
                _raise_stream_error(self._core, self._response, payload)
            try:
                item = parse(payload)
            except ValueError as exc:  # pydantic's ValidationError
                raise _validation_error(
                    exc, self._response, payload, self._core.request_id(self._response)
                ) from None
            if self._to_error is not None:
                error = self._to_error(item)
                if error is not None:
                    if isinstance(error, APIError) and error.request_id is None:
                        error.request_id = self._core.request_id(self._response)
                    raise error
            items.append(item)
            if getattr(item, "type", None) in self._final or event_type in self._final:
                self.done = True
        return items

    def end(self) -> None:
        if not self.done:
            raise IncompleteStreamError(
                "The stream ended before its final event: the output is incomplete.",
                request=self._response.request,
            )


def event_reader(core: _HTTPCore, request: APIRequest[Any], response: httpx2.Response) -> Any:
    """The reader for this request's stream: typed events, or chat chunks."""
    endpoint = request.endpoint
    if endpoint is not None and endpoint.final_events:
        return _TypedEventReader(core, request, response)
    return _EventReader(core, request, response)


def _raise_stream_error(core: _HTTPCore, response: httpx2.Response, data: str) -> NoReturn:
    try:
        body: Any = json.loads(data)
    except ValueError:
        body = data
    error = body.get("error", body) if isinstance(body, dict) else body
    raise core.status_error(response, status_code=_error_status(error), body=body)


async def _shielded_aclose(response: httpx2.Response) -> None:
    """Close even while the consuming task is being cancelled, so the connection goes back to the pool."""
    import anyio

    with anyio.CancelScope(shield=True):
        await response.aclose()


# After [DONE] the body's end (for HTTP/1.1 chunked, the terminating chunk) is read so that closing
# the response returns the connection to the pool instead of dropping it: a dropped connection costs
# the next call a new TCP and TLS handshake. Best effort and bounded: a server that keeps sending
# after [DONE] is cut off after a few reads, one that holds the body open is waited for no longer
# than the read timeout (sync) or _DRAIN_SECONDS (async); then the connection is closed.
_DRAIN_READS = 4
_DRAIN_SECONDS = 0.5


def _reusable(response: httpx2.Response) -> bool:
    """Whether the connection can go back to the pool once the body is read (so draining pays)."""
    return response.http_version == "HTTP/1.1" and response.headers.get("connection", "").lower() != "close"


def _drain(chunks: Iterator[bytes], errors: tuple[type[Exception], ...] = (httpx2.HTTPError,)) -> None:
    with contextlib.suppress(*errors):  # the events are all in: failing now loses nothing
        for reads, _ in enumerate(chunks, 1):
            if reads >= _DRAIN_READS:
                return


async def _adrain(
    chunks: AsyncIterator[bytes], errors: tuple[type[Exception], ...] = (httpx2.HTTPError,)
) -> None:
    import anyio

    with anyio.move_on_after(_DRAIN_SECONDS), contextlib.suppress(*errors):
        reads = 0
        async for _ in chunks:
            reads += 1
            if reads >= _DRAIN_READS:
                return


def _decoding_error(exc: Exception, response: httpx2.Response) -> APIConnectionError:
    return APIConnectionError(f"Could not decode the response body: {exc}", request=response.request)

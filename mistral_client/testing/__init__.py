"""Test helpers for code that uses mistral_client: a fake backend with queued or computed answers.

    from mistral_client import Client
    from mistral_client.testing import FakeBackend

    fake = FakeBackend()
    fake.add_response("Paris")
    client = Client(backend=fake)
    assert client.chat.complete(model="m", messages=[...]).text == "Paris"
    assert fake.requests[0].params["messages"][0]["content"] == ...

One ``FakeBackend`` serves ``Client`` and ``AsyncClient`` alike. Answers are used in the order they
were queued, whatever the operation; when the queue is empty, ``responder`` (a function of the
:class:`FakeRequest`) answers. Requests go through the client's own validation first, so a call the
API would reject fails here too. The fake does not retry: an error is raised the first time.

The ``fake_backend`` pytest fixture comes with the package (a ``pytest11`` plugin), or import it
into a ``conftest.py``: ``from mistral_client.testing import fake_backend``.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .._backend import (
    REQUEST_CONTEXT,
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
    Backend,
    RequestOptions,
    StreamResponse,
)
from ._conversations import accumulate, is_turn, stream_events
from ._events import script_for, scripted_events
from ._replies import ErrorReply, Reply, as_stream, parse_body, stream_chunks, to_reply

if TYPE_CHECKING:
    from ..types._base import MistralModel
    from ._pytest_plugin import fake_backend

__all__ = ["FakeBackend", "FakeBackendError", "FakeRequest", "fake_backend"]

T = TypeVar("T")

#: What ``responder`` may return, and ``add_response`` takes: text, a JSON body (dict), a response
#: model, an exception, or a stream from :meth:`FakeBackend.stream`.
Answer = Any


class FakeBackendError(AssertionError):
    """The fake was asked something it has no answer for: a test mistake, not an API error."""


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake received, after the client validated it."""

    #: "chat.complete", "chat.stream", "fim.complete", "embeddings.create", "models.list", ...
    operation: str
    #: The validated body as the JSON the API would get (unset fields left out), and the path
    #: parameters; for a GET, the path and query parameters; for a multipart form, its fields (and
    #: an upload's ``filename``).
    params: dict[str, Any]
    #: The validated request model (``None`` for a GET).
    body: MistralModel | None
    options: RequestOptions
    #: The whole request as the backend seam received it.
    request: APIRequest[Any] = field(repr=False)

    @property
    def model(self) -> str | None:
        value = self.params.get("model")
        return value if isinstance(value, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.params.get("messages") or [])


@dataclass
class FakeStream(Reply):
    """A streamed answer: text pieces and/or whole chunks, then the final chunk (for a stream of
    typed events, a transcription's: text or audio pieces and/or whole events, then the final event).

    ``error`` is raised after the pieces, as a connection dropped mid-stream would.
    """

    pieces: Sequence[Any]
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    finish_reason: str | None = None
    usage: Mapping[str, int] | None = None
    error: BaseException | None = None

    def chunks(self, request: FakeRequest, number: int) -> list[Any]:
        if is_turn(request):  # a conversation's events
            events = stream_events(request, number, self.pieces, self.tool_calls, self.usage)
            return [parse_body(request, event) for event in events]
        script = script_for(request)
        if script is not None:  # a stream of typed events (a transcription's...)
            parse = functools.partial(parse_body, request)
            return scripted_events(script, request, self.pieces, self.usage, parse)
        return stream_chunks(request, number, self.pieces, self.tool_calls, self.finish_reason, self.usage)

    def stream_error(self) -> BaseException | None:
        return self.error

    def result(self, request: FakeRequest, number: int) -> Any:
        # A stream answering a complete call: what the stream adds up to.
        from .._accumulate import Accumulator
        from ..types.chat import ChatCompletionResponse

        if self.error is not None:
            raise self.error
        if is_turn(request):
            merged = accumulate(self.chunks(as_stream(request), number))
            return parse_body(request, merged.model_dump(mode="json", exclude_none=True))
        script = script_for(request)
        if script is not None:
            events = script.accumulator()
            for event in self.chunks(as_stream(request), number):
                events.add(event)
            return parse_body(request, events.build().model_dump(mode="json", exclude_none=True))
        accumulator = Accumulator()
        for chunk in self.chunks(as_stream(request), number):
            accumulator.add(chunk)
        merged = accumulator.build(ChatCompletionResponse)
        return parse_body(request, merged.model_dump(mode="json", exclude_none=True))


class FakeBackend(Backend, AsyncBackend):
    """A backend for tests: answers from a queue, or from ``responder``; records every request.

    ``responder(request: FakeRequest)`` returns anything :meth:`add_response` takes (or a
    :meth:`stream`), or raises; it answers whenever the queue is empty.
    """

    def __init__(self, responder: Callable[[FakeRequest], Answer] | None = None) -> None:
        self.responder = responder
        #: Every request received, in order.
        self.requests: list[FakeRequest] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:
        return f"<FakeBackend queued={len(self._queue)} requests={len(self.requests)}>"

    #: ``client.batch.run`` / ``start`` run each request through the fake (the queue answers them).
    remote_batches = False

    # --- queueing -------------------------------------------------------------------------------

    def add_response(
        self,
        answer: Answer = None,
        /,
        *,
        text: str | None = None,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        embeddings: Sequence[Sequence[float]] | None = None,
    ) -> FakeBackend:
        """Queue one answer: a text (chat, FIM), a JSON body (dict) or response model for any
        endpoint (OCR, moderation...), ``tool_calls=[{"name": ..., "arguments": {...}}]``, or
        ``embeddings=[[...], ...]`` (one vector per input). A text answer to a stream request is
        streamed in one piece; to an operation that is no model call, it is the string the operation
        answers (a signed URL). An operation that answers no content (``documents.delete``) takes any
        body: ``{}``."""
        self._queue.append(to_reply(answer, text, tool_calls, finish_reason, usage, embeddings))
        return self

    def add_stream(
        self,
        pieces: Iterable[Any] = (),
        /,
        *,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        error: BaseException | None = None,
    ) -> FakeBackend:
        """Queue a streamed answer: text pieces (or whole chunks: dicts or ``CompletionChunk``),
        then a final chunk with ``tool_calls``, the finish reason and usage; ``error`` is raised
        after the pieces. A stream answering a non-streaming call is merged, as the API would.

        For a transcription stream, text pieces become text deltas (or give whole events: dicts with
        their ``type``, or event models), then ``transcription.done`` with the text; for a speech
        stream, audio bytes become audio deltas, then ``speech.audio.done``."""
        self._queue.append(
            self.stream(pieces, tool_calls=tool_calls, finish_reason=finish_reason, usage=usage, error=error)
        )
        return self

    def add_error(
        self, error: Any, /, *, message: str | None = None, retry_after: float | None = None
    ) -> FakeBackend:
        """Queue an error: an exception instance, an exception class (``RateLimitError``,
        ``APIConnectionError``...) or an HTTP status code (``503``), raised by the next request."""
        self._queue.append(ErrorReply(error, message, retry_after))
        return self

    @staticmethod
    def stream(
        pieces: Iterable[Any] = (),
        *,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        error: BaseException | None = None,
    ) -> FakeStream:
        """A streamed answer, for ``responder`` to return (:meth:`add_stream` queues one)."""
        return FakeStream(list(pieces), tool_calls, finish_reason, usage, error)

    @property
    def pending(self) -> int:
        """How many queued answers are still unused."""
        return len(self._queue)

    # --- answering ------------------------------------------------------------------------------

    def _next(self, request: APIRequest[Any]) -> tuple[FakeRequest, Reply, int]:
        recorded = _record(request)
        with self._lock:
            self.requests.append(recorded)
            number = next(self._numbers)
            reply = self._queue.popleft() if self._queue else None
        if reply is None:
            if self.responder is None:
                raise FakeBackendError(
                    f"FakeBackend: no answer for request #{number} ({request.operation}); queue one with "
                    "add_response(), add_stream() or add_error(), or pass responder="
                )
            answer = self.responder(recorded)
            reply = answer if isinstance(answer, Reply) else to_reply(answer, None, None, None, None, None)
        return recorded, reply, number

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        recorded, reply, number = self._next(request)
        result = reply.result(recorded, number)
        return APIResponse(lambda: result, **_info(number))

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        recorded, reply, number = self._next(request)
        chunks = reply.chunks(recorded, number)
        return StreamResponse(_iterate(chunks, reply.stream_error()), lambda: None, **_info(number))

    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        return self.handle_request(request)

    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        recorded, reply, number = self._next(request)
        chunks = reply.chunks(recorded, number)

        async def close() -> None:
            pass

        events = _aiterate(chunks, reply.stream_error())
        return AsyncStreamResponse(cast("AsyncIterator[T]", events), close, **_info(number))


def __getattr__(name: str) -> Any:
    # The fixture lives with pytest, which only tests import.
    if name == "fake_backend":
        from ._pytest_plugin import fake_backend

        return fake_backend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- helpers ----------------------------------------------------------------------------------------


def _record(request: APIRequest[Any]) -> FakeRequest:
    if request.body is not None:
        params = request.body.model_dump(
            mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT
        )
        if request.path_params:  # libraries.update: the library_id too
            params = {**request.path_params, **params}
    else:
        params = {**request.path_params, **(request.query or {})}
    if request.multipart is not None and request.multipart.file is not None:
        # An upload: the form's fields (the body, above), and the file's name but not the file itself.
        params["filename"] = request.multipart.filename
    return FakeRequest(request.operation, params, request.body, request.options, request)


def _info(number: int) -> dict[str, Any]:
    return {"status_code": 200, "request_id": f"fake-request-{number}"}


def _iterate(chunks: list[Any], error: BaseException | None) -> Iterator[Any]:
    yield from chunks
    if error is not None:
        raise error


async def _aiterate(chunks: list[Any], error: BaseException | None) -> AsyncIterator[Any]:
    import anyio.lowlevel

    for chunk in chunks:
        await anyio.lowlevel.checkpoint()  # a real stream yields to the event loop between events
        yield chunk
    if error is not None:
        raise error

"""The stream objects: :class:`EventStream` / :class:`AsyncEventStream` over any typed events, and
the chat ones (``chat.stream`` and ``fim.stream``) on top.

A stream's events (chat chunks, transcription or conversation events) are folded as they pass by
its :class:`Accumulator` into what the call would have returned whole (``get_final_response()``);
``text_deltas()`` yields the text each adds.

Nothing is sent until the stream is entered or iterated. Leaving the ``with`` block, breaking out
of the loop, cancelling the consumer or dropping the stream closes the response, which returns the
connection to the pool.

How an abandoned async stream gets closed: leaving ``async with`` and cancellation inside the stream
close the response right there (shielded from the cancellation). A ``break`` out of a bare
``async for`` gives the stream no call to await in, so ``__aiter__`` returns an :class:`_AsyncIter`
that owns the async generator reading the response, and nothing else refers to that generator:
dropping the iterator marks the stream closed at once (so it can not be read on by mistake) and
hands the generator to the event loop's async-generator finalizer (asyncio and trio both install
one), which closes it, and with it the response, on the loop's next turn.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar

from ._accumulate import Accumulator as ChunkAccumulator
from ._backend import APIRequest, AsyncBackend, AsyncStreamResponse, Backend, StreamResponse
from ._exceptions import MistralError
from .types.chat import ChatCompletionResponse, CompletionChunk, content_text

if TYPE_CHECKING:
    from ._structured import StructuredOutput
    from .types.parsed import ParsedChatCompletionResponse

E = TypeVar("E")  # an event of the stream
R = TypeVar("R")  # what the events add up to
C = TypeVar("C", bound=ChatCompletionResponse)
T = TypeVar("T")

_CLOSED_EARLY = (
    "The stream was closed before it ended (the loop was left early, the stream was closed or "
    "its consumer cancelled), so {what}. A stream can be read only once."
)


E_contra = TypeVar("E_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class Accumulator(Protocol[E_contra, R_co]):
    """What a stream's events add up to: each event folded in as it passes, the result built once."""

    def add(self, event: E_contra) -> None: ...

    def build(self) -> R_co: ...


class _StreamState(Generic[E, R]):
    """What the sync and async streams share: the events so far folded together, the final result."""

    _response: Any

    def __init__(
        self, request: APIRequest[E], accumulator: Accumulator[E, R], text: Callable[[E], str]
    ) -> None:
        self._request = request
        self._response = None
        self._accumulator = accumulator
        self._text = text
        self._finished = False
        self._closed = False

    @property
    def response(self) -> StreamResponse[E] | AsyncStreamResponse[E]:
        """The open stream's metadata: ``status_code``, ``headers``, ``request_id``, ``rate_limit``..."""
        if self._response is None:
            raise MistralError("The stream has not started yet: enter it or iterate it first.")
        response: StreamResponse[E] | AsyncStreamResponse[E] = self._response
        return response

    @property
    def request_id(self) -> str | None:
        return self._response.request_id if self._response is not None else None

    def _final(self) -> R:
        if not self._finished:
            raise MistralError(_CLOSED_EARLY.format(what="there is no final response to build"))
        final = self._accumulator.build()
        if hasattr(final, "_request_id"):  # top-level response models carry the request id
            final._request_id = self.request_id
        return final

    def _check_reusable(self) -> None:
        if self._closed and not self._finished:
            raise MistralError(_CLOSED_EARLY.format(what="it can not be read on"))


class EventStream(_StreamState[E, R]):
    """A sync stream of events ``E`` (chat chunks, transcription or conversation events...) that add
    up to ``R``: iterate it, or ``text_deltas()``; ``get_final_response()`` reads the rest."""

    def __init__(
        self,
        backend: Backend,
        request: APIRequest[E],
        accumulator: Accumulator[E, R],
        text: Callable[[E], str],
    ) -> None:
        super().__init__(request, accumulator, text)
        self._backend = backend

    def _open(self) -> StreamResponse[E]:
        self._check_reusable()
        if self._response is None:
            self._response = self._backend.handle_stream(self._request)
        response: StreamResponse[E] = self._response
        return response

    def __enter__(self) -> Self:
        self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[E]:
        # A generator: CPython closes it (running the ``finally``) as soon as a loop that broke out
        # drops it, so a ``break`` closes the response at once.
        response = self._open()
        try:
            add = self._accumulator.add
            for event in response:
                add(event)
                yield event
            self._finished = True
        finally:
            self.close()

    def text_deltas(self) -> Iterator[str]:
        """The text each event adds (of the first choice, for chat), skipping events that add none."""
        text_of = self._text
        for event in self:
            text = text_of(event)
            if text:
                yield text

    def get_final_response(self) -> R:
        """Read the rest of the stream and return what it adds up to (the type the call returns whole)."""
        if not self._finished:
            self._check_reusable()
            for _ in self:
                pass
        return self._final()

    def close(self) -> None:
        """Close the response now; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._response is not None:
            self._response.close()

    def __del__(self) -> None:
        # A dropped stream must not pin a pooled connection until the garbage collector runs.
        if not getattr(self, "_closed", True) and self._response is not None:
            self._closed = True
            self._response.close()


class _AsyncIter(AsyncIterator[T]):
    """What ``async for`` gets from an :class:`AsyncEventStream`: the sole owner of the async
    generator that reads the response (see the module docstring). ``aclose()`` closes it explicitly,
    e.g. with ``contextlib.aclosing``."""

    __slots__ = ("_agen", "_stream")

    def __init__(self, stream: AsyncEventStream[Any, Any], agen: AsyncGenerator[T, None]) -> None:
        self._stream = stream
        self._agen = agen

    def __aiter__(self) -> _AsyncIter[T]:
        return self

    def __anext__(self) -> Awaitable[T]:
        # Not a coroutine: hand out the generator's own awaitable, no extra frame per event.
        return self._agen.__anext__()

    async def aclose(self) -> None:
        await self._agen.aclose()

    def __del__(self) -> None:
        # Left early (break, an exception in the loop body, cancellation while the loop body ran):
        # the stream is done for at once, though the generator is closed on the loop's next turn.
        stream = self._stream
        if not stream._finished and stream._response is not None:
            stream._closed = True


class AsyncEventStream(_StreamState[E, R]):
    """The async :class:`EventStream` (asyncio or trio)."""

    def __init__(
        self,
        backend: AsyncBackend,
        request: APIRequest[E],
        accumulator: Accumulator[E, R],
        text: Callable[[E], str],
    ) -> None:
        super().__init__(request, accumulator, text)
        self._backend = backend
        self._released = False

    async def _open(self) -> AsyncStreamResponse[E]:
        self._check_reusable()
        if self._response is None:
            self._response = await self._backend.handle_async_stream(self._request)
        response: AsyncStreamResponse[E] = self._response
        return response

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[E]:
        return _AsyncIter(self, self._iterate())

    async def _iterate(self) -> AsyncGenerator[E, None]:
        response = await self._open()
        try:
            add = self._accumulator.add
            async for event in response:
                add(event)
                yield event
            self._finished = True
        finally:
            await self.aclose()

    def text_deltas(self) -> AsyncIterator[str]:
        """The text each event adds (of the first choice, for chat), skipping events that add none."""
        return _AsyncIter(self, self._texts())

    async def _texts(self) -> AsyncGenerator[str, None]:
        events = self._iterate()
        text_of = self._text
        try:
            async for event in events:
                text = text_of(event)
                if text:
                    yield text
        finally:
            await events.aclose()

    async def get_final_response(self) -> R:
        """Read the rest of the stream and return what it adds up to (the type the call returns whole)."""
        if not self._finished:
            self._check_reusable()
            events = self._iterate()
            try:
                async for _ in events:
                    pass
            finally:
                await events.aclose()
        return self._final()

    async def aclose(self) -> None:
        """Close the response now; safe to call twice."""
        self._closed = True
        if self._response is None or self._released:
            return
        self._released = True
        import anyio

        # Shielded: closing must finish even in a cancelled scope, or the connection leaks.
        with anyio.CancelScope(shield=True):
            await self._response.aclose()


# --- chat and FIM ---------------------------------------------------------------------------------------


class _ChatAccumulator:
    """The chunks folded into the response type the call returns whole."""

    __slots__ = ("_chunks", "_response_type", "add")

    def __init__(self, response_type: type[Any]) -> None:
        self._chunks = ChunkAccumulator()
        self.add = self._chunks.add
        self._response_type = response_type

    def build(self) -> Any:
        return self._chunks.build(self._response_type)


def _first_text(chunk: CompletionChunk) -> str:
    for choice in chunk.choices:
        if choice.index == 0 and choice.delta.content:
            return content_text(choice.delta.content)
    return ""


class Stream(EventStream[CompletionChunk, C]):
    """A sync stream of :class:`~mistral_client.types.chat.CompletionChunk` (``chat.stream``,
    ``fim.stream``), adding up to the response type the call returns whole."""

    def __init__(
        self, backend: Backend, request: APIRequest[CompletionChunk], response_type: type[C]
    ) -> None:
        super().__init__(backend, request, _ChatAccumulator(response_type), _first_text)


class AsyncStream(AsyncEventStream[CompletionChunk, C]):
    """An async stream of :class:`~mistral_client.types.chat.CompletionChunk` (asyncio or trio)."""

    def __init__(
        self, backend: AsyncBackend, request: APIRequest[CompletionChunk], response_type: type[C]
    ) -> None:
        super().__init__(backend, request, _ChatAccumulator(response_type), _first_text)


# --- structured outputs (chat.parse_stream) ---------------------------------------------------------


class ParsedStream(Stream[ChatCompletionResponse], Generic[T]):
    """A :class:`Stream` of a structured output: ``partials()`` while it arrives, and a final response
    whose ``parsed`` is the validated ``T``. The plain stream's per-chunk path is untouched: partial
    JSON is parsed only inside ``partials()``."""

    def __init__(
        self, backend: Backend, request: APIRequest[CompletionChunk], output: StructuredOutput[T]
    ) -> None:
        super().__init__(backend, request, ChatCompletionResponse)
        self._output = output
        self._parsed: ParsedChatCompletionResponse[T] | None = None

    def partials(self) -> Iterator[Any]:
        """The first choice's JSON so far, parsed, each time it changes (a dict for an object type).

        A string or number still being written is left out until it is complete; the values are not
        validated against ``T`` (fields may still be missing): ``get_final_response()`` does that.
        """
        from ._structured import PartialJSON

        partial = PartialJSON()
        for chunk in self:
            text = _first_text(chunk)
            if text:
                changed, value = partial.feed(text)
                if changed:
                    yield value

    def get_final_response(self) -> ParsedChatCompletionResponse[T]:
        """Read the rest of the stream and return it parsed, with ``chat.parse``'s errors."""
        if self._parsed is None:
            self._parsed = self._output.parse(super().get_final_response())
        return self._parsed


class AsyncParsedStream(AsyncStream[ChatCompletionResponse], Generic[T]):
    """The async :class:`ParsedStream`."""

    def __init__(
        self, backend: AsyncBackend, request: APIRequest[CompletionChunk], output: StructuredOutput[T]
    ) -> None:
        super().__init__(backend, request, ChatCompletionResponse)
        self._output = output
        self._parsed: ParsedChatCompletionResponse[T] | None = None

    def partials(self) -> AsyncIterator[Any]:
        """The first choice's JSON so far, parsed, each time it changes (see ``ParsedStream``)."""
        return _AsyncIter(self, self._partials())

    async def _partials(self) -> AsyncGenerator[Any, None]:
        from ._structured import PartialJSON

        partial = PartialJSON()
        chunks = self._iterate()
        try:
            async for chunk in chunks:
                text = _first_text(chunk)
                if text:
                    changed, value = partial.feed(text)
                    if changed:
                        yield value
        finally:
            await chunks.aclose()

    async def get_final_response(self) -> ParsedChatCompletionResponse[T]:
        """Read the rest of the stream and return it parsed, with ``chat.parse``'s errors."""
        if self._parsed is None:
            self._parsed = self._output.parse(await super().get_final_response())
        return self._parsed

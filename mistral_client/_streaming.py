"""The stream objects ``chat.stream`` and ``fim.stream`` return.

Nothing is sent until the stream is entered or iterated. Leaving the ``with`` block, breaking out
of the loop, cancelling the consumer or dropping the stream closes the response, which returns the
connection to the pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, TypeVar

from ._accumulate import accumulate
from ._backend import APIRequest, AsyncBackend, AsyncStreamResponse, Backend, StreamResponse
from ._exceptions import MistralError
from .types.chat import ChatCompletionResponse, CompletionChunk, content_text

R = TypeVar("R", bound=ChatCompletionResponse)


class _StreamState(Generic[R]):
    """What the sync and async streams share: the chunks seen so far, and the final response."""

    _response: Any

    def __init__(self, request: APIRequest[CompletionChunk], response_type: type[R]) -> None:
        self._request = request
        self._response_type = response_type
        self._response = None
        self._chunks: list[CompletionChunk] = []
        self._finished = False
        self._closed = False

    @property
    def response(self) -> StreamResponse[CompletionChunk] | AsyncStreamResponse[CompletionChunk]:
        """The open stream's metadata: ``status_code``, ``headers``, ``request_id``, ``rate_limit``..."""
        if self._response is None:
            raise MistralError("The stream has not started yet: enter it or iterate it first.")
        response: StreamResponse[CompletionChunk] | AsyncStreamResponse[CompletionChunk] = self._response
        return response

    @property
    def request_id(self) -> str | None:
        return self._response.request_id if self._response is not None else None

    def _final(self) -> R:
        if not self._finished:
            raise MistralError(
                "The stream was closed before it ended, so there is no final response to build."
            )
        final = accumulate(self._chunks, self._response_type)
        final._request_id = self.request_id
        return final

    def _check_reusable(self) -> None:
        if self._closed and not self._finished:
            raise MistralError("The stream is closed.")


def _first_text(chunk: CompletionChunk) -> str:
    for choice in chunk.choices:
        if choice.index == 0 and choice.delta.content:
            return content_text(choice.delta.content)
    return ""


class Stream(_StreamState[R]):
    """A sync stream of :class:`~mistral_client.types.chat.CompletionChunk`."""

    def __init__(
        self, backend: Backend, request: APIRequest[CompletionChunk], response_type: type[R]
    ) -> None:
        super().__init__(request, response_type)
        self._backend = backend

    def _open(self) -> StreamResponse[CompletionChunk]:
        self._check_reusable()
        if self._response is None:
            self._response = self._backend.handle_stream(self._request)
        response: StreamResponse[CompletionChunk] = self._response
        return response

    def __enter__(self) -> Stream[R]:
        self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[CompletionChunk]:
        response = self._open()
        try:
            for chunk in response:
                self._chunks.append(chunk)
                yield chunk
            self._finished = True
        finally:
            self.close()

    def text_deltas(self) -> Iterator[str]:
        """The text of each chunk of the first choice, skipping chunks that carry none."""
        for chunk in self:
            text = _first_text(chunk)
            if text:
                yield text

    def get_final_response(self) -> R:
        """Read the rest of the stream and return it merged into the type ``complete`` returns."""
        if not self._finished:
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
        if not self._closed and self._response is not None:
            self._response.close()


class AsyncStream(_StreamState[R]):
    """An async stream of :class:`~mistral_client.types.chat.CompletionChunk` (asyncio or trio)."""

    def __init__(
        self, backend: AsyncBackend, request: APIRequest[CompletionChunk], response_type: type[R]
    ) -> None:
        super().__init__(request, response_type)
        self._backend = backend

    async def _open(self) -> AsyncStreamResponse[CompletionChunk]:
        self._check_reusable()
        if self._response is None:
            self._response = await self._backend.handle_async_stream(self._request)
        response: AsyncStreamResponse[CompletionChunk] = self._response
        return response

    async def __aenter__(self) -> AsyncStream[R]:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def __aiter__(self) -> AsyncIterator[CompletionChunk]:
        response = await self._open()
        try:
            async for chunk in response:
                self._chunks.append(chunk)
                yield chunk
            self._finished = True
        finally:
            await self.aclose()

    async def text_deltas(self) -> AsyncIterator[str]:
        """The text of each chunk of the first choice, skipping chunks that carry none."""
        async for chunk in self:
            text = _first_text(chunk)
            if text:
                yield text

    async def get_final_response(self) -> R:
        """Read the rest of the stream and return it merged into the type ``complete`` returns."""
        if not self._finished:
            async for _ in self:
                pass
        return self._final()

    async def aclose(self) -> None:
        """Close the response now; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._response is not None:
            import anyio

            # Shielded: closing must finish even in a cancelled scope, or the connection leaks.
            with anyio.CancelScope(shield=True):
                await self._response.aclose()

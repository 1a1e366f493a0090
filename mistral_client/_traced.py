"""The one entrance to a backend: a wrapper that adds the OpenTelemetry spans (see :mod:`._tracing`).

A client wraps whatever backend it is given, the HTTP ones, the local one and a user's own alike, and
sends every call, stream, bulk and batch request through the wrapper; ``client.backend`` is still the
backend it was given. With tracing off (no OpenTelemetry provider set up) a request costs the wrapper
one call and a check; the declarations (``remote_batches``, ``retry_policy``...) are the backend's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import IO, TYPE_CHECKING, TypeVar

from . import _tracing
from ._backend import (
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
    Backend,
    StreamResponse,
    TokenCountRequest,
)

if TYPE_CHECKING:
    from ._retry import RetryPolicy
    from .types.tokens import TokenCount

T = TypeVar("T")


class TracedBackend(Backend):
    """``backend``, with a span around each GenAI call."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return f"<TracedBackend {self.backend!r}>"

    # --- the declarations are the backend's ------------------------------------------------------

    @property
    def remote_batches(self) -> bool:
        return self.backend.remote_batches

    @property
    def retry_policy(self) -> RetryPolicy | None:
        return self.backend.retry_policy

    @property
    def server_address(self) -> str | None:
        return self.backend.server_address

    def count_tokens(self, request: TokenCountRequest) -> TokenCount | None:
        return self.backend.count_tokens(request)

    def close(self) -> None:
        self.backend.close()

    def handle_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        return self.backend.handle_download(request, sink)

    # --- calls ------------------------------------------------------------------------------------

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        tracer = _tracing.tracer_for(request)
        if tracer is None:
            return self.backend.handle_request(request)
        with _tracing.call_span(tracer, self.backend.server_address, request) as span:
            response = self.backend.handle_request(request)
        _tracing.finish_response(span, response)
        return response

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        tracer = _tracing.tracer_for(request)
        if tracer is None:
            return self.backend.handle_stream(request)
        with _tracing.call_span(tracer, self.backend.server_address, request) as span:
            response = self.backend.handle_stream(request)
        watch = _tracing.stream_watch(span, request, response)

        def events() -> Iterator[T]:
            try:
                for event in response:
                    watch.add(event)
                    yield event
            except GeneratorExit:  # closed early: the span ends with what came so far
                watch.end(None)
                raise
            except BaseException as exc:
                watch.end(exc)
                raise
            watch.end(None)

        def close() -> None:
            response.close()
            watch.end(None)

        return StreamResponse(events(), close, **_tracing.response_info(response))


class AsyncTracedBackend(AsyncBackend):
    """The async :class:`TracedBackend`."""

    def __init__(self, backend: AsyncBackend) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return f"<AsyncTracedBackend {self.backend!r}>"

    @property
    def remote_batches(self) -> bool:
        return self.backend.remote_batches

    @property
    def retry_policy(self) -> RetryPolicy | None:
        return self.backend.retry_policy

    @property
    def server_address(self) -> str | None:
        return self.backend.server_address

    def count_tokens(self, request: TokenCountRequest) -> TokenCount | None:
        return self.backend.count_tokens(request)

    async def aclose(self) -> None:
        await self.backend.aclose()

    async def handle_async_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        return await self.backend.handle_async_download(request, sink)

    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        tracer = _tracing.tracer_for(request)
        if tracer is None:
            return await self.backend.handle_async_request(request)
        with _tracing.call_span(tracer, self.backend.server_address, request) as span:
            response = await self.backend.handle_async_request(request)
        _tracing.finish_response(span, response)
        return response

    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        tracer = _tracing.tracer_for(request)
        if tracer is None:
            return await self.backend.handle_async_stream(request)
        with _tracing.call_span(tracer, self.backend.server_address, request) as span:
            response = await self.backend.handle_async_stream(request)
        watch = _tracing.stream_watch(span, request, response)

        async def events() -> AsyncIterator[T]:
            try:
                async for event in response:
                    watch.add(event)
                    yield event
            except GeneratorExit:
                watch.end(None)
                raise
            except BaseException as exc:
                watch.end(exc)
                raise
            watch.end(None)

        async def close() -> None:
            await response.aclose()
            watch.end(None)

        return AsyncStreamResponse(events(), close, **_tracing.response_info(response))

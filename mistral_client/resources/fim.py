"""``client.fim``: fill-in-the-middle code completion, complete or streamed.

Each method names its operation's record and hands its arguments to the resource door
(:mod:`._base`). ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import (
    AsyncAPIResource,
    SyncAPIResource,
    async_raw,
    async_raw_stream,
    chat_types,
    endpoints,
    raw,
    streams,
)

if TYPE_CHECKING:
    from .._streaming import AsyncStream, Stream
    from ..types.chat import FIMCompletionResponse
    from ..types.params import FIMCompletionParams


class Fim(SyncAPIResource):
    def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        return self._call(endpoints.FIM_COMPLETE, params)

    def stream(self, **params: Unpack[FIMCompletionParams]) -> Stream[FIMCompletionResponse]:
        """Stream a FIM completion. Nothing is sent until the stream is entered or iterated."""
        return self._stream(
            endpoints.FIM_STREAM,
            params,
            lambda backend, request: streams.Stream(backend, request, chat_types.FIMCompletionResponse),
        )

    @functools.cached_property
    def with_raw_response(self) -> FimWithRawResponse:
        return FimWithRawResponse(self)


class FimWithRawResponse:
    """``client.fim``'s methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, fim: Fim) -> None:
        fim = fim._raw_copy()
        self.complete = raw(fim.complete)
        self.stream = raw(fim.stream)


class AsyncFim(AsyncAPIResource):
    async def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        return await self._call(endpoints.FIM_COMPLETE, params)

    def stream(self, **params: Unpack[FIMCompletionParams]) -> AsyncStream[FIMCompletionResponse]:
        """Stream a FIM completion; use with ``async for`` or ``async with`` (no ``await``)."""
        return self._stream(
            endpoints.FIM_STREAM,
            params,
            lambda backend, request: streams.AsyncStream(backend, request, chat_types.FIMCompletionResponse),
        )

    @functools.cached_property
    def with_raw_response(self) -> AsyncFimWithRawResponse:
        return AsyncFimWithRawResponse(self)


class AsyncFimWithRawResponse:
    """``client.fim``'s methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, fim: AsyncFim) -> None:
        fim = fim._raw_copy()
        self.complete = async_raw(fim.complete)
        self.stream = async_raw_stream(fim.stream)

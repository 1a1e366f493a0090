"""``client.fim``: fill-in-the-middle code completion, complete or streamed.

Each method is a thin shell: :mod:`mistral_client._requests` builds and validates the request (shared by
sync and async), the client's backend answers it. ``with_raw_response`` gives the same methods returning
an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, build, chat_types, streams

if TYPE_CHECKING:
    from .._backend import APIResponse
    from .._streaming import AsyncStream, Stream
    from ..types.chat import FIMCompletionResponse
    from ..types.params import FIMCompletionParams


class Fim(SyncAPIResource):
    def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        return self._client._request(build.fim_complete(params, self._client._defaults))

    def stream(self, **params: Unpack[FIMCompletionParams]) -> Stream[FIMCompletionResponse]:
        """Stream a FIM completion. Nothing is sent until the stream is entered or iterated."""
        request = build.fim_stream(params, self._client._defaults)
        return streams.Stream(self._client._backend, request, chat_types.FIMCompletionResponse)

    @property
    def with_raw_response(self) -> FimWithRawResponse:
        return FimWithRawResponse(self._client)


class FimWithRawResponse(SyncAPIResource):
    def complete(self, **params: Unpack[FIMCompletionParams]) -> APIResponse[FIMCompletionResponse]:
        return self._client._raw_request(build.fim_complete(params, self._client._defaults))


class AsyncFim(AsyncAPIResource):
    async def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        request = build.fim_complete(params, self._client._defaults)
        return await self._client._request(request)

    def stream(self, **params: Unpack[FIMCompletionParams]) -> AsyncStream[FIMCompletionResponse]:
        """Stream a FIM completion; use with ``async for`` or ``async with`` (no ``await``)."""
        request = build.fim_stream(params, self._client._defaults)
        return streams.AsyncStream(self._client._backend, request, chat_types.FIMCompletionResponse)

    @property
    def with_raw_response(self) -> AsyncFimWithRawResponse:
        return AsyncFimWithRawResponse(self._client)


class AsyncFimWithRawResponse(AsyncAPIResource):
    async def complete(self, **params: Unpack[FIMCompletionParams]) -> APIResponse[FIMCompletionResponse]:
        return await self._client._raw_request(build.fim_complete(params, self._client._defaults))

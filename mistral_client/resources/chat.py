"""``client.chat``: chat completions, complete or streamed.

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
    from ..types.chat import ChatCompletionResponse
    from ..types.params import ChatCompletionParams


class Chat(SyncAPIResource):
    def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        request = build.chat_complete(params, self._client._defaults)
        return self._client._request(request)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> Stream[ChatCompletionResponse]:
        """Stream a chat completion. Nothing is sent until the stream is entered or iterated."""
        request = build.chat_stream(params, self._client._defaults)
        return streams.Stream(self._client._backend, request, chat_types.ChatCompletionResponse)

    @property
    def with_raw_response(self) -> ChatWithRawResponse:
        return ChatWithRawResponse(self._client)


class ChatWithRawResponse(SyncAPIResource):
    def complete(self, **params: Unpack[ChatCompletionParams]) -> APIResponse[ChatCompletionResponse]:
        return self._client._raw_request(build.chat_complete(params, self._client._defaults))


class AsyncChat(AsyncAPIResource):
    async def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        request = build.chat_complete(params, self._client._defaults)
        return await self._client._request(request)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> AsyncStream[ChatCompletionResponse]:
        """Stream a chat completion; use with ``async for`` or ``async with`` (no ``await``)."""
        request = build.chat_stream(params, self._client._defaults)
        return streams.AsyncStream(self._client._backend, request, chat_types.ChatCompletionResponse)

    @property
    def with_raw_response(self) -> AsyncChatWithRawResponse:
        return AsyncChatWithRawResponse(self._client)


class AsyncChatWithRawResponse(AsyncAPIResource):
    async def complete(self, **params: Unpack[ChatCompletionParams]) -> APIResponse[ChatCompletionResponse]:
        return await self._client._raw_request(build.chat_complete(params, self._client._defaults))

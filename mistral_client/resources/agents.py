"""``client.agents``: chat completions with an agent (``POST /v1/agents/completions``), whole or
streamed, with what ``client.chat`` has: the same validation, retries, response types and stream.

The agents themselves (create, update, versions, aliases) are ``client.beta.agents``.
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
    from ..types.agent_params import AgentsCompletionParams
    from ..types.chat import ChatCompletionResponse


class Agents(SyncAPIResource):
    def complete(self, **params: Unpack[AgentsCompletionParams]) -> ChatCompletionResponse:
        """A chat completion by an agent (``POST /v1/agents/completions``): its model, instructions,
        tools and completion arguments, with ``messages``."""
        return self._call(endpoints.AGENTS_COMPLETE, params)

    def stream(self, **params: Unpack[AgentsCompletionParams]) -> Stream[ChatCompletionResponse]:
        """Stream an agent's chat completion. Nothing is sent until the stream is entered or iterated."""
        return self._stream(
            endpoints.AGENTS_STREAM,
            params,
            lambda backend, request: streams.Stream(backend, request, chat_types.ChatCompletionResponse),
        )

    @functools.cached_property
    def with_raw_response(self) -> AgentsWithRawResponse:
        return AgentsWithRawResponse(self)


class AgentsWithRawResponse:
    """``client.agents``' methods returning the :class:`~mistral_client.APIResponse` (a stream's once
    it is open: ``parse()`` gives the stream to read)."""

    def __init__(self, agents: Agents) -> None:
        agents = agents._raw_copy()
        self.complete = raw(agents.complete)
        self.stream = raw(agents.stream)


class AsyncAgents(AsyncAPIResource):
    async def complete(self, **params: Unpack[AgentsCompletionParams]) -> ChatCompletionResponse:
        """A chat completion by an agent (``POST /v1/agents/completions``)."""
        return await self._call(endpoints.AGENTS_COMPLETE, params)

    def stream(self, **params: Unpack[AgentsCompletionParams]) -> AsyncStream[ChatCompletionResponse]:
        """Stream an agent's chat completion; use with ``async for`` or ``async with`` (no ``await``)."""
        return self._stream(
            endpoints.AGENTS_STREAM,
            params,
            lambda backend, request: streams.AsyncStream(backend, request, chat_types.ChatCompletionResponse),
        )

    @functools.cached_property
    def with_raw_response(self) -> AsyncAgentsWithRawResponse:
        return AsyncAgentsWithRawResponse(self)


class AsyncAgentsWithRawResponse:
    """``client.agents``' methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, agents: AsyncAgents) -> None:
        agents = agents._raw_copy()
        self.complete = async_raw(agents.complete)
        self.stream = async_raw_stream(agents.stream)

"""``client.chat``: chat completions, complete or streamed, structured outputs and the tool runner.

Each method names its operation's record and hands its arguments to the resource door
(:mod:`._base`); :mod:`mistral_client._structured` makes the structured output (both shared by sync
and async). ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from typing_extensions import Unpack

from .._lazy import lazy_module
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
    from .. import _structured as structured
    from .. import _tool_runner as runners
    from .._backend import APIResponse
    from .._streaming import AsyncParsedStream, AsyncStream, ParsedStream, Stream
    from .._tool_runner import AsyncToolRunner, ToolRunner
    from ..types.chat import ChatCompletionResponse
    from ..types.params import AnyToolParam, ChatCompletionParams, ChatParseParams, ChatToolRunnerParams
    from ..types.parsed import ParsedChatCompletionResponse
else:
    structured = lazy_module("mistral_client._structured")
    runners = lazy_module("mistral_client._tool_runner")

T = TypeVar("T")


class Chat(SyncAPIResource):
    workflows = frozenset({"tool_runner"})

    def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        return self._call(endpoints.CHAT_COMPLETE, params)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> Stream[ChatCompletionResponse]:
        """Stream a chat completion. Nothing is sent until the stream is entered or iterated."""
        return self._stream(
            endpoints.CHAT_STREAM,
            params,
            lambda backend, request: streams.Stream(backend, request, chat_types.ChatCompletionResponse),
        )

    def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> ParsedChatCompletionResponse[T]:
        """A chat completion whose answer is validated into ``response_format`` (a pydantic model,
        ``TypedDict`` or dataclass): ``response.parsed`` is the ``T``.

        Raises :class:`~mistral_client.LengthFinishReasonError` for a cut-off answer and
        :class:`~mistral_client.OutputValidationError` for one that is not valid for ``T``.
        """
        output = structured.output_for(response_format)
        fields = {**params, "response_format": output.response_format}
        return self._call_then(endpoints.CHAT_COMPLETE, fields, output.parse)

    def parse_stream(self, *, response_format: type[T], **params: Unpack[ChatParseParams]) -> ParsedStream[T]:
        """Stream a structured output: ``partials()`` as it arrives, then ``get_final_response().parsed``."""
        output = structured.output_for(response_format)
        fields = {**params, "response_format": output.response_format}
        return self._stream(
            endpoints.CHAT_STREAM,
            fields,
            lambda backend, request: streams.ParsedStream(backend, request, output),
        )

    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        response_format: None = None,
        stream: Literal[False] = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> ToolRunner[ChatCompletionResponse, ChatCompletionResponse]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        response_format: type[T],
        stream: Literal[False] = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> ToolRunner[ChatCompletionResponse, ParsedChatCompletionResponse[T]]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        response_format: None = None,
        stream: Literal[True],
        **params: Unpack[ChatToolRunnerParams],
    ) -> ToolRunner[Stream[ChatCompletionResponse], ChatCompletionResponse]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        response_format: type[T],
        stream: Literal[True],
        **params: Unpack[ChatToolRunnerParams],
    ) -> ToolRunner[Stream[ChatCompletionResponse], ParsedChatCompletionResponse[T]]: ...
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = 10,
        response_format: type[T] | None = None,
        stream: bool = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> ToolRunner[Any, Any]:
        """Run a conversation with tools: each assistant turn's tool calls are run (``@tool``
        functions) and answered, until the model answers without calling any.

        Iterate for each turn, or call ``until_done()``. Nothing is sent before the first step.
        """
        output = structured.output_for(response_format) if response_format is not None else None
        return runners.ToolRunner(
            self, params, tools=tools, max_iterations=max_iterations, output=output, stream=stream
        )

    @functools.cached_property
    def with_raw_response(self) -> ChatWithRawResponse:
        return ChatWithRawResponse(self)


class ChatWithRawResponse:
    """``client.chat``'s methods returning the :class:`~mistral_client.APIResponse` (a stream's once
    it is open: ``parse()`` gives the stream to read)."""

    def __init__(self, chat: Chat) -> None:
        self._chat = chat._raw_copy()
        self.complete = raw(self._chat.complete)
        self.stream = raw(self._chat.stream)

    def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> APIResponse[ParsedChatCompletionResponse[T]]:
        return self._chat.parse(response_format=response_format, **params)  # type: ignore[return-value]

    def parse_stream(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> APIResponse[ParsedStream[T]]:
        return self._chat.parse_stream(response_format=response_format, **params)  # type: ignore[return-value]


class AsyncChat(AsyncAPIResource):
    workflows = frozenset({"tool_runner"})

    async def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        return await self._call(endpoints.CHAT_COMPLETE, params)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> AsyncStream[ChatCompletionResponse]:
        """Stream a chat completion; use with ``async for`` or ``async with`` (no ``await``)."""
        return self._stream(
            endpoints.CHAT_STREAM,
            params,
            lambda backend, request: streams.AsyncStream(backend, request, chat_types.ChatCompletionResponse),
        )

    async def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> ParsedChatCompletionResponse[T]:
        """A chat completion whose answer is validated into ``response_format`` (see :meth:`Chat.parse`)."""
        output = structured.output_for(response_format)
        fields = {**params, "response_format": output.response_format}
        return await self._call_then(endpoints.CHAT_COMPLETE, fields, output.parse)

    def parse_stream(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> AsyncParsedStream[T]:
        """Stream a structured output; use with ``async with`` / ``async for`` (no ``await``)."""
        output = structured.output_for(response_format)
        fields = {**params, "response_format": output.response_format}
        return self._stream(
            endpoints.CHAT_STREAM,
            fields,
            lambda backend, request: streams.AsyncParsedStream(backend, request, output),
        )

    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        max_concurrency: int = ...,
        response_format: None = None,
        stream: Literal[False] = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> AsyncToolRunner[ChatCompletionResponse, ChatCompletionResponse]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        max_concurrency: int = ...,
        response_format: type[T],
        stream: Literal[False] = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> AsyncToolRunner[ChatCompletionResponse, ParsedChatCompletionResponse[T]]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        max_concurrency: int = ...,
        response_format: None = None,
        stream: Literal[True],
        **params: Unpack[ChatToolRunnerParams],
    ) -> AsyncToolRunner[AsyncStream[ChatCompletionResponse], ChatCompletionResponse]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = ...,
        max_concurrency: int = ...,
        response_format: type[T],
        stream: Literal[True],
        **params: Unpack[ChatToolRunnerParams],
    ) -> AsyncToolRunner[AsyncStream[ChatCompletionResponse], ParsedChatCompletionResponse[T]]: ...
    def tool_runner(
        self,
        *,
        tools: Sequence[AnyToolParam],
        max_iterations: int = 10,
        max_concurrency: int = 4,
        response_format: type[T] | None = None,
        stream: bool = False,
        **params: Unpack[ChatToolRunnerParams],
    ) -> AsyncToolRunner[Any, Any]:
        """The async :meth:`Chat.tool_runner`: ``async for``, or ``await runner.until_done()``.

        Several calls in one turn run concurrently, at most ``max_concurrency`` at a time.
        """
        output = structured.output_for(response_format) if response_format is not None else None
        return runners.AsyncToolRunner(
            self,
            params,
            tools=tools,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            output=output,
            stream=stream,
        )

    @functools.cached_property
    def with_raw_response(self) -> AsyncChatWithRawResponse:
        return AsyncChatWithRawResponse(self)


class AsyncChatWithRawResponse:
    """``client.chat``'s methods returning the :class:`~mistral_client.APIResponse`; each is awaited
    (a stream's sends its request, and ``parse()`` gives the open stream)."""

    def __init__(self, chat: AsyncChat) -> None:
        self._chat = chat._raw_copy()
        self.complete = async_raw(self._chat.complete)
        self.stream = async_raw_stream(self._chat.stream)

    async def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> APIResponse[ParsedChatCompletionResponse[T]]:
        return await self._chat.parse(response_format=response_format, **params)  # type: ignore[return-value]

    async def parse_stream(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> APIResponse[AsyncParsedStream[T]]:
        return await self._chat.parse_stream(response_format=response_format, **params)  # type: ignore[misc, no-any-return]

"""``client.chat``: chat completions, complete or streamed, structured outputs and the tool runner.

Each method is a thin shell: :mod:`mistral_client._requests` builds and validates the request and
:mod:`mistral_client._structured` the structured output (both shared by sync and async), the client's
backend answers it. ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, _Deferred, build, chat_types, streams

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
    structured = _Deferred("._structured")
    runners = _Deferred("._tool_runner")

T = TypeVar("T")


class Chat(SyncAPIResource):
    def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        request = build.chat_complete(params, self._client._defaults)
        return self._client._request(request)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> Stream[ChatCompletionResponse]:
        """Stream a chat completion. Nothing is sent until the stream is entered or iterated."""
        request = build.chat_stream(params, self._client._defaults)
        return streams.Stream(self._client._backend, request, chat_types.ChatCompletionResponse)

    def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> ParsedChatCompletionResponse[T]:
        """A chat completion whose answer is validated into ``response_format`` (a pydantic model,
        ``TypedDict`` or dataclass): ``response.parsed`` is the ``T``.

        Raises :class:`~mistral_client.LengthFinishReasonError` for a cut-off answer and
        :class:`~mistral_client.OutputValidationError` for one that is not valid for ``T``.
        """
        output = structured.output_for(response_format)
        request = build.chat_complete(
            {**params, "response_format": output.response_format}, self._client._defaults
        )
        return output.parse(self._client._request(request))

    def parse_stream(self, *, response_format: type[T], **params: Unpack[ChatParseParams]) -> ParsedStream[T]:
        """Stream a structured output: ``partials()`` as it arrives, then ``get_final_response().parsed``."""
        output = structured.output_for(response_format)
        request = build.chat_stream(
            {**params, "response_format": output.response_format}, self._client._defaults
        )
        return streams.ParsedStream(self._client._backend, request, output)

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
            self._client, params, tools=tools, max_iterations=max_iterations, output=output, stream=stream
        )

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

    async def parse(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> ParsedChatCompletionResponse[T]:
        """A chat completion whose answer is validated into ``response_format`` (see :meth:`Chat.parse`)."""
        output = structured.output_for(response_format)
        request = build.chat_complete(
            {**params, "response_format": output.response_format}, self._client._defaults
        )
        return output.parse(await self._client._request(request))

    def parse_stream(
        self, *, response_format: type[T], **params: Unpack[ChatParseParams]
    ) -> AsyncParsedStream[T]:
        """Stream a structured output; use with ``async with`` / ``async for`` (no ``await``)."""
        output = structured.output_for(response_format)
        request = build.chat_stream(
            {**params, "response_format": output.response_format}, self._client._defaults
        )
        return streams.AsyncParsedStream(self._client._backend, request, output)

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
            self._client,
            params,
            tools=tools,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            output=output,
            stream=stream,
        )

    @property
    def with_raw_response(self) -> AsyncChatWithRawResponse:
        return AsyncChatWithRawResponse(self._client)


class AsyncChatWithRawResponse(AsyncAPIResource):
    async def complete(self, **params: Unpack[ChatCompletionParams]) -> APIResponse[ChatCompletionResponse]:
        return await self._client._raw_request(build.chat_complete(params, self._client._defaults))

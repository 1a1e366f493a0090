"""``chat.tool_runner``: ask, run the tools the model called, send the results, ask again.

:class:`_RunnerState` holds what sync and async share (the history, the iteration cap, turning a
tool call into a tool message, parsing the final answer); the runners differ only in how they send
and how they run the calls (in turn, or concurrently in the async one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._endpoints import CHAT_COMPLETE
from ._exceptions import InvalidRequestError, LengthFinishReasonError, MaxToolIterationsError, cut_off_tokens
from ._tool_execution import PendingCall, Toolbox, positive
from .types.chat import ChatCompletionResponse, ToolCall, ToolMessage, content_text

if TYPE_CHECKING:
    from ._streaming import AsyncStream, Stream
    from ._structured import StructuredOutput
    from .resources.chat import AsyncChat, Chat

__all__ = ["AsyncToolRunner", "ToolRunner"]

#: What iterating a runner yields: a response, or (``stream=True``) a stream per turn.
Y = TypeVar("Y")
#: What ``until_done()`` returns: a response, or a parsed one with ``response_format=T``.
F = TypeVar("F", bound=ChatCompletionResponse)
#: Finish reasons of a turn the token limit cut off.
_CUT_OFF = frozenset({"length", "model_length"})


class _RunnerState:
    """The conversation and the loop's bookkeeping, shared by the sync and async runners."""

    def __init__(
        self,
        params: Mapping[str, Any],
        tools: Sequence[Any],
        max_iterations: int,
        output: StructuredOutput[Any] | None,
    ) -> None:
        params = dict(params)
        if "messages" not in params:
            raise InvalidRequestError("messages: required", errors=[("messages", "required")])
        self.messages: list[Any] = list(params.pop("messages"))
        self.max_iterations = positive("max_iterations", max_iterations)
        self.toolbox = Toolbox(tools)
        self.output = output
        self.params = {**params, "tools": list(tools)}
        if output is not None:
            self.params["response_format"] = output.response_format
        self.iterations = 0
        self.pending: list[ToolCall] = []
        self.final: ChatCompletionResponse | None = None

    def check(self, chat: Chat | AsyncChat) -> None:
        """Validate the arguments now, so a bad one fails at the ``tool_runner(...)`` call."""
        chat._request(CHAT_COMPLETE, {**self.params, "messages": self.messages})

    def next_params(self) -> dict[str, Any]:
        """The next request's arguments; raises :class:`MaxToolIterationsError` past the cap."""
        if self.iterations >= self.max_iterations:
            raise MaxToolIterationsError(
                f"The model still called tools after {self.max_iterations} requests (max_iterations); "
                "the conversation so far is in .messages",
                messages=self.messages,
            )
        self.iterations += 1
        return {**self.params, "messages": self.messages}

    def received(self, response: ChatCompletionResponse) -> ChatCompletionResponse:
        """Record an assistant turn: its tool calls become pending, or it is the final answer.

        A turn cut off by the token limit with no complete call is neither: it raises
        :class:`LengthFinishReasonError` (and stays out of :attr:`messages`).
        """
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice is not None else None
        calls = list(message.tool_calls or ()) if message is not None else []
        if choice is not None and not calls and choice.finish_reason in _CUT_OFF:
            content = content_text(message.content) if message is not None else ""
            raise LengthFinishReasonError(
                f"choices[0]: the turn was cut off (finish_reason {choice.finish_reason!r}, "
                f"{cut_off_tokens(response)}) with no complete tool call "
                "to run and no finished answer; raise max_tokens. The conversation before this turn "
                "is in .messages, the cut turn in the error's .response",
                response=response,
                content=content,
            )
        if message is not None:
            self.messages.append(message)
        if calls:
            self.pending = calls
            return response
        if self.output is not None:
            response = self.output.parse(response)
            # The history holds the parsed message too (its ``parsed`` is never sent).
            if message is not None:
                self.messages[-1] = response.choices[0].message
        self.final = response
        return response

    @property
    def done(self) -> bool:
        return self.final is not None

    def pending_calls(self) -> list[PendingCall]:
        """The pending calls, as the toolbox runs them."""
        return [(call.function.name, call.function.arguments, call.id) for call in self.pending]

    def add_results(self, results: list[str]) -> None:
        for call, text in zip(self.pending, results, strict=True):
            self.messages.append(ToolMessage(content=text, tool_call_id=call.id, name=call.function.name))
        self.pending = []


class ToolRunner(Generic[Y, F]):
    """Iterate for each assistant turn (a response, or a :class:`Stream` with ``stream=True``);
    ``until_done()`` runs the loop to its end. ``messages`` is the whole conversation."""

    def __init__(
        self,
        chat: Chat,
        params: Mapping[str, Any],
        *,
        tools: Sequence[Any],
        max_iterations: int,
        output: StructuredOutput[Any] | None,
        stream: bool,
    ) -> None:
        self._chat = chat
        self._state = _RunnerState(params, tools, max_iterations, output)
        self._state.check(chat)
        self._stream = stream
        self._open: Stream[ChatCompletionResponse] | None = None

    @property
    def messages(self) -> list[Any]:
        """The conversation so far: the input, each assistant turn and each tool result."""
        return self._state.messages

    def __iter__(self) -> Iterator[Y]:
        return self

    def __next__(self) -> Y:
        state = self._state
        self._settle()
        if state.done:
            raise StopIteration
        if state.pending:
            state.add_results([state.toolbox.run(call) for call in state.pending_calls()])
        params: Any = state.next_params()
        if self._stream:
            self._open = self._chat.stream(**params)
            return self._open  # type: ignore[return-value]
        return state.received(self._chat.complete(**params))  # type: ignore[return-value]

    def _settle(self) -> None:
        # The turn streamed last adds up to a response only once read: read what the caller left.
        if self._open is not None:
            stream, self._open = self._open, None
            self._state.received(stream.get_final_response())

    def until_done(self) -> F:
        """Run the loop to the end and return the final response (parsed with ``response_format``)."""
        for _ in self:
            pass
        final: Any = self._state.final
        return final  # type: ignore[no-any-return]


class AsyncToolRunner(Generic[Y, F]):
    """The async :class:`ToolRunner`: several calls in one turn run concurrently (at most
    ``max_concurrency`` at a time; sync functions in worker threads), results kept in call order."""

    def __init__(
        self,
        chat: AsyncChat,
        params: Mapping[str, Any],
        *,
        tools: Sequence[Any],
        max_iterations: int,
        max_concurrency: int,
        output: StructuredOutput[Any] | None,
        stream: bool,
    ) -> None:
        self._chat = chat
        self._state = _RunnerState(params, tools, max_iterations, output)
        self._state.check(chat)
        self._max_concurrency = positive("max_concurrency", max_concurrency)
        self._stream = stream
        self._open: AsyncStream[ChatCompletionResponse] | None = None

    @property
    def messages(self) -> list[Any]:
        """The conversation so far: the input, each assistant turn and each tool result."""
        return self._state.messages

    def __aiter__(self) -> AsyncIterator[Y]:
        return self

    async def __anext__(self) -> Y:
        state = self._state
        await self._settle()
        if state.done:
            raise StopAsyncIteration
        if state.pending:
            state.add_results(await state.toolbox.arun_all(state.pending_calls(), self._max_concurrency))
        params: Any = state.next_params()
        if self._stream:
            self._open = self._chat.stream(**params)
            return self._open  # type: ignore[return-value]
        return state.received(await self._chat.complete(**params))  # type: ignore[return-value]

    async def _settle(self) -> None:
        if self._open is not None:
            stream, self._open = self._open, None
            self._state.received(await stream.get_final_response())

    async def until_done(self) -> F:
        """Run the loop to the end and return the final response (parsed with ``response_format``)."""
        async for _ in self:
            pass
        final: Any = self._state.final
        return final  # type: ignore[no-any-return]

"""``chat.tool_runner``: ask, run the tools the model called, send the results, ask again.

:class:`_RunnerState` holds what sync and async share (the history, the iteration cap, turning a
tool call into a tool message, parsing the final answer); the runners differ only in how they send
and how they run the calls (in turn, or concurrently in the async one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._endpoints import CHAT_COMPLETE
from ._exceptions import (
    InvalidRequestError,
    InvalidToolArgumentsError,
    LengthFinishReasonError,
    MaxToolIterationsError,
    cut_off_tokens,
)
from ._tools import FunctionTool
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


def _positive(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRequestError(
            f"{name}: must be a positive integer, got {value!r}",
            errors=[(name, "must be a positive integer")],
        )
    return value


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
        self.max_iterations = _positive("max_iterations", max_iterations)
        self.functions = {item.name: item for item in tools if isinstance(item, FunctionTool)}
        #: Tools given as definitions (dicts, models): the model may call them, the runner cannot.
        self.definitions = {name for name in map(_definition_name, tools) if name} - set(self.functions)
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

    def prepare(self, call: ToolCall) -> tuple[FunctionTool[..., Any], list[Any], dict[str, Any]] | str:
        """The tool and validated arguments of a call, or the error text to send back instead."""
        name = call.function.name
        function = self.functions.get(name)
        if function is None:
            available = ", ".join(sorted(self.functions)) or "none"
            if name in self.definitions:
                return (
                    f"error: tool {name!r} was given as a definition only, with no function to run it; "
                    f"tools that can run: {available}"
                )
            return f"error: unknown tool {name!r}; available tools: {available}"
        try:
            args, kwargs = function.validate_arguments(call.function.arguments)
        except InvalidToolArgumentsError as exc:
            detail = "; ".join(f"{field}: {message}" for field, message in exc.errors)
            return f"error: invalid arguments for {name}: {detail}"
        return function, args, kwargs

    def add_results(self, results: list[str]) -> None:
        for call, text in zip(self.pending, results, strict=True):
            self.messages.append(ToolMessage(content=text, tool_call_id=call.id, name=call.function.name))
        self.pending = []


def _definition_name(item: Any) -> str | None:
    """The function name of a tool given as a dict or a ``Tool`` model (``None`` for others)."""
    function = item.get("function") if isinstance(item, Mapping) else getattr(item, "function", None)
    name = function.get("name") if isinstance(function, Mapping) else getattr(function, "name", None)
    return name if isinstance(name, str) else None


def _error_text(exc: Exception) -> str:
    return f"error: {type(exc).__name__}: {exc}"


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
            state.add_results([self._run(call) for call in state.pending])
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

    def _run(self, call: ToolCall) -> str:
        prepared = self._state.prepare(call)
        if isinstance(prepared, str):
            return prepared
        function, args, kwargs = prepared
        try:
            return function._invoke(args, kwargs)
        except Exception as exc:  # the model hears about it and can try again
            return _error_text(exc)

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
        self._max_concurrency = _positive("max_concurrency", max_concurrency)
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
            state.add_results(await self._run_all(state.pending))
        params: Any = state.next_params()
        if self._stream:
            self._open = self._chat.stream(**params)
            return self._open  # type: ignore[return-value]
        return state.received(await self._chat.complete(**params))  # type: ignore[return-value]

    async def _settle(self) -> None:
        if self._open is not None:
            stream, self._open = self._open, None
            self._state.received(await stream.get_final_response())

    async def _run_all(self, calls: list[ToolCall]) -> list[str]:
        import anyio

        results = [""] * len(calls)
        limiter = anyio.CapacityLimiter(self._max_concurrency)

        async def run(position: int, call: ToolCall) -> None:
            async with limiter:
                results[position] = await self._run(call)

        async with anyio.create_task_group() as group:
            for position, call in enumerate(calls):
                group.start_soon(run, position, call)
        return results

    async def _run(self, call: ToolCall) -> str:
        prepared = self._state.prepare(call)
        if isinstance(prepared, str):
            return prepared
        function, args, kwargs = prepared
        try:
            return await function._ainvoke(args, kwargs)
        except Exception as exc:  # the model hears about it and can try again
            return _error_text(exc)

    async def until_done(self) -> F:
        """Run the loop to the end and return the final response (parsed with ``response_format``)."""
        async for _ in self:
            pass
        final: Any = self._state.final
        return final  # type: ignore[no-any-return]

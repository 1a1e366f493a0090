"""``conversations.run`` / ``run_stream``: start a conversation, run the function calls the model
makes with the ``@tool`` functions given, append their results, until no call is left.

:class:`_RunState` holds what sync and async share (the request arguments, the toolbox, the
iteration cap, the entries so far); the runs differ only in how they send and run the calls (in
turn, or concurrently in the async one). Built-in tools (``{"type": "web_search"}``...) are sent
with the functions and run on the server: their entries come back among the outputs.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from ._endpoints import CONVERSATIONS_START
from ._exceptions import InvalidRequestError, MaxToolIterationsError, MistralError
from ._requests import OPTION_NAMES
from ._tool_execution import PendingCall, Toolbox, positive
from ._tools import FunctionTool
from .types.conversations import (
    ConversationEvent,
    ConversationResponse,
    ConversationUsageInfo,
    FunctionCallEntry,
    FunctionResultEntry,
    RunResult,
)

if TYPE_CHECKING:
    from ._conversation_stream import AsyncConversationStream, ConversationStream
    from .resources.conversations import AsyncConversations, Conversations

__all__ = ["AsyncRunStream", "RunEvent", "RunStream", "arun", "run"]

#: What ``run_stream`` yields: each turn's events, and the result of each function it ran.
RunEvent = Union[ConversationEvent, FunctionResultEntry]


class _RunState:
    """The run's arguments and bookkeeping, shared by the sync and async runs."""

    def __init__(self, params: Mapping[str, Any], tools: Sequence[Any], max_iterations: int) -> None:
        params = dict(params)
        if "inputs" not in params:
            raise InvalidRequestError("inputs: required", errors=[("inputs", "required")])
        self.max_iterations = positive("max_iterations", max_iterations)
        self.toolbox = Toolbox(tools)
        self.options = {name: params[name] for name in OPTION_NAMES if name in params}
        self.inputs: Any = params.pop("inputs")
        if tools and params.get("agent_id") is not None:
            others = [item for item in tools if not isinstance(item, FunctionTool)]
            if others:
                # The agent's own definition holds its tools; here only the functions that run them.
                raise InvalidRequestError(
                    "tools: with agent_id, only @tool functions that run the agent's function tools "
                    f"(the agent's definition holds its tools), got {others[0]!r}",
                    errors=[("tools", "only @tool functions with agent_id")],
                )
        elif tools:
            params["tools"] = list(tools)
        self.start = params
        self.turns = 0
        self.conversation_id: str | None = None
        self.entries: list[Any] = []
        self.usage = ConversationUsageInfo()
        self.pending: list[FunctionCallEntry] = []

    def check(self, conversations: Conversations | AsyncConversations) -> None:
        """Validate the arguments now, so a bad one fails at the ``run(...)`` call."""
        conversations._request(CONVERSATIONS_START, {**self.start, "inputs": self.inputs})

    def next_params(self) -> dict[str, Any]:
        """The next request's arguments (``start``'s, then ``append``'s with the conversation id);
        raises :class:`MaxToolIterationsError` past the cap."""
        if self.turns >= self.max_iterations:
            raise MaxToolIterationsError(
                f"The model still called tools after {self.max_iterations} requests (max_iterations); "
                "the entries so far are in .messages (the last function results not sent yet: "
                "append them to go on), the conversation is .conversation_id",
                messages=self.entries,
                conversation_id=self.conversation_id,
            )
        self.turns += 1
        if self.conversation_id is None:
            return {**self.start, "inputs": self.inputs}
        return {**self.options, "conversation_id": self.conversation_id, "inputs": self.inputs}

    def received(self, response: ConversationResponse) -> None:
        if self.conversation_id is None:
            self.conversation_id = response.conversation_id
        self.entries.extend(response.outputs)
        self.usage = self.usage + response.usage
        self.pending = response.function_calls

    def pending_calls(self) -> list[PendingCall]:
        return [(call.name, call.arguments, call.tool_call_id) for call in self.pending]

    def add_results(self, results: list[str]) -> list[FunctionResultEntry]:
        entries = [
            FunctionResultEntry(tool_call_id=call.tool_call_id, result=text)
            for call, text in zip(self.pending, results, strict=True)
        ]
        self.entries.extend(entries)
        self.inputs = entries
        self.pending = []
        return entries

    def result(self) -> RunResult:
        return RunResult(
            conversation_id=self.conversation_id or "",
            entries=self.entries,
            usage=self.usage,
            turns=self.turns,
        )


def run(
    conversations: Conversations, params: Mapping[str, Any], tools: Sequence[Any], max_iterations: int
) -> RunResult:
    state = _RunState(params, tools, max_iterations)
    state.check(conversations)
    while True:
        request = state.next_params()
        if state.conversation_id is None:
            response = conversations.start(**request)
        else:
            response = conversations.append(**request)
        state.received(response)
        if not state.pending:
            return state.result()
        state.add_results([state.toolbox.run(call) for call in state.pending_calls()])


async def arun(
    conversations: AsyncConversations,
    params: Mapping[str, Any],
    tools: Sequence[Any],
    max_iterations: int,
    max_concurrency: int,
) -> RunResult:
    state = _RunState(params, tools, max_iterations)
    limit = positive("max_concurrency", max_concurrency)
    state.check(conversations)
    while True:
        request = state.next_params()
        if state.conversation_id is None:
            response = await conversations.start(**request)
        else:
            response = await conversations.append(**request)
        state.received(response)
        if not state.pending:
            return state.result()
        state.add_results(await state.toolbox.arun_all(state.pending_calls(), limit))


_NOT_DONE = (
    "The run was closed before it ended, so there is no final result. A run stream can be read only once."
)


def _text(event: Any) -> str:
    from ._conversation_stream import event_text

    return event_text(event) if not isinstance(event, FunctionResultEntry) else ""


class RunStream:
    """``conversations.run_stream``: iterate for the events of every turn and a
    :class:`~mistral_client.types.conversations.FunctionResultEntry` for each function run between
    them; ``get_final_result()`` reads the rest and returns the
    :class:`~mistral_client.types.conversations.RunResult`. Closed on ``with`` exit or ``close()``."""

    def __init__(
        self,
        conversations: Conversations,
        params: Mapping[str, Any],
        tools: Sequence[Any],
        max_iterations: int,
    ) -> None:
        self._conversations = conversations
        self._state = _RunState(params, tools, max_iterations)
        self._state.check(conversations)
        self._turn: ConversationStream | None = None
        self._events: Generator[RunEvent, None, None] | None = None
        self._result: RunResult | None = None

    @property
    def conversation_id(self) -> str | None:
        """The conversation's id, once the first turn has started."""
        return self._state.conversation_id

    def __iter__(self) -> Iterator[RunEvent]:
        if self._events is None:
            self._events = self._run()
        return self._events

    def _run(self) -> Generator[RunEvent, None, None]:
        state = self._state
        conversations = self._conversations
        while True:
            request = state.next_params()
            if state.conversation_id is None:
                self._turn = conversations.start_stream(**request)
            else:
                self._turn = conversations.append_stream(**request)
            with self._turn as turn:
                for event in turn:
                    if state.conversation_id is None and event.type == "conversation.response.started":
                        state.conversation_id = event.conversation_id  # type: ignore[union-attr]
                    yield event
                state.received(turn.get_final_response())
            self._turn = None
            if not state.pending:
                self._result = state.result()
                return
            yield from state.add_results([state.toolbox.run(call) for call in state.pending_calls()])

    def text_deltas(self) -> Iterator[str]:
        """The text each event adds, over every turn."""
        for event in self:
            text = _text(event)
            if text:
                yield text

    def get_final_result(self) -> RunResult:
        """Read the rest of the run and return its result."""
        if self._result is None:
            for _ in self:
                pass
            if self._result is None:
                raise MistralError(_NOT_DONE)
        return self._result

    def close(self) -> None:
        """Stop the run now (the turn streaming is closed); safe to call twice."""
        if self._events is None:
            self._events = self._run()  # closed before it starts: iterating it yields nothing
        self._events.close()
        if self._turn is not None:
            self._turn.close()

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncRunStream:
    """The async :class:`RunStream`: ``async for``, ``await get_final_result()``; several calls in
    one turn run concurrently (at most ``max_concurrency`` at a time)."""

    def __init__(
        self,
        conversations: AsyncConversations,
        params: Mapping[str, Any],
        tools: Sequence[Any],
        max_iterations: int,
        max_concurrency: int,
    ) -> None:
        self._conversations = conversations
        self._state = _RunState(params, tools, max_iterations)
        self._limit = positive("max_concurrency", max_concurrency)
        self._state.check(conversations)
        self._turn: AsyncConversationStream | None = None
        self._events: AsyncGenerator[RunEvent, None] | None = None
        self._result: RunResult | None = None

    @property
    def conversation_id(self) -> str | None:
        """The conversation's id, once the first turn has started."""
        return self._state.conversation_id

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        if self._events is None:
            self._events = self._run()
        return self._events

    async def _run(self) -> AsyncGenerator[RunEvent, None]:
        state = self._state
        conversations = self._conversations
        while True:
            request = state.next_params()
            if state.conversation_id is None:
                self._turn = conversations.start_stream(**request)
            else:
                self._turn = conversations.append_stream(**request)
            async with self._turn as turn:
                async for event in turn:
                    if state.conversation_id is None and event.type == "conversation.response.started":
                        state.conversation_id = event.conversation_id  # type: ignore[union-attr]
                    yield event
                state.received(await turn.get_final_response())
            self._turn = None
            if not state.pending:
                self._result = state.result()
                return
            for entry in state.add_results(await state.toolbox.arun_all(state.pending_calls(), self._limit)):
                yield entry

    async def text_deltas(self) -> AsyncIterator[str]:
        """The text each event adds, over every turn."""
        async for event in self:
            text = _text(event)
            if text:
                yield text

    async def get_final_result(self) -> RunResult:
        """Read the rest of the run and return its result."""
        if self._result is None:
            async for _ in self:
                pass
            if self._result is None:
                raise MistralError(_NOT_DONE)
        return self._result

    async def aclose(self) -> None:
        """Stop the run now (the turn streaming is closed); safe to call twice."""
        if self._events is None:
            self._events = self._run()
        await self._events.aclose()
        if self._turn is not None:
            await self._turn.aclose()

    async def __aenter__(self) -> AsyncRunStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

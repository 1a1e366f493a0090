"""Folding a stream's chunks into the response ``complete`` would have returned."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from .types.chat import (
    AssistantMessage,
    ChatCompletionChoice,
    ChatCompletionResponse,
    CompletionChunk,
    FunctionCall,
    TextChunk,
    ToolCall,
    UsageInfo,
)

R = TypeVar("R", bound=ChatCompletionResponse)


class _Choice:
    __slots__ = ("by_index", "finish_reason", "role", "text", "tool_calls")

    def __init__(self) -> None:
        self.role = "assistant"
        # Text pieces, and any non-text content chunk (thinking, references...) in its place.
        self.text: list[Any] = []
        # Each call as [id, type, name, argument pieces], in the order they began...
        self.tool_calls: list[list[Any]] = []
        # ...and the one that pieces with a given stream index add to.
        self.by_index: dict[int, list[Any]] = {}
        self.finish_reason: str | None = None


class Accumulator:
    """Folds chunks in as they pass, keeping only their text and tool-call pieces.

    Keeping the chunk models themselves would hold every object of a long stream alive, and the
    garbage collector's scans of that growing heap cost more than parsing did (5x on 20,000 chunks).
    """

    __slots__ = ("_choices", "_created", "_id", "_model", "_started", "_usage")

    def __init__(self) -> None:
        self._started = False
        self._id = ""
        self._model = ""
        self._created = 0
        self._usage: UsageInfo | None = None
        self._choices: dict[int, _Choice] = {}

    def add(self, chunk: CompletionChunk) -> None:
        if not self._started:
            self._started = True
            self._id, self._model, self._created = chunk.id, chunk.model, chunk.created or 0
        if chunk.usage is not None:
            self._usage = chunk.usage
        for stream_choice in chunk.choices:
            choice = self._choices.get(stream_choice.index)
            if choice is None:
                choice = self._choices[stream_choice.index] = _Choice()
            delta = stream_choice.delta
            content = delta.content
            if content:
                if type(content) is str:
                    choice.text.append(content)
                else:
                    choice.text.extend(content)
            if delta.tool_calls:
                for position, call in enumerate(delta.tool_calls):
                    _add_tool_call(choice, call, position)
            if stream_choice.finish_reason is not None:
                choice.finish_reason = stream_choice.finish_reason

    def build(self, response_type: type[R]) -> R:
        """The response ``complete`` would have returned: content concatenated, tool calls joined
        by ``index`` (whole or in pieces), the last usage and finish reason kept."""
        choices = [
            ChatCompletionChoice(
                index=index,
                message=AssistantMessage(
                    content=_content(choice.text),
                    tool_calls=[_tool_call(i, parts) for i, parts in enumerate(choice.tool_calls)] or None,
                ),
                finish_reason=choice.finish_reason,
            )
            for index, choice in sorted(self._choices.items())
        ]
        return response_type(
            id=self._id,
            object="chat.completion",
            model=self._model,
            created=self._created,
            usage=self._usage,
            choices=choices,
        )


def _content(parts: list[Any]) -> str | list[Any]:
    """A string when the stream sent only text (the common case); otherwise the content chunks
    ``complete`` would have returned, adjacent text merged into one ``TextChunk``."""
    if all(type(part) is str for part in parts):
        return "".join(parts)
    merged: list[Any] = []
    pending: list[str] = []
    for part in parts:
        text = part if type(part) is str else part.text if isinstance(part, TextChunk) else None
        if text is not None:
            pending.append(text)
            continue
        if pending:
            merged.append(TextChunk(text="".join(pending)))
            pending = []
        merged.append(part)
    if pending:
        merged.append(TextChunk(text="".join(pending)))
    return merged


def _add_tool_call(choice: _Choice, call: ToolCall, position: int) -> None:
    index = call.index if call.index is not None else position
    # Mistral sends "null" as the id of continuation pieces.
    call_id = call.id if call.id and call.id != "null" else None
    parts = choice.by_index.get(index)
    if parts is None or (call_id is not None and parts[0] is not None and parts[0] != call_id):
        # A new call: the first piece at this index, or a whole call with an id of its own that a
        # server sent at an index already taken (or without an index, in a chunk of its own).
        parts = choice.by_index[index] = [call_id, None, "", []]
        choice.tool_calls.append(parts)
    elif call_id is not None:
        parts[0] = call_id
    if call.type:
        parts[1] = call.type
    name = call.function.name
    if name and name != parts[2]:  # a name sent in pieces is joined; one repeated in every piece is not
        parts[2] += name
    arguments = call.function.arguments
    parts[3].append(arguments if isinstance(arguments, str) else json.dumps(arguments))


def _tool_call(index: int, parts: list[Any]) -> ToolCall:
    call_id, call_type, name, arguments = parts
    return ToolCall(
        id=call_id,
        type=call_type or "function",
        function=FunctionCall(name=name, arguments="".join(arguments)),
        index=index,
    )

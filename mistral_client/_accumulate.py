"""Folding a stream's chunks into the response ``complete`` would have returned."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from .types.chat import (
    AssistantMessage,
    ChatCompletionChoice,
    ChatCompletionResponse,
    CompletionChunk,
    FunctionCall,
    ToolCall,
    UsageInfo,
    content_text,
)

R = TypeVar("R", bound=ChatCompletionResponse)


class _Choice:
    __slots__ = ("finish_reason", "role", "text", "tool_calls")

    def __init__(self) -> None:
        self.role = "assistant"
        self.text: list[str] = []
        # index -> [id, type, name, argument pieces]
        self.tool_calls: dict[int, list[Any]] = {}
        self.finish_reason: str | None = None


def accumulate(chunks: Iterable[CompletionChunk], response_type: type[R]) -> R:
    """Merge chunks: content concatenated, tool calls joined by ``index`` (whole or in pieces),
    the last usage and finish reason kept."""
    first: CompletionChunk | None = None
    usage: UsageInfo | None = None
    choices: dict[int, _Choice] = {}
    for chunk in chunks:
        if first is None:
            first = chunk
        if chunk.usage is not None:
            usage = chunk.usage
        for stream_choice in chunk.choices:
            choice = choices.get(stream_choice.index)
            if choice is None:
                choice = choices[stream_choice.index] = _Choice()
            delta = stream_choice.delta
            if delta.content:
                choice.text.append(content_text(delta.content))
            if delta.tool_calls:
                for position, call in enumerate(delta.tool_calls):
                    _add_tool_call(choice, call, position)
            if stream_choice.finish_reason is not None:
                choice.finish_reason = stream_choice.finish_reason
    built = [
        ChatCompletionChoice(
            index=index,
            message=AssistantMessage(
                content="".join(choice.text),
                tool_calls=[_tool_call(i, parts) for i, parts in sorted(choice.tool_calls.items())] or None,
            ),
            finish_reason=choice.finish_reason,
        )
        for index, choice in sorted(choices.items())
    ]
    return response_type(
        id=first.id if first else "",
        object="chat.completion",
        model=first.model if first else "",
        created=(first.created or 0) if first else 0,
        usage=usage or UsageInfo(),
        choices=built,
    )


def _add_tool_call(choice: _Choice, call: ToolCall, position: int) -> None:
    index = call.index if call.index is not None else position
    parts = choice.tool_calls.get(index)
    if parts is None:
        parts = choice.tool_calls[index] = [None, None, "", []]
    # Mistral sends "null" as the id of continuation pieces.
    if call.id and call.id != "null":
        parts[0] = call.id
    if call.type:
        parts[1] = call.type
    if call.function.name:
        parts[2] += call.function.name if parts[2] != call.function.name else ""
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

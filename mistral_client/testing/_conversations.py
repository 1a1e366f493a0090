"""FakeBackend's conversation answers: a queued text, tool calls, outputs or stream, shaped as a
conversation turn (``conversations.start`` / ``append`` / ``restart``, whole or streamed).

A whole answer is a ``ConversationResponse`` (the text a ``message.output`` entry, each tool call a
``function.call``); a streamed one is the events the API sends for it: ``conversation.response.
started``, the text pieces as ``message.output.delta``, each call's arguments in two
``function.call.delta`` pieces (so code that joins them is exercised), ``conversation.response.done``.
``start`` and ``restart`` answer with a new conversation id, ``append`` with the one it was given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import FakeRequest

#: The operations answered as a conversation turn, whole or streamed.
TURNS = frozenset(
    {
        "beta.conversations.start",
        "beta.conversations.append",
        "beta.conversations.restart",
        "beta.conversations.start_stream",
        "beta.conversations.append_stream",
        "beta.conversations.restart_stream",
    }
)


def is_turn(request: FakeRequest) -> bool:
    return request.operation in TURNS


def _conversation_id(request: FakeRequest, number: int) -> str:
    given = request.request.path_params.get("conversation_id")
    if given and not request.operation.startswith("beta.conversations.restart"):
        return given
    return f"fake-conversation-{number}"


def _words(value: Any) -> int:
    """Not a tokenizer: a stable, plausible count (words) so that code reading usage has numbers."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, Mapping):
        return sum(_words(v) for k, v in value.items() if k in ("content", "result", "text", "arguments"))
    if isinstance(value, list):
        return sum(_words(item) for item in value)
    return 0


def _usage(
    request: FakeRequest, given: Mapping[str, int] | None, outputs: list[dict[str, Any]]
) -> dict[str, int]:
    usage = dict(given) if given is not None else {}
    usage.setdefault("prompt_tokens", _words(request.params.get("inputs")))
    usage.setdefault("completion_tokens", _words(outputs))
    usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
    return usage


def _entry(entry: Any, number: int, position: int) -> dict[str, Any]:
    data = dict(entry) if isinstance(entry, Mapping) else entry.model_dump(mode="json", exclude_none=True)
    data.setdefault("object", "entry")
    data.setdefault("id", f"fake-entry-{number}-{position}")
    return data


def _calls(tool_calls: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """``{"name", "arguments"}`` (or the chat form ``{"id", "function": {...}}``) as function calls."""
    out = []
    for i, call in enumerate(tool_calls or ()):
        function = call.get("function") or call
        arguments = function.get("arguments")
        out.append(
            {
                "type": "function.call",
                "tool_call_id": call.get("tool_call_id") or call.get("id") or f"call_{i}",
                "name": function.get("name"),
                "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
            }
        )
    return out


def response_body(
    request: FakeRequest,
    number: int,
    *,
    text: str | None = None,
    tool_calls: Sequence[Mapping[str, Any]] | None = None,
    outputs: Sequence[Any] | None = None,
    usage: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """A ``ConversationResponse``'s JSON: ``outputs`` as given, or a text and function calls."""
    entries: list[Any] = list(outputs or [])
    if outputs is None:
        if text:
            entries.append({"type": "message.output", "role": "assistant", "content": text})
        entries += _calls(tool_calls)
    items = [_entry(entry, number, i) for i, entry in enumerate(entries)]
    return {
        "object": "conversation.response",
        "conversation_id": _conversation_id(request, number),
        "outputs": items,
        "usage": _usage(request, usage, items),
    }


def completed(request: FakeRequest, number: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """A queued dict body for a turn, with what the test left out filled in (the conversation id,
    usage, entry ids): ``{"outputs": [...]}`` is enough."""
    if "outputs" not in body:
        return dict(body)
    filled = response_body(request, number, outputs=body["outputs"], usage=body.get("usage"))
    return {**filled, **{k: v for k, v in body.items() if k not in ("outputs", "usage")}}


def events_of(response: Any) -> list[dict[str, Any]]:
    """A whole ``ConversationResponse`` as the events a stream of it carries."""
    events: list[dict[str, Any]] = [
        {"type": "conversation.response.started", "conversation_id": response.conversation_id}
    ]
    for index, entry in enumerate(response.outputs):
        events += _entry_events(entry.model_dump(mode="json", exclude_none=True), index)
    events.append(
        {"type": "conversation.response.done", "usage": response.usage.model_dump(exclude_none=True)}
    )
    return events


def _entry_events(entry: dict[str, Any], index: int) -> list[dict[str, Any]]:
    common = {"output_index": index, "id": entry.get("id", f"fake-entry-{index}")}
    kind = entry.get("type")
    if kind == "message.output":
        content = entry.get("content")
        pieces = [content] if isinstance(content, str) else list(content or [])
        return [{"type": "message.output.delta", **common, "content": piece} for piece in pieces]
    if kind == "function.call":
        arguments = entry.get("arguments")
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        half = len(text) // 2
        call = {"name": entry["name"], "tool_call_id": entry["tool_call_id"]}
        return [
            {"type": "function.call.delta", **common, **call, "arguments": text[:half]},
            {"type": "function.call.delta", **common, **call, "arguments": text[half:]},
        ]
    if kind == "tool.execution":
        name = entry.get("name", "")
        return [
            {
                "type": "tool.execution.started",
                **common,
                "name": name,
                "arguments": entry.get("arguments", ""),
            },
            {"type": "tool.execution.done", **common, "name": name, "info": entry.get("info", {})},
        ]
    if kind == "agent.handoff":
        return [
            {
                "type": "agent.handoff.started",
                **common,
                "previous_agent_id": entry.get("previous_agent_id", ""),
                "previous_agent_name": entry.get("previous_agent_name", ""),
            },
            {
                "type": "agent.handoff.done",
                **common,
                "next_agent_id": entry.get("next_agent_id", ""),
                "next_agent_name": entry.get("next_agent_name", ""),
            },
        ]
    return []


def stream_events(
    request: FakeRequest,
    number: int,
    pieces: Sequence[Any],
    tool_calls: Sequence[Mapping[str, Any]] | None,
    usage: Mapping[str, int] | None,
) -> list[dict[str, Any]]:
    """A streamed turn: text pieces (or whole events: dicts or event models) between the started
    and done events, then the function calls. Whole events alone are the whole stream."""
    texts = [piece for piece in pieces if isinstance(piece, str)]
    given = [
        piece if isinstance(piece, Mapping) else piece.model_dump(mode="json", exclude_none=True)
        for piece in pieces
        if not isinstance(piece, str)
    ]
    if given and not texts and not tool_calls:
        return [dict(event) for event in given]
    conversation_id = _conversation_id(request, number)
    events: list[dict[str, Any]] = [
        {"type": "conversation.response.started", "conversation_id": conversation_id}
    ]
    message = {"output_index": 0, "id": f"fake-entry-{number}-0"}
    for piece in pieces:
        if isinstance(piece, str):
            events.append({"type": "message.output.delta", **message, "content": piece})
        else:
            events.append(dict(given.pop(0)))
    first = 1 if texts else 0
    for i, call in enumerate(_calls(tool_calls)):
        events += _entry_events({**call, "id": f"fake-entry-{number}-{first + i}"}, first + i)
    outputs = [{"content": "".join(texts)}, *_calls(tool_calls)]
    events.append({"type": "conversation.response.done", "usage": _usage(request, usage, outputs)})
    return events


def accumulate(events: list[Any]) -> Any:
    """The ``ConversationResponse`` a stream's parsed events add up to."""
    from .._conversation_stream import ConversationAccumulator

    accumulator = ConversationAccumulator()
    for event in events:
        accumulator.add(event)
    return accumulator.build()

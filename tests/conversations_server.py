"""Loopback helpers for the Agents and Conversations API: response bodies, SSE events, and a
handler that answers each conversation turn from a script and records what it was sent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .loopback import Conn, Request

USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def sse(event: dict[str, Any]) -> bytes:
    """One conversation event as the API sends it: ``event:`` its type, ``data:`` its JSON."""
    return f"event: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n".encode()


def message(text: str, entry_id: str = "msg-1") -> dict[str, Any]:
    return {
        "object": "entry",
        "type": "message.output",
        "id": entry_id,
        "role": "assistant",
        "content": text,
        "model": "mistral-medium-latest",
        "created_at": "2025-05-01T10:00:00Z",
    }


def function_call(name: str, arguments: str | dict[str, Any], call_id: str = "call-1") -> dict[str, Any]:
    return {
        "object": "entry",
        "type": "function.call",
        "id": f"fc-{call_id}",
        "tool_call_id": call_id,
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
    }


def tool_execution(name: str = "web_search", arguments: str = '{"query": "weather"}') -> dict[str, Any]:
    return {"object": "entry", "type": "tool.execution", "id": "te-1", "name": name, "arguments": arguments}


def turn(*outputs: dict[str, Any], conversation_id: str = "conv-1") -> dict[str, Any]:
    """A whole ConversationResponse."""
    return {
        "object": "conversation.response",
        "conversation_id": conversation_id,
        "outputs": list(outputs),
        "usage": USAGE,
    }


def streamed(
    *pieces: str, conversation_id: str = "conv-1", calls: Sequence[tuple[str, str, str]] = ()
) -> list[bytes]:
    """A streamed turn: started, the text in pieces, each call's arguments in two pieces, done.
    ``calls`` are (name, arguments JSON, call id)."""
    events = [sse({"type": "conversation.response.started", "conversation_id": conversation_id})]
    events += [
        sse({"type": "message.output.delta", "output_index": 0, "id": "msg-1", "content": piece})
        for piece in pieces
    ]
    first = 1 if pieces else 0
    for i, (name, arguments, call_id) in enumerate(calls):
        half = len(arguments) // 2
        for part in (arguments[:half], arguments[half:]):
            event = {
                "type": "function.call.delta",
                "output_index": first + i,
                "id": f"fc-{call_id}",
                "name": name,
                "tool_call_id": call_id,
                "arguments": part,
            }
            events.append(sse(event))
    events.append(sse({"type": "conversation.response.done", "usage": USAGE}))
    return events


@dataclass
class Sent:
    method: str
    path: str
    body: Any


@dataclass
class ConversationScript:
    """Answers each request with the next scripted answer: JSON (a dict or a list of dicts), a
    list of SSE events (bytes), or an int (an empty response with that status); records every
    request."""

    answers: list[Any]
    sent: list[Sent] = field(default_factory=list)

    def __call__(self, request: Request, conn: Conn) -> None:
        body = json.loads(request.body) if request.body else None
        self.sent.append(Sent(request.method, request.path, body))
        if not self.answers:
            conn.respond_json(500, {"message": "the script ran out of answers"})
            return
        reply = self.answers.pop(0)
        if isinstance(reply, int):
            conn.respond(reply)
        elif isinstance(reply, list) and reply and isinstance(reply[0], bytes):
            conn.stream_events(reply)
        else:
            conn.respond_json(200, reply)

    @property
    def bodies(self) -> list[Any]:
        return [sent.body for sent in self.sent]


def agent(agent_id: str = "ag-1", **fields: Any) -> dict[str, Any]:
    """An Agent as the API returns it."""
    return {
        "object": "agent",
        "id": agent_id,
        "name": "Weather",
        "model": "mistral-medium-latest",
        "version": 1,
        "versions": [0, 1],
        "instructions": "Answer about the weather.",
        "tools": [{"type": "web_search"}],
        "completion_args": {"temperature": 0.3, "tool_choice": "auto"},
        "created_at": "2025-05-01T10:00:00Z",
        "updated_at": "2025-05-01T10:00:00Z",
        "deployment_chat": False,
        "source": "api",
        **fields,
    }

"""A loopback handler that answers chat requests from a script, in order, and records the bodies."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .loopback import DONE, Conn, Request, chat_response, chunk_event


def answer(
    content: str = "", *, finish_reason: str = "stop", tool_calls: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """A whole chat completion."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
        finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
    return chat_response(choices=[{"index": 0, "message": message, "finish_reason": finish_reason}])


def call(name: str, arguments: str | dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    return {
        "id": call_id or f"call_{name}",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def streamed(*pieces: str, finish_reason: str = "stop") -> list[bytes]:
    """A streamed answer, one content piece per chunk."""
    events = [chunk_event(role="assistant", content="")]
    events += [chunk_event(piece) for piece in pieces]
    return [*events, chunk_event("", finish_reason=finish_reason), DONE]


def streamed_calls(*calls: dict[str, Any]) -> list[bytes]:
    """Tool calls streamed as Mistral does: each call whole, with its index, then the finish."""
    events = [chunk_event(role="assistant", content="")]
    events += [chunk_event(tool_calls=[{**c, "index": i}]) for i, c in enumerate(calls)]
    return [*events, chunk_event("", finish_reason="tool_calls"), DONE]


class Script:
    """Answers each chat request with the next scripted answer (a dict, or a list of SSE events)."""

    def __init__(self, *answers: dict[str, Any] | list[bytes]) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: Request, conn: Conn) -> None:
        self.bodies.append(json.loads(request.body))
        if not self.answers:
            conn.respond_json(500, {"message": "the script ran out of answers"})
            return
        reply = self.answers.pop(0)
        if isinstance(reply, list):
            conn.stream_events(reply)
        else:
            conn.respond_json(200, reply)

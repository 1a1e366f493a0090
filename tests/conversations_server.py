"""Loopback helpers for the Agents and Conversations API: response bodies, SSE events, and a
handler that answers each conversation turn from a script and records what it was sent (and, with
``check=True``, checks both against the spec)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from .conftest import load_spec
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


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str, bool, dict[str, Any]]]:
    """(path regex, method, whether it is the ``#stream`` variant, operation) of every Agents and
    Conversations operation of the spec, literal paths first (``/v1/agents/completions`` is not an
    agent id)."""
    out = []
    for template, item in load_spec()["paths"].items():
        path, _, variant = template.partition("#")
        if path.startswith(("/v1/agents", "/v1/conversations")):
            pattern = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$")
            for method, operation in item.items():
                if method != "parameters":
                    out.append((pattern, method.upper(), variant == "stream", operation))
    return sorted(out, key=lambda op: op[0].pattern.count("[^/]+"))


def _operation(method: str, path: str, body: Any) -> dict[str, Any]:
    streamed = isinstance(body, dict) and body.get("stream") is True
    for pattern, op_method, stream_variant, operation in _operations():
        if op_method == method and pattern.match(path) and stream_variant == streamed:
            return operation
    raise AssertionError(f"no operation {method} {path} (stream: {streamed}) in the spec")


@functools.cache
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    schema = {**json.loads(schema_json), "components": load_spec()["components"]}
    return jsonschema.Draft202012Validator(schema)


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = _validator(json.dumps(schema, sort_keys=True))
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def _request_errors(operation: dict[str, Any], request: Request, body: Any) -> list[str]:
    """Why the request's body is not what the operation takes (a stray field included); none when
    it is."""
    content = (operation.get("requestBody") or {}).get("content", {})
    if not content:
        return [f"takes no body, got {request.body[:80]!r}"] if request.body else []
    if request.headers.get("content-type") != "application/json":
        return [f"content-type {request.headers.get('content-type')!r}, not application/json"]
    schema = content["application/json"]["schema"]
    # The conversation requests are allOf compositions, which cannot forbid extra properties.
    stray = sorted(set(body) - _properties(schema)) if isinstance(body, dict) else []
    return _errors(schema, body) + [f"{name}: a field the spec does not define" for name in stray]


def _properties(schema: dict[str, Any]) -> set[str]:
    """The properties a schema defines, through its ``$ref`` and ``allOf``."""
    if "$ref" in schema:
        schema = load_spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= _properties(part)
    return names


_EVENTS = {"$ref": "#/components/schemas/ConversationEvents"}


def _check_answer(operation: dict[str, Any], reply: Any) -> None:
    """The scripted answer is one the spec allows (a test's own mistake otherwise)."""
    if isinstance(reply, int):
        return
    content = operation["responses"]["200"]["content"]
    if "text/event-stream" in content:
        errors = []
        for event in reply:
            fields = dict(line.split(": ", 1) for line in event.decode().strip().split("\n"))
            errors += _errors(_EVENTS, {"event": fields["event"], "data": json.loads(fields["data"])})
    else:
        errors = _errors(content["application/json"]["schema"], reply)
    assert not errors, f"{operation['operationId']}: the scripted answer breaks the spec: {errors}"


@dataclass
class ConversationScript:
    """Answers each request with the next scripted answer: JSON (a dict or a list of dicts), a
    list of SSE events (bytes), or an int (an empty response with that status); records every
    request. With ``check``, a request whose body is not what the spec's operation takes is
    answered 422 (with what is wrong, as the API would) and recorded in ``rejected``; and each
    scripted answer must be one the spec allows."""

    answers: list[Any]
    sent: list[Sent] = field(default_factory=list)
    check: bool = False
    rejected: list[str] = field(default_factory=list)

    def __call__(self, request: Request, conn: Conn) -> None:
        body = json.loads(request.body) if request.body else None
        self.sent.append(Sent(request.method, request.path, body))
        operation: dict[str, Any] | None = None
        if self.check:
            operation = _operation(request.method, request.path.partition("?")[0], body)
            errors = _request_errors(operation, request, body)
            if errors:
                self.rejected.append(f"{operation['operationId']}: {errors}")
                detail = [{"loc": ["body"], "msg": error, "type": "value_error"} for error in errors]
                conn.respond_json(422, {"detail": detail})
                return
        if not self.answers:
            conn.respond_json(500, {"message": "the script ran out of answers"})
            return
        reply = self.answers.pop(0)
        if operation is not None:
            _check_answer(operation, reply)
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

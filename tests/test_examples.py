"""Every example script runs against a loopback API server, so none can rot unnoticed.

Each script runs as a user would run it (a subprocess reading MISTRAL_API_KEY and MISTRAL_BASE_URL);
the server answers the endpoints the examples call with canned but well-formed payloads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mistral_client import Client, UnprocessableEntityError

from .audio_server import AudioAPI
from .bulk_server import BulkAPI
from .conversations_server import (
    ConversationScript,
    agent,
    function_call,
    message,
    sse,
    turn,
)
from .documents_api import DocumentsAPI
from .libraries_server import LibrariesAPI
from .loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: demo.py is ``make demo``: it runs the real API or a real local model, not a loopback server.
#: ray_embed.py needs Ray, which the test setup does not install (ray[data]: ~600 MB, a ~5 s cluster
#: start on two cores; see docs/bulk.md); its map_batches callable is tested without Ray in
#: tests/test_bulk_embeddings.py.
#: conversations_offline.py runs on a local model, no server: tests/local/test_conversations_local.py
#: runs it on a tiny random-weight model.
NOT_RUN = {"demo.py", "ray_embed.py", "conversations_offline.py"}


def _model_card(model_id: str) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "type": "base",
        "owned_by": "mistralai",
        "capabilities": {"completion_chat": True, "function_calling": True},
        "max_context_length": 32768,
        "aliases": [],
    }


def _stream(conn: Conn, words: list[str]) -> None:
    events = [chunk_event(role="assistant", content="")]
    events += [chunk_event(word) for word in words]
    events += [chunk_event("", finish_reason="stop"), DONE]
    conn.stream_events(events)


CITY = '{"name": "Paris", "country": "France", "population": 2102650}'


def _structured(body: dict[str, Any], conn: Conn) -> None:
    """A City as JSON, whole or streamed; cut off when max_tokens is small."""
    if body.get("max_tokens", 100) < 10:
        message = {"role": "assistant", "content": CITY[:12]}
        conn.respond_json(
            200, chat_response(choices=[{"index": 0, "message": message, "finish_reason": "length"}])
        )
    elif body.get("stream"):
        _stream(conn, [CITY[i : i + 9] for i in range(0, len(CITY), 9)])
    else:
        conn.respond_json(200, chat_response(CITY))


def _chat(request: Request, conn: Conn) -> None:
    body = request.json()
    if (body.get("response_format") or {}).get("type") == "json_schema":
        _structured(body, conn)
        return
    if body.get("stream"):
        _stream(conn, ["The ", "sea ", "is ", "calm."])
        return
    messages = body["messages"]
    if body.get("tools") and messages[-1]["role"] == "user":
        # First turn of a tool round-trip: ask for the tool.
        call = {"id": "call0001a", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        message = {"role": "assistant", "content": "", "tool_calls": [call]}
        payload = chat_response(
            choices=[{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        )
        conn.respond_json(200, payload)
        return
    if messages[-1]["role"] == "tool":
        weather = json.loads(messages[-1]["content"])
        conn.respond_json(200, chat_response(f"It is {weather['sky']} in {weather['city']}."))
        return
    answer = "Rome." if any(w in str(messages[-1]["content"]) for w in ("Italy", "Rome")) else "Paris."
    headers = {"x-request-id": "req-123", "x-ratelimit-remaining-tokens": "499000"}
    conn.respond_json(200, chat_response(answer), headers=headers)


#: OCR and moderation, per the spec (tests/documents_api.py), with the annotations examples/ocr.py asks for.
DOCUMENTS = DocumentsAPI(
    annotations={
        "document": '{"title": "Leveraging Unlabeled Data", "authors": ["Saurabh Garg", "Hanie Sedghi"]}',
        "bbox": '{"kind": "chart", "description": "accuracy against the threshold"}',
    }
)
DOCUMENT_PATHS = ("/v1/ocr", "/v1/moderations", "/v1/chat/moderations")


def api(request: Request, conn: Conn) -> None:
    """A well-behaved server for every endpoint the examples call."""
    path = request.path.split("?")[0]
    if path in DOCUMENT_PATHS:
        DOCUMENTS(request, conn)
    elif path == "/v1/chat/completions":
        _chat(request, conn)
    elif path == "/v1/fim/completions":
        if request.json().get("stream"):
            _stream(conn, ["print(", "'hello world'", ")"])
        else:
            body = "    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)"
            conn.respond_json(200, chat_response(body, model="codestral-latest"))
    elif path == "/v1/embeddings":
        texts = request.json()["input"]
        # Distinct unit-ish vectors, so the cosine ranking has something to rank.
        data = [
            {"object": "embedding", "index": i, "embedding": [1.0, float(i), 0.5, -0.25]}
            for i in range(len(texts))
        ]
        usage = {"prompt_tokens": 10, "total_tokens": 10}
        conn.respond_json(
            200, {"id": "emb-1", "object": "list", "model": "mistral-embed", "data": data, "usage": usage}
        )
    elif path == "/v1/models":
        conn.respond_json(
            200,
            {
                "object": "list",
                "data": [_model_card("mistral-small-latest"), _model_card("codestral-latest")],
            },
        )
    elif path.startswith("/v1/models/"):
        model_id = path.rsplit("/", 1)[1]
        if model_id == "no-such-model":
            conn.respond_json(404, {"message": f"Model {model_id} not found", "type": "invalid_model"})
        else:
            conn.respond_json(200, _model_card(model_id))
    else:
        conn.respond_json(404, {"message": f"no route {request.method} {path}"})


def rate_limited(request: Request, conn: Conn) -> None:
    """Like :func:`api`, but every chat completion is refused with a 429 (a 1 ms retry-after)."""
    if request.path.startswith("/v1/chat/completions"):
        headers = {"retry-after-ms": "1"}
        conn.respond_json(429, {"message": "Requests rate limit exceeded", "type": "rate_limited"}, headers)
    else:
        api(request, conn)


def workflows_api(request: Request, conn: Conn) -> None:
    """Like :func:`api`, with the operations examples/raw_operations.py sends with client.request."""
    path = request.path.split("?")[0]
    if path == "/v1/workflows" and request.method == "GET":
        workflows = [{"id": "wf-1", "name": "invoice-triage", "display_name": "Invoice triage"}]
        conn.respond_json(200, {"workflows": workflows, "next_cursor": None})
    elif path == "/v1/conversations/conv-123" and request.method == "DELETE":
        conn.respond(204)
    else:
        api(request, conn)


Handler = Callable[[Request, Conn], None]


def libraries_api() -> Handler:
    """The Libraries API (tests/libraries_server.py: checked against the spec), and a chat answer."""
    libraries = LibrariesAPI(processing=["todo", "done"])

    def handle(request: Request, conn: Conn) -> None:
        if request.path.startswith("/v1/libraries"):
            libraries(request, conn)
        else:
            assert request.json()["tools"][0]["type"] == "document_library"
            conn.respond_json(200, chat_response("25 days a year, plus public holidays."))

    return handle


GET_ORDER = {
    "type": "function",
    "function": {
        "name": "get_order",
        "description": "The status of a customer's order, by its id.",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    },
}
ORDER = '{"order_id":"42","status":"shipped","delivery":"tomorrow"}'


def agents_api() -> ConversationScript:
    """The Agents and Conversations API answering examples/agents.py's requests in turn (each body,
    and each answer, checked against the spec: tests/conversations_server.py)."""
    search = {"output_index": 0, "id": "te-1", "name": "web_search"}
    usage = {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26}
    streamed = [
        sse({"type": "conversation.response.started", "conversation_id": "conv-1"}),
        sse({"type": "tool.execution.started", **search, "arguments": '{"query": "shop delivery Canada"}'}),
        sse({"type": "tool.execution.done", **search, "info": {}}),
        *(
            sse({"type": "message.output.delta", "output_index": 1, "id": "msg-1", "content": piece})
            for piece in ("Yes, we ", "deliver to ", "Canada.")
        ),
        sse({"type": "conversation.response.done", "usage": usage}),
    ]
    question = {
        "object": "entry",
        "type": "message.input",
        "role": "user",
        "content": "Where is my order 42?",
    }
    call = function_call("get_order", {"order_id": "42"})
    result = {"object": "entry", "type": "function.result", "tool_call_id": "call-1", "result": ORDER}
    answer = message("Order 42 has shipped: it arrives tomorrow.", "msg-3")
    history = {
        "object": "conversation.history",
        "conversation_id": "conv-2",
        "entries": [question, call, result, answer],
    }
    return ConversationScript(
        [
            agent("ag-shop", name="Shop assistant", tools=[{"type": "web_search"}, GET_ORDER]),
            streamed,
            turn(message("Three to five working days.", "msg-2")),
            turn(call, conversation_id="conv-2"),
            turn(answer, conversation_id="conv-2"),
            history,
            204,
        ],
        check=True,
    )


#: script -> (server handler, text its output must contain)
CASES: dict[str, tuple[Handler, list[str]]] = {
    # The Files and Batch APIs (and embeddings), per the spec: tests/bulk_server.py.
    "bulk.py": (
        BulkAPI(),
        [
            "progress: 1000/1000 inputs",
            "embedded 1000 texts into a (1000, 3) array",
            "created",
            "job SUCCESS: 20 answers, 0 errors",
            "0: re: In one word, the colour of fruit number 0?",
        ],
    ),
    "libraries.py": (
        libraries_api(),
        [
            "created library 'Staff handbook'",
            "uploaded handbook.md: 143 bytes, todo",
            "processed: done",
            "its text starts: '# Staff handbook'",
            "answer: 25 days a year",
            "in the library: handbook.md (done)",
            "shared with a workspace as Viewer",
            "deleted the document and the library",
        ],
    ),
    "agents.py": (
        agents_api(),
        [
            "created agent 'Shop assistant' (ag-shop), version 1",
            '[web_search: {"query": "shop delivery Canada"}]',
            "Yes, we deliver to Canada.",
            "conversation conv-1: 26 tokens",
            "follow-up: Three to five working days.",
            'the agent called get_order({"order_id": "42"})',
            f"which returned {ORDER}",
            "answer: Order 42 has shipped: it arrives tomorrow. (2 requests)",
            "history: message.input, function.call, function.result, message.output",
            "deleted agent ag-shop",
        ],
    ),
    "audio.py": (
        AudioAPI(),
        [
            "text: 'Hello world.' (language en, 1 segments)",
            "segment 0.0-1.5s: Hello world.",
            "streamed: 'Hello world.', 2 s of audio",
            "speech: 16 bytes written to speech.wav",
        ],
    ),
    "chat.py": (api, ["Paris.", "request id req-123", "Rome.", "HTTP 200", "this window: 499000"]),
    "stream.py": (api, ["The sea is calm.", "finish_reason=stop"]),
    "async_chat.py": (api, ["Paris: Paris.", "Rome: Rome.", "The sea is calm.", "[8 tokens]"]),
    "fim.py": (api, ["fibonacci(n - 1)", "print('hello world')"]),
    "embeddings.py": (api, ["4 vectors of dimension 4", "The Eiffel Tower is in Paris."]),
    "models.py": (api, ["codestral-latest", "mistral-small-latest: aliases"]),
    "moderation.py": (
        api,
        [
            "'Have a lovely day!': not flagged",
            "'Tell me where you live or else.': violence_and_threats",
            "conversation: highest score violence_and_threats (0.00); flagged: False",
        ],
    ),
    "ocr.py": (
        api,
        [
            "2 pages read (2 billed)",
            "# Hello OCR",
            "title: Leveraging Unlabeled Data; authors: Saurabh Garg, Hanie Sedghi",
            "page 0, img-0.png: chart: accuracy against the threshold",
        ],
    ),
    "tools.py": (
        api,
        ["Model called get_weather({'city': 'Paris'})", "Answer: It is sunny in Paris.", "4 messages"],
    ),
    "structured_output.py": (
        api,
        [
            "'additionalProperties': False",
            "Paris, France: 2,102,650 people",
            "so far: {'name': 'Paris', 'country': 'France'}",
            "streamed: name='Paris' country='France' population=2102650",
            'cut off after 3 tokens: \'{"name": "Pa\'',
        ],
    ),
    "raw_operations.py": (
        workflows_api,
        [
            "1 workflows, next cursor None",
            "- invoice-triage (wf-1)",
            "deleted: HTTP 204, returned None",
            "NotFoundError: HTTP 404",
        ],
    ),
    "error_handling.py": (
        rate_limited,
        [
            "InvalidRequestError (nothing was sent): [('temperature',",
            "RateLimitError: still limited after retries; the server asked for 0.001 s",
            "NotFoundError: HTTP 404",
            "APIConnectionError:",
        ],
    ),
}


def run_example(script: str, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
    env.update(MISTRAL_API_KEY="test-key", MISTRAL_BASE_URL=base_url)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs(script: str) -> None:
    handler, expected = CASES[script]
    with LoopbackServer(handler) as server:
        result = run_example(script, server.url)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    for text in expected:
        assert text in result.stdout, f"{script}: {text!r} not in its output:\n{result.stdout}"
    assert server.requests, f"{script} sent nothing to MISTRAL_BASE_URL"
    assert all(r.headers.get("authorization") == "Bearer test-key" for r in server.requests)


def test_the_agents_server_refuses_a_body_the_spec_does_not_allow() -> None:
    """agents.py's bodies are checked against the spec: a field it does not define is answered 422."""
    script = agents_api()
    refused = pytest.raises(UnprocessableEntityError, match="temperature: a field the spec does not define")
    with LoopbackServer(script) as server, Client(api_key="k", base_url=server.url) as client, refused:
        client.beta.conversations.start(agent_id="ag-shop", inputs="Hi", extra_body={"temperature": 0.2})
    assert script.rejected == [
        "agents_api_v1_conversations_start: ['temperature: a field the spec does not define']"
    ]


def test_every_example_is_covered() -> None:
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert scripts - NOT_RUN == set(CASES), "add the new example to CASES (or to NOT_RUN with a reason)"
    assert scripts >= NOT_RUN

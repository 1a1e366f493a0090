"""client.beta.conversations against a loopback server: the turns whole and streamed (byte by byte,
cut mid-event, error events, unknown types), the metadata operations, the raw forms. Every body
sent is checked against the spec's schema (conftest)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest

from mistral_client import (
    APIConnectionError,
    AsyncClient,
    Client,
    ConversationResponseError,
    IncompleteStreamError,
    InvalidRequestError,
    tool,
)
from mistral_client.types.chat import TextChunk, ToolReferenceChunk
from mistral_client.types.conversations import (
    AgentConversation,
    AgentHandoffEntry,
    FunctionCallEntry,
    FunctionResultEntry,
    MessageInputEntry,
    MessageOutputEntry,
    MessageOutputEvent,
    ModelConversation,
    ResponseStartedEvent,
    ToolExecutionEntry,
    UnknownContentChunk,
    UnknownEntry,
    UnknownEvent,
)

from .conversations_server import (
    USAGE,
    ConversationScript,
    function_call,
    message,
    sse,
    streamed,
    tool_execution,
    turn,
)
from .loopback import Conn, LoopbackServer, Request

Serve = Callable[[Any], LoopbackServer]


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def _client(serve: Serve, *answers: Any) -> tuple[Client, ConversationScript]:
    script = ConversationScript(list(answers))
    return Client(api_key="k", base_url=serve(script).url, max_retries=0), script


# --- whole turns ------------------------------------------------------------------------------------


def test_start_with_a_model_and_text(serve: Serve) -> None:
    client, script = _client(serve, turn(tool_execution(), message("Sunny, 21 °C.")))
    response = client.beta.conversations.start(inputs="Weather in Paris?", model="mistral-medium-latest")
    assert response.conversation_id == "conv-1"
    assert [type(entry) for entry in response.outputs] == [ToolExecutionEntry, MessageOutputEntry]
    assert response.text == "Sunny, 21 °C."
    assert response.usage.total_tokens == 5 and response.function_calls == []
    (sent,) = script.sent
    assert (sent.method, sent.path) == ("POST", "/v1/conversations")
    assert sent.body == {"inputs": "Weather in Paris?", "model": "mistral-medium-latest"}


def test_start_with_entries_tools_and_completion_args(serve: Serve) -> None:
    client, script = _client(serve, turn(message("ok")))
    client.beta.conversations.start(
        agent_id="ag-1",
        inputs=[
            {"role": "user", "content": "Hi"},
            MessageInputEntry(role="assistant", content="Hello!"),
            {"type": "function.result", "tool_call_id": "call-1", "result": "42"},
        ],
        completion_args={"temperature": 0.2, "max_tokens": 64},
        store=False,
        metadata={"user": "u1"},
        tools=[get_weather, {"type": "web_search"}],
    )
    body = script.bodies[0]
    assert body["inputs"] == [
        {"type": "message.input", "role": "user", "content": "Hi"},
        {"type": "message.input", "role": "assistant", "content": "Hello!"},
        {"type": "function.result", "tool_call_id": "call-1", "result": "42"},
    ]
    assert body["tools"] == [get_weather.definition, {"type": "web_search"}]
    assert body["completion_args"] == {"temperature": 0.2, "max_tokens": 64}
    assert (body["agent_id"], body["store"], body["metadata"]) == ("ag-1", False, {"user": "u1"})


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"inputs": "hi"}, "neither given"),
        ({"inputs": "hi", "model": "m", "agent_id": "a"}, "both given"),
        ({"model": "m"}, "inputs"),
        ({"inputs": 5, "model": "m"}, "inputs"),
        ({"inputs": [{"type": "teleport"}], "model": "m"}, "inputs.entries.0"),
        ({"inputs": "hi", "model": "m", "completion_args": {"top_p": 2}}, "completion_args.top_p"),
        ({"inputs": "hi", "model": "m", "stream": True}, "stream"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(serve: Serve, fields: dict[str, Any], match: str) -> None:
    client, script = _client(serve)
    with pytest.raises(InvalidRequestError, match=match):
        client.beta.conversations.start(**fields)
    assert script.sent == []


def test_append_and_restart(serve: Serve) -> None:
    client, script = _client(
        serve, turn(message("Again?")), turn(message("Branch"), conversation_id="conv-2")
    )
    answer = client.beta.conversations.append(
        conversation_id="conv-1",
        inputs=[FunctionResultEntry(tool_call_id="call-1", result="sunny")],
        tool_confirmations=[{"tool_call_id": "call-2", "confirmation": "allow"}],
    )
    assert answer.text == "Again?"
    branch = client.beta.conversations.restart(
        conversation_id="conv-1", from_entry_id="msg-1", inputs="Try again", agent_version=2
    )
    assert branch.conversation_id == "conv-2"
    assert [(s.method, s.path) for s in script.sent] == [
        ("POST", "/v1/conversations/conv-1"),
        ("POST", "/v1/conversations/conv-1/restart"),
    ]
    assert script.bodies[0] == {
        "inputs": [{"type": "function.result", "tool_call_id": "call-1", "result": "sunny"}],
        "tool_confirmations": [{"tool_call_id": "call-2", "confirmation": "allow"}],
    }
    assert script.bodies[1] == {"inputs": "Try again", "from_entry_id": "msg-1", "agent_version": 2}
    with pytest.raises(InvalidRequestError, match="from_entry_id"):
        client.beta.conversations.restart(conversation_id="conv-1", inputs="x")  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="conversation_id"):
        client.beta.conversations.append(conversation_id="", inputs="x")


def test_unknown_entries_and_chunks_are_kept_and_refused_when_sent_back(serve: Serve) -> None:
    odd_message = {
        "type": "message.output",
        "content": [
            {"type": "text", "text": "See "},
            {"type": "tool_reference", "tool": "web_search", "title": "Météo", "url": "https://m.fr"},
            {"type": "hologram", "frames": 3},
        ],
    }
    client, script = _client(serve, turn({"type": "memory.update", "facts": ["a"]}, odd_message))
    response = client.beta.conversations.start(inputs="hi", model="m")
    unknown, entry = response.outputs
    assert isinstance(unknown, UnknownEntry) and unknown.type == "memory.update"
    assert unknown.model_extra == {"facts": ["a"]}
    assert isinstance(entry, MessageOutputEntry)
    assert [type(c) for c in entry.content] == [TextChunk, ToolReferenceChunk, UnknownContentChunk]
    assert response.text == "See "
    with pytest.raises(InvalidRequestError, match=r"memory\.update"):
        client.beta.conversations.append(conversation_id="conv-1", inputs=[unknown])
    assert len(script.sent) == 1


def test_the_metadata_operations(serve: Serve) -> None:
    model_conversation = {
        "id": "conv-1",
        "object": "conversation",
        "model": "m",
        "created_at": "2025-05-01T10:00:00Z",
        "updated_at": "2025-05-01T10:00:00Z",
        "tools": [{"type": "teleport"}],
    }
    agent_conversation = {
        "id": "conv-2",
        "agent_id": "ag-1",
        "agent_version": 3,
        "created_at": "2025-05-01T10:00:00Z",
        "updated_at": "2025-05-01T10:00:00Z",
    }
    history = {
        "object": "conversation.history",
        "conversation_id": "conv-1",
        "entries": [
            {"type": "message.input", "role": "user", "content": "Hi"},
            function_call("get_weather", {"city": "Paris"}),
            {"type": "function.result", "tool_call_id": "call-1", "result": "sunny"},
            {
                "type": "agent.handoff",
                "previous_agent_id": "a",
                "previous_agent_name": "A",
                "next_agent_id": "b",
                "next_agent_name": "B",
            },
            message("Sunny"),
            {"type": "time.travel"},
        ],
    }
    messages = {
        "conversation_id": "conv-1",
        "messages": [{"type": "message.input", "role": "user", "content": "Hi"}, message("Sunny")],
    }
    client, script = _client(
        serve, [model_conversation, agent_conversation], agent_conversation, history, messages, 204
    )
    conversations = client.beta.conversations
    listed = conversations.list(page=1, page_size=2, metadata={"user": "u1"})
    assert [type(c) for c in listed] == [ModelConversation, AgentConversation]
    assert isinstance(conversations.get(conversation_id="conv-2"), AgentConversation)
    entries = conversations.get_history(conversation_id="conv-1").entries
    assert [type(e).__name__ for e in entries] == [
        "MessageInputEntry",
        "FunctionCallEntry",
        "FunctionResultEntry",
        "AgentHandoffEntry",
        "MessageOutputEntry",
        "UnknownEntry",
    ]
    assert isinstance(entries[3], AgentHandoffEntry) and entries[3].next_agent_name == "B"
    assert [m.text for m in conversations.get_messages(conversation_id="conv-1").messages] == ["Hi", "Sunny"]
    assert conversations.delete(conversation_id="conv-1") is None
    assert [(s.method, urlsplit(s.path).path) for s in script.sent] == [
        ("GET", "/v1/conversations"),
        ("GET", "/v1/conversations/conv-2"),
        ("GET", "/v1/conversations/conv-1/history"),
        ("GET", "/v1/conversations/conv-1/messages"),
        ("DELETE", "/v1/conversations/conv-1"),
    ]
    assert parse_qs(urlsplit(script.sent[0].path).query) == {
        "page": ["1"],
        "page_size": ["2"],
        "metadata": ['{"user":"u1"}'],
    }


def test_raw_forms(serve: Serve) -> None:
    client, _ = _client(serve, turn(message("ok")), streamed("o", "k"))
    raw = client.beta.conversations.with_raw_response.start(inputs="hi", model="m")
    assert raw.status_code == 200 and raw.parse().text == "ok"
    raw_stream = client.beta.conversations.with_raw_response.start_stream(inputs="hi", model="m")
    assert raw_stream.status_code == 200
    assert raw_stream.parse().get_final_response().text == "ok"


# --- streams ---------------------------------------------------------------------------------------

FULL_TURN = [
    sse(
        {
            "type": "conversation.response.started",
            "conversation_id": "conv-9",
            "created_at": "2025-05-01T10:00:00Z",
        }
    ),
    sse(
        {
            "type": "tool.execution.started",
            "output_index": 0,
            "id": "te-1",
            "name": "web_search",
            "arguments": '{"query":',
        }
    ),
    sse(
        {
            "type": "tool.execution.delta",
            "output_index": 0,
            "id": "te-1",
            "name": "web_search",
            "arguments": ' "Paris"}',
        }
    ),
    sse(
        {
            "type": "tool.execution.done",
            "output_index": 0,
            "id": "te-1",
            "name": "web_search",
            "info": {"results": 3},
        }
    ),
    sse(
        {
            "type": "agent.handoff.started",
            "output_index": 1,
            "id": "h-1",
            "previous_agent_id": "a",
            "previous_agent_name": "A",
        }
    ),
    sse(
        {
            "type": "agent.handoff.done",
            "output_index": 1,
            "id": "h-1",
            "next_agent_id": "b",
            "next_agent_name": "B",
        }
    ),
    sse(
        {
            "type": "message.output.delta",
            "output_index": 2,
            "id": "msg-1",
            "content": "Sunny",
            "agent_id": "b",
        }
    ),
    sse({"type": "memory.updated", "facts": 2}),
    sse({"type": "message.output.delta", "output_index": 2, "id": "msg-1", "content": ", 21 °C."}),
    sse(
        {
            "type": "function.call.delta",
            "output_index": 3,
            "id": "fc-1",
            "name": "get_weather",
            "tool_call_id": "call-1",
            "arguments": '{"ci',
        }
    ),
    sse(
        {
            "type": "function.call.delta",
            "output_index": 3,
            "id": "fc-1",
            "name": "",
            "tool_call_id": "",
            "arguments": 'ty": "Lyon"}',
        }
    ),
    sse(
        {
            "type": "conversation.response.done",
            "usage": {**USAGE, "connector_tokens": 7, "connectors": {"web_search": 7}},
        }
    ),
]


def _check_full_turn(events: list[Any], response: Any) -> None:
    assert isinstance(events[0], ResponseStartedEvent)
    unknown = [e for e in events if isinstance(e, UnknownEvent)]
    assert (
        len(unknown) == 1 and unknown[0].type == "memory.updated" and unknown[0].model_extra == {"facts": 2}
    )
    assert response.conversation_id == "conv-9"
    tool_entry, handoff, answer, call = response.outputs
    assert isinstance(tool_entry, ToolExecutionEntry) and tool_entry.arguments == '{"query": "Paris"}'
    assert tool_entry.info == {"results": 3}
    assert isinstance(handoff, AgentHandoffEntry) and (handoff.previous_agent_id, handoff.next_agent_id) == (
        "a",
        "b",
    )
    assert (
        isinstance(answer, MessageOutputEntry) and answer.text == "Sunny, 21 °C." and answer.agent_id == "b"
    )
    assert isinstance(call, FunctionCallEntry)
    assert (call.name, call.tool_call_id, call.arguments) == ("get_weather", "call-1", '{"city": "Lyon"}')
    assert response.text == "Sunny, 21 °C." and response.function_calls == [call]
    assert response.usage.connectors == {"web_search": 7}


def byte_by_byte(events: list[bytes]) -> Callable[[Request, Conn], None]:
    """Each byte of the stream its own HTTP chunk: events cut everywhere, multi-byte characters too."""

    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        for byte in b"".join(events):
            conn.chunk(bytes([byte]))
        conn.end_chunked()

    return handler


def test_a_stream_byte_by_byte_adds_up_to_the_response(serve: Serve) -> None:
    server = serve(byte_by_byte(FULL_TURN))
    client = Client(api_key="k", base_url=server.url)
    with client.beta.conversations.start_stream(inputs="hi", model="m") as stream:
        events = list(stream)
        response = stream.get_final_response()
    _check_full_turn(events, response)
    assert server.requests[0].json() == {"inputs": "hi", "model": "m", "stream": True}


@pytest.mark.anyio
async def test_an_async_stream_byte_by_byte(serve: Serve, anyio_backend: str) -> None:
    server = serve(byte_by_byte(FULL_TURN))
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        stream = client.beta.conversations.append_stream(conversation_id="conv-9", inputs="hi")
        async with stream:
            events = [event async for event in stream]
            response = await stream.get_final_response()
    _check_full_turn(events, response)
    assert server.requests[0].path == "/v1/conversations/conv-9"


def test_text_deltas(serve: Serve) -> None:
    client, _ = _client(serve, streamed("Bon", "jour", calls=[("f", '{"a": 1}', "c1")]))
    stream = client.beta.conversations.restart_stream(conversation_id="conv-1", from_entry_id="e", inputs="x")
    assert list(stream.text_deltas()) == ["Bon", "jour"]
    assert stream.get_final_response().function_calls[0].arguments == '{"a": 1}'


def _cut_mid_event(request: Request, conn: Conn) -> None:
    data = b"".join(streamed("Hel", "lo"))
    conn.start_chunked()
    conn.chunk(data[: len(data) - 20])  # the done event half sent, then the body ends
    conn.end_chunked()


def _reset_mid_event(request: Request, conn: Conn) -> None:
    data = b"".join(streamed("Hel", "lo"))
    conn.start_chunked()
    conn.chunk(data[: len(data) - 20])
    time.sleep(0.05)
    conn.reset()


@pytest.mark.parametrize(
    ("handler", "error"), [(_cut_mid_event, IncompleteStreamError), (_reset_mid_event, APIConnectionError)]
)
def test_a_stream_cut_mid_event_raises_after_the_events_that_came(
    serve: Serve, handler: Callable[[Request, Conn], None], error: type[Exception]
) -> None:
    server = serve(handler)
    client = Client(api_key="k", base_url=server.url, max_retries=3)
    seen = []
    with pytest.raises(error):
        for event in client.beta.conversations.start_stream(inputs="hi", model="m"):
            seen.append(event.type)
    assert seen == ["conversation.response.started", "message.output.delta", "message.output.delta"]
    assert len(server.requests) == 1  # never retried once the body started


ERROR_TURN = [
    *streamed("Hel")[:2],
    sse({"type": "conversation.response.error", "message": "The model crashed", "code": 3000}),
]


def test_an_error_event_is_raised_typed(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked(headers={"x-request-id": "req-err"})
        for event in ERROR_TURN:
            conn.chunk(event)
        conn.end_chunked()

    client = Client(api_key="k", base_url=serve(handler).url)
    seen = []
    with pytest.raises(ConversationResponseError) as info:
        for event in client.beta.conversations.start_stream(inputs="hi", model="m"):
            seen.append(event)
    assert [type(e) for e in seen] == [ResponseStartedEvent, MessageOutputEvent]
    assert (info.value.code, info.value.error_message) == (3000, "The model crashed")
    assert info.value.request_id == "req-err"
    assert "The model crashed" in str(info.value) and "3000" in str(info.value)


@pytest.mark.anyio
async def test_an_error_event_in_an_async_stream(serve: Serve, anyio_backend: str) -> None:
    client = AsyncClient(api_key="k", base_url=serve(ConversationScript([ERROR_TURN])).url)
    with pytest.raises(ConversationResponseError, match="crashed"):
        await client.beta.conversations.start_stream(inputs="hi", model="m").get_final_response()
    await client.close()


def test_streams_left_early_give_their_connection_back(serve: Serve) -> None:
    long_turn = streamed(*[f"w{i} " for i in range(200)])
    server = serve(ConversationScript([long_turn] * 4))
    # One connection in the pool: a stream that kept it would make the next one wait, then time out.
    http = httpx2.Client(limits=httpx2.Limits(max_connections=1), timeout=2)
    client = Client(api_key="k", base_url=server.url, http_client=http)
    for event in client.beta.conversations.start_stream(inputs="hi", model="m"):
        if event.type == "message.output.delta":
            break
    with client.beta.conversations.start_stream(inputs="hi", model="m") as stream:
        next(iter(stream))
    assert (
        client.beta.conversations.start_stream(inputs="hi", model="m")
        .get_final_response()
        .text.startswith("w0 w1")
    )
    before = server.connections
    list(client.beta.conversations.start_stream(inputs="hi", model="m"))
    assert server.connections == before  # a stream read to its end left its connection for the next


@pytest.mark.anyio
async def test_a_cancelled_async_stream_is_closed(serve: Serve, anyio_backend: str) -> None:
    def slow(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(streamed("a")[0])
        time.sleep(1)
        conn.close()

    async with AsyncClient(api_key="k", base_url=serve(slow).url) as client:
        stream = client.beta.conversations.start_stream(inputs="hi", model="m")
        with anyio.move_on_after(0.2):
            async for _ in stream:
                pass
        assert stream._closed

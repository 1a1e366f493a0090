"""Sync streaming (``client.chat.stream`` / ``client.fim.stream``) against a real loopback HTTP server."""

from __future__ import annotations

import gc
import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from mistral_client import Client
from mistral_client._endpoints import CHAT_STREAM
from mistral_client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    MistralError,
    RateLimitError,
)
from mistral_client._retry import RetryPolicy
from mistral_client.types.chat import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    CompletionChunk,
    FIMCompletionResponse,
    TextChunk,
)

from .loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event

MSG = [{"role": "user", "content": "Hi"}]
FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)

Handler = Callable[[Request, Conn], None]


# --- server side ------------------------------------------------------------------------------------


def sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def tool_chunk(*calls: dict[str, Any], finish_reason: str | None = None) -> bytes:
    return sse(
        {
            "id": "cmpl-1",
            "object": "chat.completion.chunk",
            "model": "mistral-small-latest",
            "created": 1700000000,
            "choices": [{"index": 0, "delta": {"tool_calls": list(calls)}, "finish_reason": finish_reason}],
        }
    )


MISTRAL_ERROR = {"object": "error", "message": "overloaded", "type": "service_unavailable", "code": "503"}
HELLO = [chunk_event("Hel", role="assistant"), chunk_event("lo"), chunk_event(" !"), chunk_event("", "stop")]


def streams(*events: bytes, headers: dict[str, str] | None = None, done: bool = True) -> Handler:
    """Answer every request with these events (and [DONE]) as a chunked SSE body."""

    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked(headers=headers)
        for event in events:
            conn.chunk(event)
        if done:
            conn.chunk(DONE)
        conn.end_chunked()

    return handler


def long_stream(request: Request, conn: Conn) -> None:
    """Streams for ~4 s (small pauses), so an abandoned response is really still open; non-stream
    requests get a plain completion. A write failing (the client closed) ends the handler."""
    if not request.json().get("stream"):
        conn.respond_json(200, chat_response())
        return
    conn.start_chunked()
    for _ in range(800):
        conn.chunk(chunk_event("x"))
        time.sleep(0.005)
    conn.chunk(DONE)
    conn.end_chunked()


_clients: list[Client | httpx2.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client_for(server: LoopbackServer, **kwargs: Any) -> Client:
    kwargs.setdefault("retry_policy", FAST)
    client = Client(api_key="k", base_url=server.url, **kwargs)
    _clients.append(client)
    return client


def small_pool_client(server: LoopbackServer, connections: int = 2) -> Client:
    # A leaked connection makes the pool wait; pool=2 s turns that into a fast failure, not a hang.
    http_client = httpx2.Client(
        limits=httpx2.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=httpx2.Timeout(10, pool=2),
    )
    _clients.append(http_client)
    return Client(api_key="k", base_url=server.url, http_client=http_client, max_retries=0)


# --- the basics -------------------------------------------------------------------------------------


def test_for_loop_yields_typed_chunks(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    chunks = list(client.chat.stream(model="mistral-small-latest", messages=MSG))
    assert ChatCompletionChunk is CompletionChunk
    assert all(isinstance(chunk, CompletionChunk) for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Hello !"
    assert chunks[-1].choices[0].finish_reason == "stop"
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.json()["stream"] is True
    assert request.headers["accept"] == "text/event-stream"


def test_nothing_is_sent_until_iterated_or_entered(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    stream = client.chat.stream(model="m", messages=MSG)
    with pytest.raises(MistralError, match="not started"):
        _ = stream.response
    time.sleep(0.05)
    assert server.requests == []
    iterator = iter(stream)
    assert server.requests == []  # a generator: nothing runs before the first next()
    next(iterator)
    assert len(server.requests) == 1
    iterator.close()

    entered = client.chat.stream(model="m", messages=MSG)
    assert len(server.requests) == 1
    with entered as stream:
        assert len(server.requests) == 2  # entering sends
        assert stream.response.status_code == 200
        assert [c.choices[0].delta.content for c in stream][:2] == ["Hel", "lo"]
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"model": "m", "messages": MSG, "temperature": "hot"},
        {"model": "m", "messages": MSG, "no_such_parameter": 1},
        {"messages": MSG},
        {"model": "m", "messages": MSG, "stream": True},
    ],
)
def test_invalid_arguments_raise_at_call_time(
    serve: Callable[[Handler], LoopbackServer], params: dict[str, Any]
) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    with pytest.raises(InvalidRequestError):
        client.chat.stream(**params)
    assert server.requests == []


def test_response_metadata(serve: Callable[[Handler], LoopbackServer]) -> None:
    headers = {
        "x-request-id": "req-42",
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-remaining-tokens": "5000",
        "x-custom": "yes",
    }
    server = serve(streams(*HELLO, headers=headers))
    client = client_for(server)
    with client.chat.stream(model="m", messages=MSG) as stream:
        response = stream.response
        assert response.status_code == 200
        assert response.headers["x-custom"] == "yes"
        assert response.request_id == "req-42"
        assert stream.request_id == "req-42"
        assert response.retries_taken == 0
        assert response.rate_limit.limit_requests == 100
        assert response.rate_limit.remaining_requests == 99
        assert response.rate_limit.remaining_tokens == 5000
        final = stream.get_final_response()
    assert final.request_id == "req-42"


# --- retries ----------------------------------------------------------------------------------------


def test_a_503_before_the_body_is_retried(serve: Callable[[Handler], LoopbackServer]) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if len(server.requests) == 1:
            conn.respond_json(503, {"object": "error", "message": "busy", "type": "unavailable"})
        else:
            streams(*HELLO)(request, conn)

    server = serve(handler)
    client = client_for(server, max_retries=2)
    stream = client.chat.stream(model="m", messages=MSG)
    assert "".join(stream.text_deltas()) == "Hello !"
    assert stream.response.retries_taken == 1
    assert stream.get_final_response().choices[0].message.content == "Hello !"
    assert len(server.requests) == 2


def test_an_error_status_exhausting_retries_raises_it(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(lambda request, conn: conn.respond_json(429, {"message": "slow down"}))
    client = client_for(server, max_retries=2)
    with pytest.raises(RateLimitError, match="slow down"):
        list(client.chat.stream(model="m", messages=MSG))
    assert len(server.requests) == 3


def reset_after_first_chunk(request: Request, conn: Conn) -> None:
    conn.start_chunked()
    conn.chunk(chunk_event("Hel"))
    time.sleep(0.05)
    conn.reset()


def close_mid_body(request: Request, conn: Conn) -> None:
    # Close without the terminating chunk: an incomplete chunked body.
    conn.start_chunked()
    conn.chunk(chunk_event("Hel"))
    time.sleep(0.05)
    conn.close()


def stall_after_first_chunk(request: Request, conn: Conn) -> None:
    conn.start_chunked()
    conn.chunk(chunk_event("Hel"))
    time.sleep(3)
    conn.close()


def error_event_after_first_chunk(request: Request, conn: Conn) -> None:
    conn.start_chunked()
    conn.chunk(chunk_event("Hel"))
    conn.chunk(sse(MISTRAL_ERROR))
    conn.end_chunked()


FAILURES: list[tuple[Handler, type[Exception]]] = [
    (reset_after_first_chunk, APIConnectionError),
    (close_mid_body, APIConnectionError),
    (stall_after_first_chunk, APITimeoutError),
    (error_event_after_first_chunk, InternalServerError),
]


@pytest.mark.parametrize(("handler", "error"), FAILURES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_failure_after_the_body_started_is_raised_at_once_and_never_retried(
    serve: Callable[[Handler], LoopbackServer], handler: Handler, error: type[Exception]
) -> None:
    server = serve(handler)
    client = client_for(server, max_retries=3)
    received = []
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        for chunk in client.chat.stream(model="m", messages=MSG, timeout=0.2):
            received.append(chunk.choices[0].delta.content)
    assert time.perf_counter() - started < 2.5  # at once: no hang, no retry backoff
    assert received == ["Hel"]
    assert not isinstance(caught.value, httpx2.HTTPError)
    if error is APIConnectionError:
        assert not isinstance(caught.value, APITimeoutError)
    time.sleep(0.05)  # a (wrong) retry would be on the wire by now
    assert len(server.requests) == 1


# --- errors inside a 200 stream --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "error", "status", "message"),
    [
        (
            sse({"object": "error", "message": "overloaded", "type": "service_unavailable", "code": "503"}),
            InternalServerError,
            503,
            "overloaded",
        ),
        (
            sse({"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": None}}),
            RateLimitError,
            429,
            "Rate limit reached",
        ),
        (
            sse({"error": {"message": "bad tool schema", "type": "invalid_request_error", "code": 400}}),
            BadRequestError,
            400,
            "bad tool schema",
        ),
        (
            sse({"error": {"message": "kaboom", "type": "server_error"}}),
            InternalServerError,
            500,
            "kaboom",
        ),
        (
            b'event: error\ndata: {"message": "model crashed", "code": 502}\n\n',
            InternalServerError,
            502,
            "model crashed",
        ),
    ],
    ids=["mistral", "openai-rate-limit", "openai-invalid", "openai-no-code", "sse-error-event"],
)
def test_an_error_object_inside_a_200_stream_raises_the_status_error(
    serve: Callable[[Handler], LoopbackServer],
    event: bytes,
    error: type[APIStatusError],
    status: int,
    message: str,
) -> None:
    server = serve(streams(chunk_event("Hel"), event, chunk_event("lo")))
    client = client_for(server, max_retries=2)
    stream = client.chat.stream(model="m", messages=MSG)
    received = []
    with pytest.raises(error, match=message) as caught:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received == ["Hel"]
    assert caught.value.status_code == status
    assert caught.value.body is not None
    assert len(server.requests) == 1
    with pytest.raises(MistralError, match="closed before it ended"):
        stream.get_final_response()


def test_a_stream_that_ends_without_done_is_incomplete(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(chunk_event("Hel"), chunk_event("lo"), done=False))
    client = client_for(server)
    received = []
    with pytest.raises(IncompleteStreamError, match=r"\[DONE\]") as caught:
        for chunk in client.chat.stream(model="m", messages=MSG):
            received.append(chunk.choices[0].delta.content)
    assert received == ["Hel", "lo"]
    assert isinstance(caught.value, APIConnectionError)
    assert len(server.requests) == 1


def test_a_chunk_that_does_not_parse_raises_a_validation_error(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    from mistral_client._exceptions import APIResponseValidationError

    server = serve(streams(chunk_event("Hel"), b"data: {not json\n\n"))
    client = client_for(server)
    with pytest.raises(APIResponseValidationError):
        list(client.chat.stream(model="m", messages=MSG))


# --- releasing the connection ------------------------------------------------------------------------


def test_finished_streams_reuse_one_connection(serve: Callable[[Handler], LoopbackServer]) -> None:
    # The body's end is read after [DONE], so the connection goes back to the pool, not away.
    server = serve(streams(*HELLO))
    client = client_for(server)
    for _ in range(5):
        assert client.chat.stream(model="m", messages=MSG).get_final_response().text == "Hello !"
    assert server.connections == 1


def test_a_server_that_keeps_the_body_open_after_done_does_not_hold_the_stream(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    def trickle_after_done(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(chunk_event("Hel"))
        conn.chunk(DONE)
        for _ in range(200):  # keep-alive comments for ~4 s
            conn.chunk(b": ping\n\n")
            time.sleep(0.02)
        conn.end_chunked()

    def silent_after_done(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(chunk_event("Hel"))
        conn.chunk(DONE)
        time.sleep(4)
        conn.end_chunked()

    for handler in (trickle_after_done, silent_after_done):
        server = serve(handler)
        client = client_for(server)
        started = time.perf_counter()
        # The drain is bounded by a few reads, and by the read timeout.
        chunks = list(client.chat.stream(model="m", messages=MSG, timeout=0.3))
        assert [c.choices[0].delta.content for c in chunks] == ["Hel"]
        assert time.perf_counter() - started < 2


def run_abandon_pool_test(client: Client, abandon: Callable[[Client], None]) -> None:
    for _ in range(200):
        abandon(client)
    for _ in range(50):
        assert client.chat.complete(model="m", messages=MSG).text == "Bonjour !"


def abandon_by_break(client: Client) -> None:
    for chunk in client.chat.stream(model="m", messages=MSG):
        assert chunk.choices[0].delta.content == "x"
        break


def abandon_by_leaving_with(client: Client) -> None:
    with client.chat.stream(model="m", messages=MSG) as stream:
        for _ in stream:
            break


def abandon_by_leaving_with_unread(client: Client) -> None:
    with client.chat.stream(model="m", messages=MSG) as stream:
        assert stream.response.status_code == 200


def abandon_by_dropping_the_iterator(client: Client) -> None:
    stream = client.chat.stream(model="m", messages=MSG)
    iterator = iter(stream)
    next(iterator)
    del stream, iterator


def abandon_by_dropping_an_entered_stream(client: Client) -> None:
    stream = client.chat.stream(model="m", messages=MSG).__enter__()
    assert stream.response.status_code == 200
    del stream


def abandon_by_text_deltas_break(client: Client) -> None:
    for _ in client.chat.stream(model="m", messages=MSG).text_deltas():
        break


def abandon_by_exception_in_loop(client: Client) -> None:
    with pytest.raises(KeyError):
        for _ in client.chat.stream(model="m", messages=MSG):
            raise KeyError("consumer failed")


@pytest.mark.parametrize(
    "abandon",
    [
        abandon_by_break,
        abandon_by_leaving_with,
        abandon_by_leaving_with_unread,
        abandon_by_dropping_the_iterator,
        abandon_by_dropping_an_entered_stream,
        abandon_by_text_deltas_break,
        abandon_by_exception_in_loop,
    ],
    ids=lambda f: f.__name__.removeprefix("abandon_by_"),
)
def test_abandoned_streams_return_their_connection(
    serve: Callable[[Handler], LoopbackServer], abandon: Callable[[Client], None]
) -> None:
    server = serve(long_stream)
    run_abandon_pool_test(small_pool_client(server), abandon)


def test_a_dropped_stream_is_closed_without_the_garbage_collector(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    server = serve(long_stream)
    client = small_pool_client(server, connections=1)
    gc.collect()
    gc.disable()
    try:
        for entered in (False, True):
            stream = client.chat.stream(model="m", messages=MSG)
            if entered:
                stream.__enter__()
            iterator = iter(stream)
            next(iterator)
            response = stream.response.http_response
            assert response is not None
            ref = weakref.ref(stream)
            del stream, iterator
            assert ref() is None  # no reference cycle keeps it alive
            assert response.is_closed
            # One pooled connection: this waits (and fails after 2 s) unless it came back.
            started = time.perf_counter()
            assert client.chat.complete(model="m", messages=MSG).text == "Bonjour !"
            assert time.perf_counter() - started < 1
    finally:
        gc.enable()


def test_closed_response_makes_the_server_see_the_connection_close(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    ended = threading.Event()

    def handler(request: Request, conn: Conn) -> None:
        try:
            long_stream(request, conn)
        finally:
            ended.set()

    server = serve(handler)
    client = client_for(server)
    for _ in client.chat.stream(model="m", messages=MSG):
        break
    assert ended.wait(3)  # the server's writes failed: the socket is really closed


# --- the final response ------------------------------------------------------------------------------


def test_get_final_response_accumulates_content_usage_and_finish_reason(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    server = serve(streams(*HELLO, headers={"x-request-id": "req-7"}))
    client = client_for(server)
    final = client.chat.stream(model="m", messages=MSG).get_final_response()
    assert type(final) is ChatCompletionResponse
    assert final.id == "cmpl-1"
    assert final.model == "mistral-small-latest"
    assert final.created == 1700000000
    assert final.text == "Hello !"
    assert final.choices[0].message.role == "assistant"
    assert final.choices[0].message.tool_calls is None
    assert final.choices[0].finish_reason == "stop"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens, final.usage.total_tokens) == (5, 3, 8)
    assert final.request_id == "req-7"


def test_text_deltas_then_get_final_response(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    with client.chat.stream(model="m", messages=MSG) as stream:
        assert list(stream.text_deltas()) == ["Hel", "lo", " !"]
        assert stream.get_final_response().text == "Hello !"
        assert stream.get_final_response().text == "Hello !"  # again: the same answer


def test_get_final_response_after_part_of_the_loop(serve: Callable[[Handler], LoopbackServer]) -> None:
    # Reading on inside the loop (no break) and then asking for the final response reads the rest.
    server = serve(streams(*HELLO))
    client = client_for(server)
    with client.chat.stream(model="m", messages=MSG) as stream:
        for chunk in stream:
            assert chunk.choices[0].delta.content == "Hel"
            final = stream.get_final_response()
            break
    assert final.text == "Hello !"


def test_get_final_response_after_break_raises(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    with client.chat.stream(model="m", messages=MSG) as stream:
        for _ in stream:
            break
        with pytest.raises(MistralError, match="closed before it ended"):
            stream.get_final_response()
        with pytest.raises(MistralError, match="closed before it ended"):
            list(stream)


def test_tool_call_sent_whole(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(
        streams(
            tool_chunk(
                {
                    "id": "call_1",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    "index": 0,
                },
                {"id": "call_2", "function": {"name": "get_time", "arguments": {"tz": "CET"}}, "index": 1},
                finish_reason="tool_calls",
            )
        )
    )
    client = client_for(server)
    final = client.chat.stream(model="m", messages=MSG).get_final_response()
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.type, c.function.name, c.function.arguments, c.index) for c in calls] == [
        ("call_1", "function", "get_weather", '{"city": "Paris"}', 0),
        ("call_2", "function", "get_time", '{"tz": "CET"}', 1),
    ]
    assert final.choices[0].finish_reason == "tool_calls"


def test_tool_calls_sent_in_pieces(serve: Callable[[Handler], LoopbackServer]) -> None:
    # Name first, then the arguments in pieces; Mistral sends "id": "null" on continuation pieces.
    def piece(index: int, arguments: str) -> dict[str, Any]:
        return {"id": "null", "index": index, "function": {"name": "", "arguments": arguments}}

    events = [
        tool_chunk(
            {"id": "call_a", "type": "function", "index": 0, "function": {"name": "add", "arguments": ""}}
        ),
        tool_chunk(piece(0, '{"a": ')),
        tool_chunk(
            {"id": "call_b", "type": "function", "index": 1, "function": {"name": "mul", "arguments": ""}}
        ),
        tool_chunk(piece(0, "1, ")),
        tool_chunk(piece(1, '{"x": 2}')),
        tool_chunk(piece(0, '"b": 2}'), finish_reason="tool_calls"),
    ]
    server = serve(streams(*events))
    client = client_for(server)
    final = client.chat.stream(model="m", messages=MSG).get_final_response()
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "add", '{"a": 1, "b": 2}'),
        ("call_b", "mul", '{"x": 2}'),
    ]
    assert [json.loads(c.function.arguments) for c in calls if isinstance(c.function.arguments, str)] == [
        {"a": 1, "b": 2},
        {"x": 2},
    ]


def test_whole_tool_calls_in_separate_chunks_at_the_same_index_stay_apart(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    server = serve(
        streams(
            tool_chunk({"id": "call_1", "function": {"name": "f", "arguments": '{"n": 1}'}}),
            tool_chunk({"id": "call_2", "function": {"name": "f", "arguments": '{"n": 2}'}, "index": 0}),
        )
    )
    client = client_for(server)
    calls = client.chat.stream(model="m", messages=MSG).get_final_response().choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.arguments) for c in calls] == [("call_1", '{"n": 1}'), ("call_2", '{"n": 2}')]


def test_fim_stream(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(chunk_event("a + "), chunk_event("b"), chunk_event("", "stop")))
    client = client_for(server)
    stream = client.fim.stream(model="codestral-latest", prompt="def add(a, b):\n    return ", suffix="\n")
    assert server.requests == []
    with stream:
        assert "".join(stream.text_deltas()) == "a + b"
        final = stream.get_final_response()
    assert type(final) is FIMCompletionResponse
    assert final.text == "a + b"
    assert server.requests[0].path == "/v1/fim/completions"
    assert server.requests[0].json()["stream"] is True


# --- chunk parsing ---------------------------------------------------------------------------------


def test_unknown_fields_are_kept_and_unknown_finish_reasons_parse(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    event = sse(
        {
            "id": "cmpl-1",
            "object": "chat.completion.chunk",
            "model": "m",
            "created": 1,
            "p": "abcdef",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": "Hi", "new_delta_field": [1, 2]},
                    "finish_reason": "brand_new_reason",
                    "logprobs": {"x": 1},
                }
            ],
        }
    )
    server = serve(streams(event))
    client = client_for(server)
    with client.chat.stream(model="m", messages=MSG) as stream:
        (chunk,) = list(stream)
        final = stream.get_final_response()
    assert chunk.model_extra == {"p": "abcdef"}
    assert chunk.choices[0].model_extra == {"logprobs": {"x": 1}}
    assert chunk.choices[0].delta.model_extra == {"new_delta_field": [1, 2]}
    assert chunk.choices[0].finish_reason == "brand_new_reason"
    assert final.choices[0].finish_reason == "brand_new_reason"


def test_each_chunk_is_parsed_once(
    serve: Callable[[Handler], LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 25
    server = serve(streams(*[chunk_event(f"t{i} ") for i in range(n - 1)], chunk_event("", "stop")))
    client = client_for(server)
    original = CHAT_STREAM.parse
    parses: list[str | bytes] = []
    loads = 0
    real_loads = json.loads

    def counting_parse(data: str | bytes) -> CompletionChunk:
        parses.append(data)
        return original(data)

    def counting_loads(*args: Any, **kwargs: Any) -> Any:
        nonlocal loads
        loads += 1
        return real_loads(*args, **kwargs)

    # The request takes its record's chunk parser as its parse function when built.
    monkeypatch.setitem(CHAT_STREAM.__dict__, "parse", counting_parse)
    monkeypatch.setattr(json, "loads", counting_loads)
    with client.chat.stream(model="m", messages=MSG) as stream:
        assert len(list(stream)) == n
        final = stream.get_final_response()
    monkeypatch.undo()
    assert len(parses) == n
    assert loads == 0
    assert final.text == "".join(f"t{i} " for i in range(n - 1))


def test_an_undecodable_body_raises_a_connection_error(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(streams(b"this is not gzip", headers={"content-encoding": "gzip"}))
    client = client_for(server)
    with pytest.raises(APIConnectionError, match="decode") as caught:
        list(client.chat.stream(model="m", messages=MSG))
    assert not isinstance(caught.value, httpx2.HTTPError)


def test_final_response_keeps_non_text_content_chunks(serve: Callable[[Handler], LoopbackServer]) -> None:
    thinking = {"type": "thinking", "thinking": [{"type": "text", "text": "Let me see."}]}
    server = serve(
        streams(
            chunk_event(role="assistant", content=[thinking]),
            chunk_event("Bon"),
            chunk_event("jour"),
            chunk_event("", "stop"),
        )
    )
    with client_for(server).chat.stream(model="m", messages=MSG) as stream:
        final = stream.get_final_response()
    content = final.choices[0].message.content
    assert isinstance(content, list)
    assert content[0].type == "thinking"
    assert content[1] == TextChunk(text="Bonjour")
    assert final.text == "Bonjour"

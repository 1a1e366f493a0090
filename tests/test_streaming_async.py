"""Async streaming (``AsyncClient.chat.stream`` / ``.fim.stream``) against a real loopback HTTP server,
under asyncio and trio."""

from __future__ import annotations

import contextlib
import gc
import json
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import httpx2
import pytest

from mistral_client import AsyncClient
from mistral_client._endpoints import CHAT_STREAM
from mistral_client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    MistralError,
    RateLimitError,
)
from mistral_client.types.chat import (
    ChatCompletionResponse,
    CompletionChunk,
    FIMCompletionResponse,
)

from .loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event
from .test_streaming import (
    FAILURES,
    FAST,
    HELLO,
    MISTRAL_ERROR,
    MSG,
    Handler,
    long_stream,
    sse,
    streams,
    tool_chunk,
)

pytestmark = pytest.mark.anyio

Serve = Callable[[Handler], LoopbackServer]


_clients: list[AsyncClient | httpx2.AsyncClient] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while _clients:
        client = _clients.pop()
        await (client.aclose() if isinstance(client, httpx2.AsyncClient) else client.close())


def client_for(server: LoopbackServer, **kwargs: Any) -> AsyncClient:
    kwargs.setdefault("retry_policy", FAST)
    client = AsyncClient(api_key="k", base_url=server.url, **kwargs)
    _clients.append(client)
    return client


def small_pool_client(server: LoopbackServer, connections: int = 2) -> AsyncClient:
    # A leaked connection makes the pool wait; pool=2 s turns that into a fast failure, not a hang.
    http_client = httpx2.AsyncClient(
        limits=httpx2.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=httpx2.Timeout(10, pool=2),
    )
    _clients.append(http_client)
    return AsyncClient(api_key="k", base_url=server.url, http_client=http_client, max_retries=0)


def stall_stream(request: Request, conn: Conn) -> None:
    """One chunk, then nothing for 2 s: a consumer cancelled now is waiting inside the stream."""
    if not request.json().get("stream"):
        conn.respond_json(200, chat_response())
        return
    conn.start_chunked()
    conn.chunk(chunk_event("x"))
    time.sleep(2)
    conn.chunk(DONE)
    conn.end_chunked()


# --- the basics -------------------------------------------------------------------------------------


async def test_async_for_needs_no_await(serve: Serve) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    chunks = [chunk async for chunk in client.chat.stream(model="m", messages=MSG)]
    assert all(isinstance(chunk, CompletionChunk) for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Hello !"
    assert server.requests[0].json()["stream"] is True
    assert server.requests[0].headers["accept"] == "text/event-stream"


async def test_nothing_is_sent_until_iterated_or_entered(serve: Serve) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    stream = client.chat.stream(model="m", messages=MSG)
    with pytest.raises(MistralError, match="not started"):
        _ = stream.response
    await anyio.sleep(0.05)
    assert server.requests == []
    async with stream:
        assert len(server.requests) == 1
        assert stream.response.status_code == 200
        assert [chunk.choices[0].delta.content async for chunk in stream][:2] == ["Hel", "lo"]
    assert len(server.requests) == 1


async def test_invalid_arguments_raise_at_call_time(serve: Serve) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    with pytest.raises(InvalidRequestError):
        client.chat.stream(model="m", messages=MSG, temperature="hot")  # type: ignore[typeddict-item]
    with pytest.raises(InvalidRequestError):
        client.fim.stream(model="m", prompt="x", no_such_parameter=1)  # type: ignore[call-arg]
    assert server.requests == []


async def test_response_metadata(serve: Serve) -> None:
    headers = {"x-request-id": "req-42", "x-ratelimit-remaining-requests": "99", "x-custom": "yes"}
    server = serve(streams(*HELLO, headers=headers))
    client = client_for(server)
    async with client.chat.stream(model="m", messages=MSG) as stream:
        response = stream.response
        assert response.status_code == 200
        assert response.headers["x-custom"] == "yes"
        assert response.request_id == "req-42"
        assert response.retries_taken == 0
        assert response.rate_limit.remaining_requests == 99
        final = await stream.get_final_response()
    assert final.request_id == "req-42"


# --- retries and failures ---------------------------------------------------------------------------


async def test_a_503_before_the_body_is_retried(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if len(server.requests) == 1:
            conn.respond_json(503, {"object": "error", "message": "busy", "type": "unavailable"})
        else:
            streams(*HELLO)(request, conn)

    server = serve(handler)
    client = client_for(server, max_retries=2)
    stream = client.chat.stream(model="m", messages=MSG)
    assert [text async for text in stream.text_deltas()] == ["Hel", "lo", " !"]
    assert stream.response.retries_taken == 1
    assert (await stream.get_final_response()).text == "Hello !"
    assert len(server.requests) == 2


@pytest.mark.parametrize(("handler", "error"), FAILURES, ids=lambda v: getattr(v, "__name__", ""))
async def test_a_failure_after_the_body_started_is_raised_at_once_and_never_retried(
    serve: Serve, handler: Handler, error: type[Exception]
) -> None:
    server = serve(handler)
    client = client_for(server, max_retries=3)
    received = []
    started = time.perf_counter()
    with anyio.fail_after(10), pytest.raises(error) as caught:
        async for chunk in client.chat.stream(model="m", messages=MSG, timeout=0.2):
            received.append(chunk.choices[0].delta.content)
    assert time.perf_counter() - started < 2.5
    assert received == ["Hel"]
    assert not isinstance(caught.value, httpx2.HTTPError)
    if error is APIConnectionError:
        assert not isinstance(caught.value, APITimeoutError)
    await anyio.sleep(0.05)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("event", "error", "status", "message"),
    [
        (sse(MISTRAL_ERROR), InternalServerError, 503, "overloaded"),
        (
            sse({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}),
            RateLimitError,
            429,
            "Rate",
        ),
    ],
    ids=["mistral", "openai"],
)
async def test_an_error_object_inside_a_200_stream_raises_the_status_error(
    serve: Serve, event: bytes, error: type[APIStatusError], status: int, message: str
) -> None:
    server = serve(streams(chunk_event("Hel"), event, chunk_event("lo")))
    client = client_for(server, max_retries=2)
    async with client.chat.stream(model="m", messages=MSG) as stream:
        with pytest.raises(error, match=message) as caught:
            async for _ in stream:
                pass
        assert caught.value.status_code == status
        with pytest.raises(MistralError, match="closed before it ended"):
            await stream.get_final_response()
    assert len(server.requests) == 1


async def test_a_stream_that_ends_without_done_is_incomplete(serve: Serve) -> None:
    server = serve(streams(chunk_event("Hel"), chunk_event("lo"), done=False))
    client = client_for(server)
    received = []
    with pytest.raises(IncompleteStreamError):
        async for chunk in client.chat.stream(model="m", messages=MSG):
            received.append(chunk.choices[0].delta.content)
    assert received == ["Hel", "lo"]


async def test_an_undecodable_body_raises_a_connection_error(serve: Serve) -> None:
    server = serve(streams(b"this is not gzip", headers={"content-encoding": "gzip"}))
    client = client_for(server)
    with pytest.raises(APIConnectionError, match="decode"):
        await client.chat.stream(model="m", messages=MSG).get_final_response()


# --- releasing the connection ------------------------------------------------------------------------


async def test_finished_streams_reuse_one_connection(serve: Serve) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    for _ in range(5):
        assert (await client.chat.stream(model="m", messages=MSG).get_final_response()).text == "Hello !"
    assert server.connections == 1


async def test_a_server_that_holds_the_body_open_after_done_does_not_hold_the_stream(serve: Serve) -> None:
    def silent_after_done(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(chunk_event("Hel"))
        conn.chunk(DONE)
        time.sleep(4)
        conn.end_chunked()

    server = serve(silent_after_done)
    client = client_for(server)  # the read timeout is 600 s: only the drain's own budget bounds it
    started = time.perf_counter()
    with anyio.fail_after(10):
        chunks = [chunk async for chunk in client.chat.stream(model="m", messages=MSG)]
    assert [c.choices[0].delta.content for c in chunks] == ["Hel"]
    assert time.perf_counter() - started < 2


async def abandon_by_break(client: AsyncClient) -> None:
    async for chunk in client.chat.stream(model="m", messages=MSG):
        assert chunk.choices[0].delta.content == "x"
        break


async def abandon_by_leaving_async_with(client: AsyncClient) -> None:
    async with client.chat.stream(model="m", messages=MSG) as stream:
        async for _ in stream:
            break


async def abandon_by_leaving_async_with_unread(client: AsyncClient) -> None:
    async with client.chat.stream(model="m", messages=MSG) as stream:
        assert stream.response.status_code == 200


async def abandon_by_text_deltas_break(client: AsyncClient) -> None:
    async for _ in client.chat.stream(model="m", messages=MSG).text_deltas():
        break


async def abandon_by_exception_in_loop(client: AsyncClient) -> None:
    with pytest.raises(KeyError):
        async for _ in client.chat.stream(model="m", messages=MSG):
            raise KeyError("consumer failed")


async def abandon_by_explicit_aclose(client: AsyncClient) -> None:
    async with contextlib.aclosing(client.chat.stream(model="m", messages=MSG).__aiter__()) as chunks:  # type: ignore[type-var]
        async for _ in chunks:
            break


async def cancel_in_loop_body(client: AsyncClient) -> None:
    # Cancelled while the loop body awaits (the stream's generator is suspended at its yield).
    with anyio.move_on_after(10) as scope:
        async for _ in client.chat.stream(model="m", messages=MSG):
            scope.deadline = anyio.current_time() + 0.001
            await anyio.sleep(5)
    assert scope.cancelled_caught


async def cancel_scope_cancel(client: AsyncClient) -> None:
    with anyio.CancelScope() as scope:
        async for _ in client.chat.stream(model="m", messages=MSG):
            scope.cancel()
            await anyio.sleep(5)
    assert scope.cancelled_caught


async def cancel_inside_the_stream(client: AsyncClient) -> None:
    # Cancelled while the stream itself waits for the server's next bytes.
    with anyio.move_on_after(0.05) as scope:
        async for _ in client.chat.stream(model="m", messages=MSG):
            pass
    assert scope.cancelled_caught


async def cancel_the_consuming_task(client: AsyncClient) -> None:
    first = anyio.Event()

    async def consume() -> None:
        async for _ in client.chat.stream(model="m", messages=MSG):
            first.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await first.wait()
        tg.cancel_scope.cancel()


async def run_abandon_pool_test(
    client: AsyncClient, abandon: Callable[[AsyncClient], Awaitable[None]], n: int
) -> None:
    with anyio.fail_after(60):  # a leak fails on the pool timeout long before; this only bounds a hang
        for _ in range(n):
            await abandon(client)
        for _ in range(50):
            assert (await client.chat.complete(model="m", messages=MSG)).text == "Bonjour !"


@pytest.mark.parametrize(
    "abandon",
    [
        abandon_by_break,
        abandon_by_leaving_async_with,
        abandon_by_leaving_async_with_unread,
        abandon_by_text_deltas_break,
        abandon_by_exception_in_loop,
        abandon_by_explicit_aclose,
        cancel_in_loop_body,
        cancel_scope_cancel,
        cancel_the_consuming_task,
    ],
    ids=lambda f: f.__name__.removeprefix("abandon_by_"),
)
async def test_abandoned_streams_return_their_connection(
    serve: Serve, abandon: Callable[[AsyncClient], Awaitable[None]]
) -> None:
    server = serve(long_stream)
    # 200 for the plain ways out; the others run the same path past the first few and are slower.
    n = 200 if abandon in (abandon_by_break, abandon_by_leaving_async_with) else 40
    await run_abandon_pool_test(small_pool_client(server), abandon, n)


async def test_streams_cancelled_inside_return_their_connection(serve: Serve) -> None:
    server = serve(stall_stream)
    await run_abandon_pool_test(small_pool_client(server), cancel_inside_the_stream, 12)


async def test_a_dropped_stream_is_closed_without_the_garbage_collector(serve: Serve) -> None:
    server = serve(long_stream)
    client = small_pool_client(server, connections=1)
    gc.collect()
    gc.disable()
    try:
        stream = client.chat.stream(model="m", messages=MSG)
        async for _ in stream:
            break
        response = stream.response.http_response
        assert response is not None
        ref = weakref.ref(stream)
        del stream
        # One pooled connection: this waits (and fails after 2 s) unless it came back.
        started = time.perf_counter()
        assert (await client.chat.complete(model="m", messages=MSG)).text == "Bonjour !"
        assert time.perf_counter() - started < 1
        assert response.is_closed
        assert ref() is None  # no reference cycle keeps it alive
    finally:
        gc.enable()


# --- the final response ------------------------------------------------------------------------------


async def test_get_final_response(serve: Serve) -> None:
    server = serve(streams(*HELLO, headers={"x-request-id": "req-7"}))
    client = client_for(server)
    final = await client.chat.stream(model="m", messages=MSG).get_final_response()
    assert type(final) is ChatCompletionResponse
    assert final.text == "Hello !"
    assert final.choices[0].finish_reason == "stop"
    assert final.usage.total_tokens == 8
    assert final.request_id == "req-7"


async def test_text_deltas_then_get_final_response(serve: Serve) -> None:
    server = serve(streams(*HELLO))
    client = client_for(server)
    async with client.chat.stream(model="m", messages=MSG) as stream:
        assert [text async for text in stream.text_deltas()] == ["Hel", "lo", " !"]
        assert (await stream.get_final_response()).text == "Hello !"


@pytest.mark.parametrize("use_text_deltas", [False, True])
async def test_get_final_response_after_break_raises(serve: Serve, use_text_deltas: bool) -> None:
    # Even before the event loop has closed the abandoned generator: the break itself is enough.
    server = serve(long_stream)
    client = client_for(server)
    stream = client.chat.stream(model="m", messages=MSG)
    iterable: AsyncIterator[Any] = stream.text_deltas() if use_text_deltas else stream.__aiter__()
    async for _ in iterable:
        break
    del iterable
    with pytest.raises(MistralError, match="closed before it ended"):
        await stream.get_final_response()
    with pytest.raises(MistralError, match="closed before it ended"):
        async for _ in stream:
            pass


async def test_tool_calls_in_pieces(serve: Serve) -> None:
    def piece(arguments: str) -> dict[str, Any]:
        return {"id": "null", "index": 0, "function": {"name": "", "arguments": arguments}}

    events = [
        tool_chunk(
            {"id": "call_a", "type": "function", "index": 0, "function": {"name": "f", "arguments": ""}}
        ),
        tool_chunk(piece('{"a": ')),
        tool_chunk(piece("1}"), finish_reason="tool_calls"),
    ]
    server = serve(streams(*events))
    client = client_for(server)
    final = await client.chat.stream(model="m", messages=MSG).get_final_response()
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [("call_a", "f", '{"a": 1}')]
    assert final.choices[0].finish_reason == "tool_calls"


async def test_fim_stream(serve: Serve) -> None:
    server = serve(streams(chunk_event("a + "), chunk_event("b"), chunk_event("", "stop")))
    client = client_for(server)
    stream = client.fim.stream(model="codestral-latest", prompt="def add(a, b):\n    return ", suffix="\n")
    assert server.requests == []
    final = await stream.get_final_response()
    assert type(final) is FIMCompletionResponse
    assert final.text == "a + b"
    assert server.requests[0].path == "/v1/fim/completions"


async def test_each_chunk_is_parsed_once(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 25
    server = serve(streams(*[chunk_event(f"t{i} ") for i in range(n - 1)], chunk_event("", "stop")))
    client = client_for(server)
    original = CHAT_STREAM.parse
    parses = 0
    loads = 0
    real_loads = json.loads

    def counting_parse(data: str | bytes) -> CompletionChunk:
        nonlocal parses
        parses += 1
        return original(data)

    def counting_loads(*args: Any, **kwargs: Any) -> Any:
        nonlocal loads
        loads += 1
        return real_loads(*args, **kwargs)

    monkeypatch.setitem(CHAT_STREAM.__dict__, "parse", counting_parse)
    monkeypatch.setattr(json, "loads", counting_loads)
    async with client.chat.stream(model="m", messages=MSG) as stream:
        assert len([chunk async for chunk in stream]) == n
        final = await stream.get_final_response()
    monkeypatch.undo()
    assert (parses, loads) == (n, 0)
    assert final.text == "".join(f"t{i} " for i in range(n - 1))

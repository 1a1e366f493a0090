"""Retries, backoff, Retry-After and timeouts, against a real loopback server."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

import mistral_client as mc
from mistral_client import AsyncClient, Client, RetryPolicy

from .loopback import Conn, LoopbackServer, Request, chat_response

MESSAGES = [{"role": "user", "content": "hi"}]
FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)


def scripted(*steps: Any) -> LoopbackServer:
    """A server that answers the n-th request with the n-th step: a status (with optional headers),
    "reset", "hang", or a dict body for a 200."""
    queue = list(steps)

    def handler(request: Request, conn: Conn) -> None:
        step = queue.pop(0) if queue else 200
        if step == "reset":
            conn.reset()
        elif step == "hang":
            time.sleep(1.0)
            conn.close()
        elif isinstance(step, tuple):
            status, headers = step
            conn.respond_json(status, {"message": f"status {status}"}, headers)
        elif isinstance(step, int) and step != 200:
            conn.respond_json(step, {"message": f"status {step}"})
        else:
            conn.respond_json(200, chat_response(), {"x-request-id": "ok"})

    return LoopbackServer(handler)


@pytest.fixture
def server_factory() -> Iterator[Any]:
    servers: list[LoopbackServer] = []

    def make(*steps: Any) -> LoopbackServer:
        server = scripted(*steps).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(server_factory: Any, status: int) -> None:
    server = server_factory(status, status)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
    assert raw.retries_taken == 2
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(server_factory: Any, status: int) -> None:
    server = server_factory(status)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    with pytest.raises(mc.APIStatusError):
        client.chat.complete(model="m", messages=MESSAGES)
    assert len(server.requests) == 1


def test_gives_up_after_max_retries(server_factory: Any) -> None:
    server = server_factory(503, 503, 503, 503)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST, max_retries=2)
    with pytest.raises(mc.InternalServerError):
        client.chat.complete(model="m", messages=MESSAGES)
    assert len(server.requests) == 3
    once = server_factory(503, 200)
    with pytest.raises(mc.InternalServerError):
        client.with_options().chat.complete(model="m", messages=MESSAGES, max_retries=0)
    assert len(once.requests) == 0  # that call went to the first server
    single = Client(api_key="k", base_url=once.url, retry_policy=FAST)
    with pytest.raises(mc.InternalServerError):
        single.chat.complete(model="m", messages=MESSAGES, max_retries=0)
    assert len(once.requests) == 1


def test_per_call_max_retries(server_factory: Any) -> None:
    server = server_factory(503, 503)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST, max_retries=0)
    raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES, max_retries=5)
    assert raw.retries_taken == 2


def test_connection_reset_is_retried(server_factory: Any) -> None:
    server = server_factory("reset", 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
    assert raw.retries_taken == 1


def test_reset_without_retries_is_connection_error(server_factory: Any) -> None:
    server = server_factory("reset")
    client = Client(api_key="k", base_url=server.url, max_retries=0)
    with pytest.raises(mc.APIConnectionError):
        client.chat.complete(model="m", messages=MESSAGES)


def test_timeout_is_retried_then_raised(server_factory: Any) -> None:
    server = server_factory("hang", "hang")
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST, max_retries=1, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(mc.APITimeoutError):
        client.chat.complete(model="m", messages=MESSAGES)
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 2


def test_retry_after_ms_is_honoured(server_factory: Any) -> None:
    server = server_factory((429, {"retry-after-ms": "300"}), 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    started = time.monotonic()
    raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
    assert raw.retries_taken == 1
    assert 0.28 <= time.monotonic() - started < 2.0


def test_retry_after_beyond_cap_raises_at_once_with_the_wait(server_factory: Any) -> None:
    server = server_factory((429, {"retry-after": "120"}), 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=RetryPolicy(max_retry_after=60))
    started = time.monotonic()
    with pytest.raises(mc.RateLimitError) as info:
        client.chat.complete(model="m", messages=MESSAGES)
    assert time.monotonic() - started < 1.0
    assert info.value.retry_after == 120
    assert "120 s" in str(info.value)
    assert len(server.requests) == 1


def test_x_should_retry_overrides_status(server_factory: Any) -> None:
    server = server_factory((400, {"x-should-retry": "true"}), 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    assert client.chat.with_raw_response.complete(model="m", messages=MESSAGES).retries_taken == 1
    server = server_factory((503, {"x-should-retry": "false"}), 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    with pytest.raises(mc.InternalServerError):
        client.chat.complete(model="m", messages=MESSAGES)
    assert len(server.requests) == 1


def test_retry_after_beyond_cap_wins_over_x_should_retry(server_factory: Any) -> None:
    server = server_factory((503, {"x-should-retry": "true", "retry-after": "120"}), 200)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST)
    with pytest.raises(mc.InternalServerError, match="120 s"):
        client.chat.complete(model="m", messages=MESSAGES)
    assert len(server.requests) == 1


def _error(headers: dict[str, str], status: int = 429) -> mc.APIStatusError:
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("POST", "http://x"))
    return mc.RateLimitError("x", response=response)


def test_policy_delays() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.0)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = RetryPolicy(initial_delay=1.0, jitter=0.25)
    assert all(0.75 <= jittered.delay(1, None) <= 1.0 for _ in range(100))
    assert policy.delay(1, _error({"retry-after-ms": "1500"})) == 1.5
    assert policy.delay(1, _error({"retry-after": "3"})) == 3.0
    date = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 < policy.delay(1, _error({"retry-after": date})) <= 10.0
    assert policy.delay(2, _error({"retry-after": "soon"})) == 1.0  # unreadable: backoff
    assert not policy.is_retryable(_error({"retry-after": "61"}))
    assert policy.is_retryable(_error({"retry-after": "59"}))


@pytest.mark.anyio
async def test_async_retries_and_timeouts(server_factory: Any) -> None:
    server = server_factory(503, "reset", 200)
    async with AsyncClient(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        raw = await client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
        assert raw.retries_taken == 2
        assert raw.parse().request_id == "ok"
    server = server_factory("hang")
    async with AsyncClient(api_key="k", base_url=server.url, max_retries=0, timeout=0.2) as client:
        with pytest.raises(mc.APITimeoutError):
            await client.chat.complete(model="m", messages=MESSAGES)


@pytest.mark.anyio
async def test_async_all_endpoints(server_factory: Any) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if request.path.startswith("/v1/embeddings"):
            conn.respond_json(
                200,
                {
                    "id": "e",
                    "object": "list",
                    "model": "m",
                    "usage": {},
                    "data": [{"object": "embedding", "embedding": [1.0], "index": 0}],
                },
            )
        elif request.path.startswith("/v1/models/x"):
            if request.method == "DELETE":
                conn.respond_json(200, {"id": "x", "object": "model", "deleted": True})
            else:
                conn.respond_json(200, {"id": "x", "type": "base", "capabilities": {}})
        elif request.path.startswith("/v1/models"):
            conn.respond_json(200, {"object": "list", "data": []})
        else:
            conn.respond_json(200, chat_response("done"))

    with LoopbackServer(handler) as server:
        async with AsyncClient(api_key="k", base_url=server.url) as client:
            assert (await client.chat.complete(model="m", messages=MESSAGES)).text == "done"
            assert (await client.fim.complete(model="c", prompt="a")).text == "done"
            assert (await client.embeddings.create(model="e", input="a")).embeddings == [[1.0]]
            assert (await client.models.list()).data == []
            assert (await client.models.retrieve("x")).id == "x"
            assert (await client.models.delete("x")).deleted
            fast = client.with_options(max_retries=0)
            assert (await fast.chat.complete(model="m", messages=MESSAGES)).text == "done"
    assert server.connections == 1  # one keep-alive connection for all of it

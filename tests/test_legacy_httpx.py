"""A user's own legacy ``httpx`` client passed as ``http_client=`` keeps working (respx intercepts httpx).

It does not type-check (the parameter is typed with httpx2's classes), hence the ``type: ignore``s;
at runtime requests, streams, retries, timeouts and both exception families behave as with httpx2.
"""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import httpx2
import pytest
import respx

import mistral_client as mc
from mistral_client import AsyncClient, Client

from .loopback import chat_response

MESSAGES = [{"role": "user", "content": "hi"}]
pytestmark = pytest.mark.anyio


def _sse(*texts: str) -> bytes:
    events = [
        json.dumps({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": t}}]})
        for t in texts
    ]
    return b"".join(b"data: %s\n\n" % e.encode() for e in [*events, "[DONE]"])


def test_sync_complete_and_stream_through_a_legacy_client() -> None:
    with httpx.Client() as http, respx.mock(base_url="http://x") as router:
        client = Client(api_key="k", base_url="http://x", http_client=http)  # type: ignore[arg-type]
        route = router.post("/v1/chat/completions")
        route.respond(200, json=chat_response("hello"), headers={"x-request-id": "rid"})
        response = client.chat.complete(model="m", messages=MESSAGES)
        assert response.text == "hello" and response.request_id == "rid"
        assert route.calls.last.request.headers["authorization"] == "Bearer k"

        route.respond(200, content=_sse("a", "b"), headers={"content-type": "text/event-stream"})
        with client.chat.stream(model="m", messages=MESSAGES) as stream:
            assert "".join(stream.text_deltas()) == "ab"
        client.close()
        assert not http.is_closed  # the user's client is theirs to close


async def test_async_complete_and_stream_through_a_legacy_client() -> None:
    async with httpx.AsyncClient() as http:
        with respx.mock(base_url="http://x") as router:
            client = AsyncClient(api_key="k", base_url="http://x", http_client=http)  # type: ignore[arg-type]
            route = router.post("/v1/chat/completions")
            route.respond(200, json=chat_response("hello"))
            assert (await client.chat.complete(model="m", messages=MESSAGES)).text == "hello"
            route.respond(200, content=_sse("x", "y"), headers={"content-type": "text/event-stream"})
            async with client.chat.stream(model="m", messages=MESSAGES) as stream:
                assert "".join([t async for t in stream.text_deltas()]) == "xy"


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectError("refused"), mc.APIConnectionError),
        (httpx.ReadTimeout("slow"), mc.APITimeoutError),
        (httpx.RemoteProtocolError("bad"), mc.APIConnectionError),
    ],
)
def test_legacy_exceptions_map_into_our_tree(raised: Exception, expected: type[mc.APIError]) -> None:
    with httpx.Client() as http, respx.mock(base_url="http://x") as router:
        client = Client(api_key="k", base_url="http://x", http_client=http, max_retries=0)  # type: ignore[arg-type]
        router.post("/v1/chat/completions").mock(side_effect=raised)
        with pytest.raises(expected) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, httpx.TransportError)


async def test_async_legacy_timeout_is_retried_then_raised() -> None:
    async with httpx.AsyncClient() as http:
        with respx.mock(base_url="http://x") as router:
            client = AsyncClient(
                api_key="k",
                base_url="http://x",
                http_client=http,  # type: ignore[arg-type]
                max_retries=1,
                retry_policy=mc.RetryPolicy(initial_delay=0.0, jitter=0.0),
            )
            route = router.post("/v1/chat/completions").mock(side_effect=httpx.ConnectTimeout("slow"))
            with pytest.raises(mc.APITimeoutError):
                await client.chat.complete(model="m", messages=MESSAGES)
            assert route.call_count == 2


def test_legacy_status_errors_and_retries() -> None:
    with httpx.Client() as http, respx.mock(base_url="http://x") as router:
        client = Client(
            api_key="k",
            base_url="http://x",
            http_client=http,  # type: ignore[arg-type]
            retry_policy=mc.RetryPolicy(initial_delay=0.0, jitter=0.0),
        )
        route = router.post("/v1/chat/completions")
        route.side_effect = [httpx.Response(503), httpx.Response(200, json=chat_response("ok"))]
        raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
        assert raw.retries_taken == 1 and raw.parse().text == "ok"

        route.side_effect = None
        route.respond(404, json={"message": "no such model"}, headers={"x-request-id": "r404"})
        with pytest.raises(mc.NotFoundError) as info:
            client.chat.complete(model="m", messages=MESSAGES)
        assert info.value.request_id == "r404" and "no such model" in str(info.value)


def test_timeouts_reach_a_legacy_client() -> None:
    with httpx.Client(timeout=7.0) as http, respx.mock(base_url="http://x") as router:
        client = Client(api_key="k", base_url="http://x", http_client=http)  # type: ignore[arg-type]
        route = router.post("/v1/chat/completions").respond(200, json=chat_response("ok"))
        client.chat.complete(model="m", messages=MESSAGES)
        assert route.calls.last.request.extensions["timeout"]["read"] == 7.0  # the client's own
        client.chat.complete(model="m", messages=MESSAGES, timeout=2.5)
        assert route.calls.last.request.extensions["timeout"]["read"] == 2.5
        client.with_options(timeout=httpx2.Timeout(3.0, connect=1.0)).chat.complete(
            model="m", messages=MESSAGES
        )
        assert route.calls.last.request.extensions["timeout"] == {
            "connect": 1.0,
            "read": 3.0,
            "write": 3.0,
            "pool": 3.0,
        }


def test_httpx_is_not_imported_unless_the_app_did() -> None:
    code = (
        "import sys, mistral_client\n"
        "c = mistral_client.Client(api_key='k', base_url='http://127.0.0.1:9', max_retries=0)\n"
        "try:\n    c.models.list()\nexcept mistral_client.APIConnectionError:\n    pass\n"
        "print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

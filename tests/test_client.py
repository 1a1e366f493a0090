"""Client configuration: keys, URLs, timeouts, copies, closing, and what never leaks."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings

import httpx2
import pytest
import respx

import mistral_client
from mistral_client import AsyncClient, Client, MistralError

from .loopback import chat_response

MESSAGES = [{"role": "user", "content": "Bonjour"}]


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(MistralError, match="MISTRAL_API_KEY"):
        Client()
    with pytest.raises(MistralError, match="MISTRAL_API_KEY"):
        AsyncClient()


def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", "env-key")
    monkeypatch.setenv("MISTRAL_BASE_URL", "http://env.example/v1/")
    client = Client()
    assert client.base_url == "http://env.example"
    with respx.mock(using="httpcore2", base_url="http://env.example") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        client.chat.complete(model="m", messages=MESSAGES)
    assert route.calls.last.request.headers["authorization"] == "Bearer env-key"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.mistral.ai", "https://api.mistral.ai/v1/models"),
        ("https://api.mistral.ai/", "https://api.mistral.ai/v1/models"),
        ("https://api.mistral.ai/v1", "https://api.mistral.ai/v1/models"),
        ("http://proxy.local/mistral/v1/", "http://proxy.local/mistral/v1/models"),
    ],
)
def test_base_url_prefix_never_doubles(base_url: str, expected: str) -> None:
    client = Client(api_key="k", base_url=base_url)
    with respx.mock(using="httpcore2", assert_all_called=False) as router:
        route = router.get(expected).respond(200, json={"object": "list", "data": []})
        client.models.list()
    assert route.called


def test_default_base_url() -> None:
    assert Client(api_key="k").base_url == "https://api.mistral.ai"


def test_api_key_never_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-very-secret-value"
    client = Client(api_key=secret, base_url="http://x", max_retries=0)
    assert secret not in repr(client)
    assert secret not in repr(client.backend)
    caplog.set_level(logging.DEBUG, logger="mistral_client")
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(401, json={"message": "Unauthorized"})
        with pytest.raises(mistral_client.AuthenticationError) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    error = info.value
    assert secret not in str(error) and secret not in repr(error)
    assert secret not in repr(error.request.headers) if error.request is not None else True
    assert secret not in caplog.text


def test_user_agent_and_default_headers() -> None:
    client = Client(api_key="k", base_url="http://x", default_headers={"x-team": "blue"})
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        client.chat.complete(model="m", messages=MESSAGES, extra_headers={"x-trace": "1"})
    headers = route.calls.last.request.headers
    assert headers["user-agent"] == f"mistral-client-python/{mistral_client.__version__}"
    assert headers["x-team"] == "blue"
    assert headers["x-trace"] == "1"


def test_extra_query_and_extra_body() -> None:
    client = Client(api_key="k", base_url="http://x")
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        client.chat.complete(
            model="m", messages=MESSAGES, extra_query={"beta": "true"}, extra_body={"new_field": 1}
        )
    request = route.calls.last.request
    assert request.url.params["beta"] == "true"
    assert b'"new_field":1' in request.content


def test_with_options_shares_the_pool_and_overrides_defaults() -> None:
    client = Client(api_key="k", base_url="http://x", max_retries=2)
    fast = client.with_options(timeout=3.0, max_retries=0)
    assert fast.backend is client.backend
    assert fast.max_retries == 0 and fast.timeout == 3.0
    assert client.max_retries == 2
    assert fast.chat._client is fast
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        fast.chat.complete(model="m", messages=MESSAGES)
    assert route.calls.last.request.extensions["timeout"]["read"] == 3.0


def test_default_timeout_is_fit_for_llm_calls() -> None:
    client = Client(api_key="k", base_url="http://x")
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        client.chat.complete(model="m", messages=MESSAGES)
        client.chat.complete(model="m", messages=MESSAGES, timeout=httpx2.Timeout(7.0))
    first, second = (call.request.extensions["timeout"] for call in route.calls)
    assert first["connect"] == 5.0 and first["read"] >= 300
    assert second["read"] == 7.0


def test_passed_http_client_keeps_its_timeout_and_is_not_closed() -> None:
    http_client = httpx2.Client(timeout=12.0)
    client = Client(api_key="k", base_url="http://x", http_client=http_client)
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        client.chat.complete(model="m", messages=MESSAGES)
        Client(api_key="k", base_url="http://x", http_client=http_client, timeout=2.0).chat.complete(
            model="m", messages=MESSAGES
        )
    assert route.calls[0].request.extensions["timeout"]["read"] == 12.0
    assert route.calls[1].request.extensions["timeout"]["read"] == 2.0
    client.close()
    assert not http_client.is_closed
    http_client.close()


def test_context_manager_closes_own_client() -> None:
    with Client(api_key="k", base_url="http://x") as client:
        with respx.mock(using="httpcore2", base_url="http://x") as router:
            router.get("/v1/models").respond(200, json={"object": "list", "data": []})
            client.models.list()
        http_client = client.backend._http_client  # type: ignore[attr-defined]
    assert http_client.is_closed


@pytest.mark.anyio
async def test_async_context_manager_and_passed_client_not_closed() -> None:
    http_client = httpx2.AsyncClient()
    async with AsyncClient(api_key="secret-key", base_url="http://x", http_client=http_client) as client:
        assert "secret-key" not in repr(client)
    assert not http_client.is_closed
    await http_client.aclose()


def test_invalid_max_retries() -> None:
    with pytest.raises(MistralError, match="max_retries"):
        Client(api_key="k", max_retries=-1)
    with pytest.raises(MistralError, match="max_retries"):
        Client(api_key="k").with_options(max_retries=-1)
    with pytest.raises(MistralError, match="max_retries"):
        Client(api_key="k").with_options(max_retries="3")  # type: ignore[arg-type]


def test_deprecation_header_warns_once_per_model() -> None:
    client = Client(api_key="k", base_url="http://x")
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(
            200, json=chat_response(), headers={"x-model-deprecation-timestamp": "2027-01-01T00:00:00Z"}
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                client.chat.complete(model="old-model-for-warning-test", messages=MESSAGES)
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1
    assert "old-model-for-warning-test" in str(deprecations[0].message)
    assert deprecations[0].filename == __file__  # points at the user's call, so default filters show it


def test_logging_from_environment_variable() -> None:
    code = "import logging, mistral_client; print(logging.getLogger('mistral_client').getEffectiveLevel())"
    out = subprocess.run(
        [sys.executable, "-c", code], env={"MISTRAL_LOG": "debug", "PATH": ""}, capture_output=True, text=True
    )
    assert out.stdout.strip() == str(logging.DEBUG)


def test_import_stays_light() -> None:
    """Regression guard: importing the package and building a client must not pull in the pydantic
    types, tenacity, anyio, or any local-backend dependency."""
    code = (
        "import sys, mistral_client; mistral_client.Client(api_key='k'); "
        "print(' '.join(sorted(m for m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(out.stdout.split())
    for heavy in ("pydantic", "tenacity", "torch", "transformers", "mistral_common", "mistral_client.types"):
        assert heavy not in modules, heavy


def test_a_header_httpx2_rejects_fails_the_request_not_the_client() -> None:
    # The header sets are prebuilt as httpx2.Headers for speed; that must not move the error.
    client = Client(api_key="k", base_url="http://127.0.0.1:9", default_headers={"X-Odd": "\u00e9"})
    with pytest.raises(UnicodeEncodeError):
        client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}], max_retries=0)
    client.close()

"""Bad configuration fails when the client is built, naming the setting, its value and its source."""

from __future__ import annotations

import httpx2
import pytest

from mistral_client import (
    AsyncClient,
    AsyncHTTPBackend,
    Client,
    ConfigurationError,
    HTTPBackend,
    InvalidRequestError,
    MistralError,
)
from mistral_client.testing import FakeBackend


@pytest.mark.parametrize("client_class", [Client, AsyncClient])
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("garbage", "is not an absolute http(s) URL"),
        ("api.mistral.ai", "is not an absolute http(s) URL"),
        ("localhost:8000", "did you mean 'http://localhost:8000'"),
        ("ftp://files.example", "only http and https"),
        ("http://", "has no host"),
        ("http://host:port", "is not a valid URL"),
    ],
)
def test_a_malformed_base_url_argument_fails_at_construction(
    client_class: type[Client] | type[AsyncClient], url: str, reason: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        client_class(api_key="k", base_url=url)
    message = str(info.value)
    assert repr(url) in message and "(from base_url=)" in message and reason in message
    assert info.value.setting == "base_url" and info.value.source == "base_url="
    assert isinstance(info.value, MistralError)


def test_a_malformed_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MISTRAL_BASE_URL", "garbage")
    with pytest.raises(ConfigurationError, match=r"base_url 'garbage' \(from MISTRAL_BASE_URL\)") as info:
        Client(api_key="k")
    assert info.value.source == "MISTRAL_BASE_URL"
    # The argument wins over the environment, and is what gets checked.
    assert Client(api_key="k", base_url="http://ok.example").base_url == "http://ok.example"


def test_a_password_in_the_url_is_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(api_key="k", base_url="ftp://user:s3cret@host")
    assert "s3cret" not in str(info.value) and "user:***@host" in str(info.value)


def test_another_backend_ignores_the_base_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stray MISTRAL_BASE_URL must not break a client that never speaks HTTP.
    monkeypatch.setenv("MISTRAL_BASE_URL", "garbage")
    fake = FakeBackend()
    fake.add_response("ok")
    assert (
        Client(backend=fake).chat.complete(model="m", messages=[{"role": "user", "content": "x"}]).text
        == "ok"
    )


@pytest.mark.parametrize("backend_class", [HTTPBackend, AsyncHTTPBackend])
def test_an_http_backend_built_directly_checks_its_url(
    backend_class: type[HTTPBackend] | type[AsyncHTTPBackend],
) -> None:
    with pytest.raises(ConfigurationError, match=rf"from {backend_class.__name__}\(base_url=\)"):
        backend_class(api_key="k", base_url="garbage")


@pytest.mark.parametrize(
    "timeout",
    [-1, -0.5, float("nan"), "30", True, httpx2.Timeout(10.0, read=-1.0)],
)
def test_a_bad_timeout_fails_at_construction(timeout: object) -> None:
    with pytest.raises(ConfigurationError, match=r"timeout \(from timeout=\)") as info:
        Client(api_key="k", timeout=timeout)  # type: ignore[arg-type]
    assert info.value.setting == "timeout"
    with pytest.raises(ConfigurationError, match=r"from with_options\(timeout=\)"):
        Client(api_key="k").with_options(timeout=timeout)  # type: ignore[arg-type]


def test_a_bad_per_call_timeout_is_an_invalid_request_before_sending() -> None:
    fake = FakeBackend()
    with pytest.raises(InvalidRequestError, match="timeout: must be seconds >= 0") as info:
        Client(backend=fake).chat.complete(model="m", messages=[{"role": "user", "content": "x"}], timeout=-1)
    assert info.value.errors[0][0] == "timeout"
    assert fake.requests == []


def test_good_timeouts_are_accepted() -> None:
    for timeout in (0, 2, 2.5, httpx2.Timeout(5.0, connect=1.0), httpx2.Timeout(None)):
        assert Client(api_key="k", timeout=timeout).timeout == timeout
        assert Client(api_key="k").with_options(timeout=timeout).timeout == timeout


def test_max_retries_names_its_source() -> None:
    with pytest.raises(
        ConfigurationError, match=r"max_retries \(from max_retries=\): a non-negative integer"
    ):
        Client(api_key="k", max_retries=-1)
    with pytest.raises(ConfigurationError, match=r"from with_options\(max_retries=\)"):
        Client(api_key="k").with_options(max_retries=-2)


def test_no_api_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="MISTRAL_API_KEY") as info:
        Client()
    assert info.value.setting == "api_key" and info.value.source is None

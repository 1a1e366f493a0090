"""``client.request``: any operation of the spec, with the client's key, base URL, retries, timeouts,
error classes and backend; what each kind of answer returns. Against the loopback server."""

from __future__ import annotations

import inspect
import json
import time
import typing
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
import pytest

from mistral_client import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncClient,
    Client,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
)
from mistral_client.testing import FakeBackend
from mistral_client.types.chat import ChatCompletionResponse

from .conftest import SpecValidator
from .loopback import Conn, LoopbackServer, Request, chat_response

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]


class Workflow(pydantic.BaseModel):
    id: str
    name: str


def echo(request: Request, conn: Conn) -> None:
    """Answers with what it received."""
    body = json.loads(request.body) if request.body else None
    conn.respond_json(200, {"method": request.method, "path": request.path, "body": body})


@pytest.fixture
def server(serve: Serve) -> LoopbackServer:
    return serve(echo)


@pytest.fixture
def client(server: LoopbackServer) -> Iterator[Client]:
    with Client(api_key="sk-raw", base_url=server.url) as client:
        yield client


def test_a_post_goes_out_with_the_clients_key_and_its_body_as_json(
    client: Client, server: LoopbackServer, validate_request: SpecValidator
) -> None:
    body = {"inputs": "Bonjour", "model": "mistral-medium-latest", "store": False}
    answer = client.request("POST", "/v1/conversations", body=body)
    assert answer == {"method": "POST", "path": "/v1/conversations", "body": body}
    sent = server.requests[0]
    assert sent.headers["authorization"] == "Bearer sk-raw"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"].startswith("mistral-client-python/")
    validate_request("ConversationRequest", sent.body)


def test_query_parameters_as_the_api_reads_them(client: Client, server: LoopbackServer) -> None:
    client.request(
        "get",
        "/v1/workflows",
        query={"include_shared": False, "tags": ["a", "b"], "limit": 10, "cursor": None},
    )
    assert server.requests[0].method == "GET"
    assert server.requests[0].path == "/v1/workflows?include_shared=false&tags=a&tags=b&limit=10"
    assert server.requests[0].body == b""


@pytest.mark.parametrize(
    ("base_url_suffix", "path", "sent"),
    [
        ("", "/v1/models", "/v1/models"),
        ("/v1", "/v1/models", "/v1/models"),  # a base URL's /v1 is dropped, the path's kept
        ("/v1/", "models", "/v1/models"),  # a path without its version gets /v1
        ("", "/models", "/v1/models"),
        ("/v1", "/v2/prompts", "/v2/prompts"),  # the spec's other version
        ("", "/v1/conversations/conv%201", "/v1/conversations/conv%201"),
    ],
)
def test_the_path_and_the_base_url_meet_once_at_v1(
    server: LoopbackServer, base_url_suffix: str, path: str, sent: str
) -> None:
    client = Client(api_key="k", base_url=server.url + base_url_suffix)
    client.request("GET", path)
    assert server.requests[0].path == sent


def test_a_model_body_is_sent_as_the_sdk_sends_its_models(client: Client, server: LoopbackServer) -> None:
    class Input(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(populate_by_name=True)
        text: str = pydantic.Field(alias="inputs")
        store: bool | None = None  # unset: left out

    client.request("POST", "/v1/conversations", body=Input(text="Salut"))
    assert json.loads(server.requests[0].body) == {"inputs": "Salut"}
    # The SDK's own models drop the unknown fields a response carried (as every method does).
    card = ChatCompletionResponse.model_validate({**chat_response(), "not_in_the_spec": 1})
    client.request("POST", "/v1/x", body={"nested": card, "items": [card.usage]})
    sent = json.loads(server.requests[1].body)
    assert "not_in_the_spec" not in sent["nested"]
    assert sent["items"] == [{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}]


def test_the_per_call_options(client: Client, server: LoopbackServer) -> None:
    client.request(
        "POST",
        "/v1/conversations",
        body={"inputs": "x"},
        extra_headers={"X-Trace": "t-1"},
        extra_query={"dry_run": "1"},
        extra_body={"store": False},
    )
    sent = server.requests[0]
    assert sent.headers["x-trace"] == "t-1"
    assert sent.path == "/v1/conversations?dry_run=1"
    assert json.loads(sent.body) == {"inputs": "x", "store": False}


def test_cast_to_a_model_a_typeadapter_type_bytes_or_str(serve: Serve) -> None:
    workflows = [{"id": "wf-1", "name": "triage", "owner": "me"}]

    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(200, workflows, {"x-request-id": "req-9"})

    client = Client(api_key="k", base_url=serve(handler).url)
    assert client.request("GET", "/v1/workflows", cast_to=list[Workflow]) == [
        Workflow(id="wf-1", name="triage")
    ]
    assert client.request("GET", "/v1/workflows", cast_to=bytes) == json.dumps(workflows).encode()
    assert client.request("GET", "/v1/workflows", cast_to=str) == json.dumps(workflows)
    assert client.request("GET", "/v1/workflows") == workflows


def test_cast_to_an_sdk_response_model_carries_the_request_id(serve: Serve) -> None:
    server = serve(lambda request, conn: conn.respond_json(200, chat_response("ok"), {"x-request-id": "r-1"}))
    client = Client(api_key="k", base_url=server.url)
    response = client.request(
        "POST", "/v1/chat/completions", body={"model": "m", "messages": []}, cast_to=ChatCompletionResponse
    )
    assert response.text == "ok"
    assert response.request_id == "r-1"


@pytest.mark.parametrize(
    ("status", "headers", "content", "expected"),
    [
        (204, {}, b"", None),  # No Content
        (200, {}, b"", None),  # an empty body, whatever the status
        (200, {"content-type": "application/octet-stream"}, b"\x00\x01PDF", b"\x00\x01PDF"),
        (200, {"content-type": "audio/wav"}, b"RIFF....WAVE", b"RIFF....WAVE"),
        (200, {"content-type": "text/plain; charset=utf-8"}, b'{"a": 1}', b'{"a": 1}'),  # not JSON: bytes
        (200, {"content-type": "application/problem+json"}, b'{"a": 1}', {"a": 1}),
    ],
)
def test_what_a_body_that_is_not_json_returns(
    serve: Serve, status: int, headers: dict[str, str], content: bytes, expected: Any
) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond(status, content, headers)

    client = Client(api_key="k", base_url=serve(handler).url)
    assert client.request("DELETE", "/v1/conversations/c-1") == expected
    raw = client.with_raw_response.request("DELETE", "/v1/conversations/c-1")
    assert raw.status_code == status
    assert raw.parse() == expected


def test_a_head_request_returns_none(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n")

    client = Client(api_key="k", base_url=serve(handler).url)
    assert client.request("HEAD", "/v1/models") is None


def test_a_response_that_does_not_parse_is_a_validation_error(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if request.path.endswith("broken"):
            conn.respond(200, b"{not json", {"x-request-id": "r-2"})
        else:
            conn.respond_json(200, [{"id": "wf-1"}])

    client = Client(api_key="k", base_url=serve(handler).url)
    with pytest.raises(APIResponseValidationError) as broken:
        client.request("GET", "/v1/broken")
    assert broken.value.request_id == "r-2"
    with pytest.raises(APIResponseValidationError) as wrong:
        client.request("GET", "/v1/workflows", cast_to=list[Workflow])
    assert wrong.value.field == "0.name"


def test_errors_and_retries_are_the_clients(serve: Serve) -> None:
    attempts: list[str] = []

    def handler(request: Request, conn: Conn) -> None:
        attempts.append(request.path)
        if request.path.startswith("/v1/missing"):
            conn.respond_json(404, {"message": "no such workflow"}, {"x-request-id": "r-404"})
        elif len([a for a in attempts if a == request.path]) == 1:
            conn.respond_json(503, {"message": "busy"}, {"retry-after-ms": "1"})
        else:
            conn.respond_json(200, {"ok": True})

    client = Client(api_key="k", base_url=serve(handler).url)
    with pytest.raises(NotFoundError) as missing:
        client.request("GET", "/v1/missing")
    assert (missing.value.status_code, missing.value.request_id) == (404, "r-404")
    assert "no such workflow" in str(missing.value)
    raw = client.with_raw_response.request("POST", "/v1/workflows/executions/e-1/cancel")
    assert (raw.parse(), raw.retries_taken) == ({"ok": True}, 1)
    with pytest.raises(InternalServerError, match="busy"):
        client.request("POST", "/v1/workflows/executions/e-2/cancel", max_retries=0)
    with pytest.raises(InternalServerError, match="busy"):  # the copy's defaults, not the original's
        client.with_options(max_retries=0).request("POST", "/v1/workflows/executions/e-3/cancel")


def test_the_per_call_timeout(serve: Serve) -> None:
    def slow(request: Request, conn: Conn) -> None:
        time.sleep(0.5)
        conn.respond_json(200, {})

    client = Client(api_key="k", base_url=serve(slow).url, max_retries=0)
    started = time.perf_counter()
    with pytest.raises(APITimeoutError):
        client.request("GET", "/v1/workflows", timeout=0.05)
    assert time.perf_counter() - started < 0.4


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.request("FETCH", "/v1/models"), "method"),
        (lambda c: c.request("GET", "https://elsewhere.example/v1/models"), "path"),
        (lambda c: c.request("GET", "//elsewhere.example/v1/models"), "path"),
        (lambda c: c.request("POST", "/v1/conversations#stream", body={}), "path"),
        (lambda c: c.request("GET", "/v1/conversations/{conversation_id}"), "path"),
        (lambda c: c.request("GET", ""), "path"),
        (lambda c: c.request("POST", "/v1/x", body={"when": object()}), "body"),
        (lambda c: c.request("POST", "/v1/x", body=[1], extra_body={"a": 1}), "extra_body"),
        (lambda c: c.request("GET", "/v1/x", query={"a": object()}), "query"),
        (lambda c: c.request("GET", "/v1/x", query=["a"]), "query"),
        (lambda c: c.request("GET", "/v1/x", cast_to=object()), "cast_to"),
        (lambda c: c.request("GET", "/v1/x", stream=True), "stream"),
        (lambda c: c.request("GET", "/v1/x", params={"a": 1}), "params"),
        (lambda c: c.request("GET", "/v1/x", timeout=-1), "timeout"),
    ],
)
def test_bad_input_fails_before_anything_is_sent(
    client: Client, server: LoopbackServer, call: Callable[[Any], Any], field: str
) -> None:
    with pytest.raises(InvalidRequestError) as error:
        call(client)
    assert error.value.errors[0][0] == field, error.value
    assert server.requests == []


def test_a_deprecated_model_in_a_raw_body_is_named(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(200, {}, {"x-model-deprecation-timestamp": "2030-01-01"})

    client = Client(api_key="k", base_url=serve(handler).url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.request("POST", "/v1/conversations", body={"model": "raw-old-model", "inputs": "x"})
    assert [str(w.message) for w in caught] == [
        "The model 'raw-old-model' is deprecated and will be retired on 2030-01-01."
    ]


# --- other backends --------------------------------------------------------------------------------


def test_a_fake_backend_answers_and_records_raw_requests() -> None:
    fake = FakeBackend()
    fake.add_response({"id": "wf-1", "name": "triage"})
    fake.add_response([Workflow(id="wf-2", name="other")])  # a model answers as its JSON would
    client = Client(backend=fake)
    assert client.request("POST", "/v1/workflows/triage/execute", body={"input": {}}) == {
        "id": "wf-1",
        "name": "triage",
    }
    assert client.request("GET", "/v1/workflows", query={"limit": 5}, cast_to=list[Workflow]) == [
        Workflow(id="wf-2", name="other")
    ]
    first, second = fake.requests
    assert (first.operation, first.request.method, first.request.path) == (
        "request",
        "POST",
        "/v1/workflows/triage/execute",
    )
    assert first.params == {"input": {}}
    assert second.params == {"limit": 5}


def test_a_users_backend_dispatches_raw_requests_on_method_and_path() -> None:
    from mistral_client import APIRequest, APIResponse, Backend, StreamResponse

    T = typing.TypeVar("T")

    class Routes(Backend):
        def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
            assert request.operation == "request"
            body = json.dumps({"route": f"{request.method} {request.path}"})
            return APIResponse(lambda: request.parse(body), request_id="mine")

        def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
            raise NotImplementedError

    client = Client(backend=Routes())
    assert client.request("GET", "/v1/workflows") == {"route": "GET /v1/workflows"}


# --- async -----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_request_and_its_raw_form(serve: Serve, anyio_backend: str) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if request.method == "DELETE":
            conn.respond(204)
        else:
            echo(request, conn)

    async with AsyncClient(api_key="k", base_url=serve(handler).url) as client:
        answer = await client.request("POST", "conversations", body={"inputs": "x"}, query={"a": True})
        assert answer == {"method": "POST", "path": "/v1/conversations?a=true", "body": {"inputs": "x"}}
        raw = await client.with_raw_response.request("DELETE", "/v1/conversations/c-1")
        assert (raw.status_code, raw.parse()) == (204, None)
        with pytest.raises(InvalidRequestError):
            await client.request("GET", "https://elsewhere.example/")


# --- sync and async alike --------------------------------------------------------------------------


def _shapes(function: Any) -> list[list[tuple[str, Any, Any, Any]]]:
    """The parameters of each overload, then of the implementation."""
    functions = [*typing.get_overloads(function), function]
    return [
        [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(f).parameters.values()]
        for f in functions
    ]


def _returns(function: Any) -> list[Any]:
    return [inspect.signature(f).return_annotation for f in [*typing.get_overloads(function), function]]


@pytest.mark.parametrize(
    ("sync", "asynchronous"),
    [
        (Client.request, AsyncClient.request),
        (
            type(Client(api_key="k").with_raw_response).request,
            type(AsyncClient(api_key="k").with_raw_response).request,
        ),
    ],
    ids=["request", "with_raw_response.request"],
)
def test_the_sync_and_async_request_match(sync: Any, asynchronous: Any) -> None:
    assert len(typing.get_overloads(sync)) == 2
    assert _shapes(sync) == _shapes(asynchronous)
    assert _returns(sync) == _returns(asynchronous)
    assert inspect.iscoroutinefunction(asynchronous) and not inspect.iscoroutinefunction(sync)

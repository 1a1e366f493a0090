"""The backend seam says what the core needs: a backend that wraps the HTTP one by delegation, and
one written from the docs alone, get what an HTTP backend gets (remote batches, the client's retry
policy, tracing); every resource's ``with_raw_response`` returns the response with its metadata."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar

import httpx2
import pytest

from mistral_client import (
    APIRequest,
    APIResponse,
    AsyncClient,
    Backend,
    Client,
    HTTPBackend,
    NotFoundError,
    RetryPolicy,
    StreamResponse,
    configure_tracing,
)
from mistral_client._endpoints import BY_NAME

from .bulk_server import BulkAPI
from .conftest import SpecValidator
from .loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event

T = TypeVar("T")
Serve = Callable[[Any], LoopbackServer]
MESSAGES: Any = [{"role": "user", "content": "hi"}]


class Recorder(Backend):
    """A user's backend that wraps the HTTP one: records each operation, delegates everything."""

    def __init__(self, inner: HTTPBackend) -> None:
        self.inner = inner
        self.operations: list[str] = []

    @property
    def remote_batches(self) -> bool:
        return self.inner.remote_batches

    @property
    def server_address(self) -> str | None:
        return self.inner.server_address

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        self.operations.append(request.operation)
        return self.inner.handle_request(request)

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        self.operations.append(request.operation)
        return self.inner.handle_stream(request)

    def handle_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        self.operations.append(request.operation)
        return self.inner.handle_download(request, sink)


def test_a_wrapping_backend_runs_batch_jobs_on_the_server(
    serve: Serve, validate_request: SpecValidator
) -> None:
    server = serve(BulkAPI(validate=validate_request))
    recorder = Recorder(HTTPBackend(api_key="k", base_url=server.url))
    client = Client(backend=recorder)
    result = client.batch.run(
        endpoint="/v1/chat/completions",
        model="mistral-small-latest",
        requests=[{"messages": MESSAGES, "max_tokens": 5}] * 3,
        poll_interval=0.005,
    )
    assert len(result.items) == 3 and all(item.response is not None for item in result.items)
    # The Batch API's operations went through the wrapper: the jobs ran remotely, not in-process.
    assert recorder.operations[0] == "batch.jobs.create" and "chat.complete" not in recorder.operations
    assert "batch.jobs.get" in recorder.operations


def test_a_wrapping_backend_retries_with_the_clients_policy(serve: Serve) -> None:
    calls: list[Request] = []

    def flaky(request: Request, conn: Conn) -> None:
        calls.append(request)
        if len(calls) < 3:
            conn.respond_json(503, {"message": "busy"})
        else:
            conn.respond_json(200, chat_response("ok"))

    server = serve(flaky)
    # The inner backend's own policy would not retry 503; the client's does, and quickly.
    inner = HTTPBackend(
        api_key="k", base_url=server.url, retry_policy=RetryPolicy(retry_statuses=frozenset())
    )
    policy = RetryPolicy(initial_delay=0.001, max_delay=0.002)
    client = Client(backend=Recorder(inner), retry_policy=policy, max_retries=3)
    raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
    assert raw.parse().text == "ok" and raw.retries_taken == 2 and len(calls) == 3


def test_bulk_work_uses_the_clients_policy_through_any_backend(serve: Serve) -> None:
    from mistral_client import EmbeddingBatchError

    calls: list[Request] = []

    def refusing(request: Request, conn: Conn) -> None:
        calls.append(request)
        conn.respond_json(503, {"message": "busy"})

    server = serve(refusing)
    never = RetryPolicy(retry_statuses=frozenset())
    client = Client(backend=Recorder(HTTPBackend(api_key="k", base_url=server.url)), retry_policy=never)
    with pytest.raises(EmbeddingBatchError):
        client.embeddings.create_many(model="e", inputs=["a"], max_retries=3)
    assert len(calls) == 1  # the client's policy (no retry on 503), not the default


@pytest.fixture
def spans() -> Iterator[Callable[[], list[Any]]]:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    configure_tracing(tracer_provider=provider)
    yield lambda: list(exporter.get_finished_spans())
    configure_tracing()


def test_a_wrapping_backend_gets_one_span_per_call(serve: Serve, spans: Callable[[], list[Any]]) -> None:
    server = serve(lambda request, conn: conn.respond_json(200, chat_response("ok")))
    client = Client(backend=Recorder(HTTPBackend(api_key="k", base_url=server.url)))
    client.chat.complete(model="m", messages=MESSAGES)
    client.chat.complete(model="m", messages=MESSAGES)
    finished = spans()
    assert [span.name for span in finished] == ["chat m", "chat m"]
    assert dict(finished[0].attributes)["server.address"] == "127.0.0.1"  # the wrapper forwarded it


class FromTheDocs(Backend):
    """Only the seam's two methods, as docs/backends.md shows."""

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        body = '{"id": "x", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", '
        body += '"content": "hello"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, '
        body += '"completion_tokens": 1, "total_tokens": 2}}'
        return APIResponse(lambda: request.parse(body), request_id="docs-1")

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        raise NotImplementedError


def test_a_backend_written_from_the_docs_alone_gets_tracing(spans: Callable[[], list[Any]]) -> None:
    client = Client(backend=FromTheDocs())
    assert client.chat.complete(model="m", messages=MESSAGES).text == "hello"
    (span,) = spans()
    attributes = dict(span.attributes)
    assert span.name == "chat m" and attributes["mistral_ai.request.id"] == "docs-1"
    assert "server.address" not in attributes  # in-process: no server to name
    assert client.backend is not None and type(client.backend) is FromTheDocs  # the wrapper stays inside


def test_every_request_carries_its_record() -> None:
    from mistral_client.testing import FakeBackend

    fake = FakeBackend()
    fake.add_response("a").add_response({"object": "list", "data": []})
    client = Client(backend=fake)
    client.chat.complete(model="m", messages=MESSAGES)
    client.models.list()
    for recorded in fake.requests:
        endpoint = recorded.request.endpoint
        assert endpoint is BY_NAME[recorded.operation]
        assert (recorded.request.method, endpoint.method) == (endpoint.method, recorded.request.method)


def test_a_status_error_without_an_http_response() -> None:
    error = NotFoundError("no such model", status_code=404, headers={"Retry-After": "3"})
    assert error.status_code == 404 and error.response is None and error.request is None
    assert error.headers["retry-after"] == "3"  # case-insensitive, as HTTP's
    assert RetryPolicy().delay(1, error) == 3.0


# --- raw responses on every resource --------------------------------------------------------------------


def _api(request: Request, conn: Conn) -> None:
    headers = {"x-request-id": "req-raw"}
    if request.path.startswith("/v1/files/f1/url"):
        conn.respond_json(200, {"url": "https://files.example/f1"}, headers)
    elif request.path.startswith("/v1/batch/jobs/j1"):
        job = {"id": "j1", "object": "batch", "input_files": [], "endpoint": "/v1/chat/completions"}
        job.update(errors=[], status="RUNNING", created_at=0, total_requests=1)
        conn.respond_json(200, job, headers)
    elif request.json().get("stream"):
        conn.start_chunked(200, headers)
        for event in (chunk_event("he", role="assistant"), chunk_event("y", "stop"), DONE):
            conn.chunk(event)
        conn.end_chunked()
    else:
        conn.respond_json(200, chat_response('{"name": "Paris"}'), headers)


def test_raw_responses_of_every_kind(serve: Serve) -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str

    client = Client(api_key="k", base_url=serve(_api).url)
    url = client.files.with_raw_response.url("f1", expiry=2)
    assert (url.status_code, url.request_id, url.parse()) == (200, "req-raw", "https://files.example/f1")
    job = client.batch.jobs.with_raw_response.get("j1")
    assert job.request_id == "req-raw" and job.parse().status == "RUNNING"
    parsed = client.chat.with_raw_response.parse(model="m", messages=MESSAGES, response_format=City)
    assert parsed.parse().choices[0].message.parsed == City(name="Paris")
    stream = client.chat.with_raw_response.stream(model="m", messages=MESSAGES)
    # Sent already: the headers are in before a chunk is read.
    assert stream.request_id == "req-raw" and stream.headers["content-type"].startswith("text/event-stream")
    with stream.parse() as chunks:
        assert "".join(chunks.text_deltas()) == "hey"


async def test_async_raw_responses(serve: Serve, anyio_backend: str) -> None:
    client = AsyncClient(api_key="k", base_url=serve(_api).url)
    url = await client.files.with_raw_response.url("f1")
    assert url.parse() == "https://files.example/f1" and url.request_id == "req-raw"
    stream = await client.chat.with_raw_response.stream(model="m", messages=MESSAGES)
    assert stream.request_id == "req-raw"
    async with stream.parse() as chunks:
        assert [text async for text in chunks.text_deltas()] == ["he", "y"]


def test_a_local_backend_error_needs_no_fake_http_response(tmp_path: Any) -> None:
    pytest.importorskip("torch")
    from mistral_client.local import LocalBackend

    (tmp_path / "config.json").write_text('{"architectures": ["MistralForCausalLM"]}')
    with pytest.raises(NotFoundError) as info:
        Client(backend=LocalBackend(tmp_path)).models.retrieve("another-model")
    assert info.value.status_code == 404 and info.value.response is None
    assert isinstance(info.value.headers, httpx2.Headers)

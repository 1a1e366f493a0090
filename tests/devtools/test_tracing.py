"""OpenTelemetry spans, read back from the SDK's in-memory exporter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mistral_client import AsyncClient, Client, RateLimitError, RetryPolicy, configure_tracing
from mistral_client.testing import FakeBackend
from tests.loopback import Conn, LoopbackServer, Request, chat_response

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

MESSAGES = [{"role": "user", "content": "Capital of France?"}]


@pytest.fixture
def spans() -> Iterator[Callable[[], list[ReadableSpan]]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    configure_tracing(tracer_provider=provider)
    yield lambda: list(exporter.get_finished_spans())
    configure_tracing()


def test_a_chat_call_over_http_with_a_retry(
    spans: Callable[[], list[ReadableSpan]], serve: Callable[[Any], LoopbackServer]
) -> None:
    calls = []

    def handler(request: Request, conn: Conn) -> None:
        calls.append(request)
        if len(calls) == 1:
            conn.respond_json(503, {"message": "overloaded"})
        else:
            conn.respond_json(200, chat_response("Paris"), {"x-request-id": "req-7"})

    server = serve(handler)
    client = Client(
        api_key="k", base_url=server.url, retry_policy=RetryPolicy(initial_delay=0.01, max_delay=0.02)
    )
    client.chat.complete(model="mistral-small-latest", messages=MESSAGES, temperature=0.3, max_tokens=50)

    (span,) = spans()
    assert span.name == "chat mistral-small-latest" and span.kind == SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "mistral_ai"
    assert attributes["gen_ai.request.model"] == "mistral-small-latest"
    assert (attributes["gen_ai.request.temperature"], attributes["gen_ai.request.max_tokens"]) == (0.3, 50)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (5, 3)
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.response.id"] == "cmpl-1"
    assert attributes["mistral_ai.request.id"] == "req-7"
    assert attributes["server.address"] == "127.0.0.1"
    assert "gen_ai.input.messages" not in attributes  # content only when asked for
    (retry,) = span.events
    assert retry.name == "mistral_ai.retry" and dict(retry.attributes or {})["error.type"] == "503"


def test_a_stream_span_lasts_until_the_stream_ends_and_content_is_opt_in(
    spans: Callable[[], list[ReadableSpan]],  # resets the configuration afterwards
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    configure_tracing(capture_content=True, tracer_provider=provider)
    fake = FakeBackend().add_stream(["Pa", "ris"], usage={"prompt_tokens": 4, "completion_tokens": 2})
    client = Client(backend=fake)

    with client.chat.stream(model="mistral-large-latest", messages=MESSAGES) as stream:
        chunks = iter(stream)
        next(chunks)
        assert exporter.get_finished_spans() == ()
        list(chunks)

    (span,) = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (4, 2)
    assert "gen_ai.response.time_to_first_chunk" in attributes
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]}
    ]
    output = json.loads(str(attributes["gen_ai.output.messages"]))
    assert output[0]["parts"] == [{"type": "text", "content": "Paris"}]


def test_errors_and_early_closes_end_the_span(spans: Callable[[], list[ReadableSpan]]) -> None:
    fake = FakeBackend().add_error(RateLimitError).add_stream(["a", "b", "c"])
    client = Client(backend=fake)
    with pytest.raises(RateLimitError):
        client.fim.complete(model="codestral-latest", prompt="def f():")
    with client.chat.stream(model="m", messages=MESSAGES) as stream:
        for _ in stream:
            break

    failed, closed = spans()
    assert failed.name == "text_completion codestral-latest"
    assert failed.status.status_code == StatusCode.ERROR
    assert dict(failed.attributes or {})["error.type"] == "429"
    assert closed.status.status_code == StatusCode.UNSET


@pytest.mark.anyio
async def test_async_calls(spans: Callable[[], list[ReadableSpan]], anyio_backend_name: str) -> None:
    fake = FakeBackend().add_response(embeddings=[[0.1]]).add_stream(["x"])
    async with AsyncClient(backend=fake) as client:
        await client.embeddings.create(model="mistral-embed", input="hi")
        async with client.chat.stream(model="m", messages=MESSAGES) as stream:
            await stream.get_final_response()
        fake.add_response({"data": []})
        await client.models.list()  # not a GenAI call: no span
    assert [s.name for s in spans()] == ["embeddings mistral-embed", "chat m"]


def _embed(request: Any) -> Any:
    return {"data": [{"index": i, "embedding": [1.0]} for i, _ in enumerate(request.params["input"])]}


def test_create_many_traces_each_request_under_the_callers_span(
    spans: Callable[[], list[ReadableSpan]],
) -> None:
    from mistral_client import _tracing

    client = Client(backend=FakeBackend(_embed))
    app_tracer = _tracing._config.provider.get_tracer("app")  # the fixture's provider
    with app_tracer.start_as_current_span("embed corpus") as parent:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=[f"t{i}" for i in range(5)], batch_size=2, max_concurrency=2
        )
    assert len(result.embeddings) == 5
    requests = [s for s in spans() if s.name == "embeddings mistral-embed"]
    assert len(requests) == 3  # one span per batch
    assert all(
        s.parent is not None and s.parent.span_id == parent.get_span_context().span_id for s in requests
    )


@pytest.mark.anyio
async def test_async_create_many_traces_each_request(
    spans: Callable[[], list[ReadableSpan]], anyio_backend_name: str
) -> None:
    async with AsyncClient(backend=FakeBackend(_embed)) as client:
        await client.embeddings.create_many(model="mistral-embed", inputs=["a", "b", "c"], batch_size=2)
    assert [s.name for s in spans()] == ["embeddings mistral-embed"] * 2


def test_an_in_process_batch_traces_each_request(spans: Callable[[], list[ReadableSpan]]) -> None:
    client = Client(backend=FakeBackend(lambda request: "ok"))
    requests = [{"messages": MESSAGES}] * 3
    result = client.batch.run(endpoint="/v1/chat/completions", model="m", requests=requests)
    assert [r.text for r in result.responses] == ["ok"] * 3
    assert [s.name for s in spans()] == ["chat m"] * 3


@pytest.mark.anyio
async def test_an_async_in_process_batch_traces_each_request(
    spans: Callable[[], list[ReadableSpan]], anyio_backend_name: str
) -> None:
    async with AsyncClient(backend=FakeBackend(lambda request: "ok")) as client:
        await client.batch.run(
            endpoint="/v1/chat/completions", model="m", requests=[{"messages": MESSAGES}] * 2
        )
    assert [s.name for s in spans()] == ["chat m"] * 2


def test_off_unless_the_application_set_up_opentelemetry() -> None:
    code = """
import sys
from mistral_client import Client
from mistral_client.testing import FakeBackend
fake = FakeBackend().add_response("a").add_response("b")
client = Client(backend=fake)
client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}])
print("opentelemetry" in sys.modules)
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}])
print(len(exporter.get_finished_spans()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "1"]

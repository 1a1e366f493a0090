"""FakeBackend, used the way a user's own tests would use it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from mistral_client import (
    APIConnectionError,
    AsyncClient,
    Client,
    InvalidRequestError,
    OutputValidationError,
    RateLimitError,
    tool,
)
from mistral_client.testing import FakeBackend, FakeBackendError, FakeRequest

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def test_queued_answers_in_order_and_requests_recorded(fake_backend: FakeBackend) -> None:
    fake_backend.add_response("Paris").add_response(
        text="Lyon", usage={"prompt_tokens": 7, "completion_tokens": 1}
    )
    client = Client(backend=fake_backend)

    first = client.chat.complete(model="mistral-small-latest", messages=MESSAGES, temperature=0.2)
    second = client.chat.complete(model="mistral-small-latest", messages=MESSAGES)

    assert (first.text, second.text) == ("Paris", "Lyon")
    assert first.choices[0].finish_reason == "stop"
    assert second.usage.total_tokens == 8
    assert first.request_id == "fake-request-1"
    request = fake_backend.requests[0]
    assert request.operation == "chat.complete"
    assert request.model == "mistral-small-latest"
    assert request.params["temperature"] == 0.2
    assert request.messages == MESSAGES
    assert fake_backend.pending == 0


def test_requests_are_validated_before_the_fake_sees_them(fake_backend: FakeBackend) -> None:
    client = Client(backend=fake_backend)
    with pytest.raises(InvalidRequestError):
        client.chat.complete(model="m", messages=MESSAGES, temperature="hot")  # type: ignore[typeddict-item]
    assert fake_backend.requests == []


def test_stream_pieces_and_tool_calls() -> None:
    fake = FakeBackend()
    fake.add_stream(["Let me ", "check."], tool_calls=[{"name": "weather", "arguments": {"city": "Paris"}}])
    client = Client(backend=fake)

    with client.chat.stream(model="m", messages=MESSAGES) as stream:
        assert list(stream.text_deltas()) == ["Let me ", "check."]
        final = stream.get_final_response()

    assert final.text == "Let me check."
    assert final.choices[0].finish_reason == "tool_calls"
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.function.name, json.loads(call.function.arguments)) == ("weather", {"city": "Paris"})
    assert fake.requests[0].operation == "chat.stream"


def test_a_text_answer_streams_and_a_stream_answers_complete() -> None:
    fake = FakeBackend().add_response("whole").add_stream(["a", "b"])
    client = Client(backend=fake)
    with client.chat.stream(model="m", messages=MESSAGES) as stream:
        assert "".join(stream.text_deltas()) == "whole"
    assert client.chat.complete(model="m", messages=MESSAGES).text == "ab"


def test_errors_raise_the_sdks_own_exceptions() -> None:
    fake = FakeBackend()
    fake.add_error(RateLimitError, retry_after=2.0).add_error(APIConnectionError).add_error(503)
    client = Client(backend=fake)

    with pytest.raises(RateLimitError) as rate_limited:
        client.chat.complete(model="m", messages=MESSAGES)
    assert (rate_limited.value.status_code, rate_limited.value.retry_after) == (429, 2.0)
    with pytest.raises(APIConnectionError):
        client.chat.complete(model="m", messages=MESSAGES)
    with pytest.raises(Exception) as server_error:
        client.chat.complete(model="m", messages=MESSAGES)
    assert getattr(server_error.value, "status_code", None) == 503


def test_an_error_mid_stream() -> None:
    fake = FakeBackend().add_stream(["partial"], error=APIConnectionError("dropped"))
    client = Client(backend=fake)
    seen: list[str] = []
    with pytest.raises(APIConnectionError), client.chat.stream(model="m", messages=MESSAGES) as stream:
        for text in stream.text_deltas():
            seen.append(text)
    assert seen == ["partial"]


def test_responder_answers_every_endpoint() -> None:
    def respond(request: FakeRequest) -> Any:
        if request.operation == "embeddings.create":
            return {
                "data": [
                    {"index": i, "embedding": [float(i), 1.0]} for i in range(len(request.params["input"]))
                ]
            }
        if request.operation == "models.list":
            return {"data": [{"id": "mistral-small-latest"}]}
        if request.operation.startswith("fim."):
            return "    return a + b"
        return FakeBackend.stream(["echo: ", request.messages[-1]["content"]])

    fake = FakeBackend(respond)
    client = Client(backend=fake)

    assert client.embeddings.create(model="mistral-embed", input=["a", "b"]).embeddings == [
        [0.0, 1.0],
        [1.0, 1.0],
    ]
    assert [m.id for m in client.models.list().data] == ["mistral-small-latest"]
    assert client.fim.complete(model="codestral-latest", prompt="def add(a, b):\n").text == "    return a + b"
    with client.chat.stream(model="m", messages=[{"role": "user", "content": "hi"}]) as stream:
        assert "".join(stream.text_deltas()) == "echo: hi"
    assert [r.operation for r in fake.requests] == [
        "embeddings.create",
        "models.list",
        "fim.complete",
        "chat.stream",
    ]


def test_embeddings_keyword_and_an_unanswered_request() -> None:
    fake = FakeBackend().add_response(embeddings=[[0.5, 0.5]])
    client = Client(backend=fake)
    assert client.embeddings.create(model="mistral-embed", input="x").embeddings == [[0.5, 0.5]]
    with pytest.raises(FakeBackendError, match="no answer for request #2"):
        client.models.list()


@pytest.mark.anyio
async def test_async_client_complete_and_stream(anyio_backend: str) -> None:
    fake = FakeBackend().add_response("one").add_stream(["t", "wo"]).add_error(RateLimitError)
    async with AsyncClient(backend=fake) as client:
        assert (await client.chat.complete(model="m", messages=MESSAGES)).text == "one"
        async with client.chat.stream(model="m", messages=MESSAGES) as stream:
            assert [t async for t in stream.text_deltas()] == ["t", "wo"]
        with pytest.raises(RateLimitError):
            await client.chat.complete(model="m", messages=MESSAGES)
    assert len(fake.requests) == 3


# --- parse, the tool runner and the bulk resources, through the fake ------------------------------


class City(BaseModel):
    name: str
    population: int


@tool
def population(city: str) -> int:
    """The population of a city."""
    return {"Paris": 2_100_000}.get(city, 0)


def test_parse_and_parse_stream() -> None:
    fake = FakeBackend().add_response('{"name": "Paris", "population": 2100000}')
    fake.add_stream(['{"name": "Par', 'is", "population": 21', "00000}"])
    fake.add_response("", finish_reason="stop")
    client = Client(backend=fake)
    parsed = client.chat.parse(model="m", messages=MESSAGES, response_format=City)
    assert parsed.parsed == City(name="Paris", population=2_100_000)
    assert fake.requests[0].params["response_format"]["json_schema"]["name"] == "City"
    with client.chat.parse_stream(model="m", messages=MESSAGES, response_format=City) as stream:
        partials = list(stream.partials())
        assert partials[-1] == {"name": "Paris", "population": 2_100_000}
        assert {"name": "Paris", "population": 21} not in partials  # a number still growing
        assert stream.get_final_response().parsed == City(name="Paris", population=2_100_000)
    with pytest.raises(OutputValidationError):
        client.chat.parse(model="m", messages=MESSAGES, response_format=City)


def test_the_tool_runner_complete_and_streamed() -> None:
    fake = FakeBackend()
    fake.add_response(tool_calls=[{"name": "population", "arguments": {"city": "Paris"}}])
    fake.add_response("About 2.1 million.")
    fake.add_stream(
        ["Let me check."], tool_calls=[{"id": "c1", "name": "population", "arguments": '{"city": "Paris"}'}]
    )
    fake.add_stream(["About ", "2.1 million."])
    client = Client(backend=fake)
    runner = client.chat.tool_runner(model="m", messages=MESSAGES, tools=[population])
    assert runner.until_done().text == "About 2.1 million."
    assert runner.messages[2].content == "2100000" and runner.messages[2].name == "population"
    assert fake.requests[1].messages[-1]["role"] == "tool"
    assert fake.requests[0].params["tools"][0]["function"]["name"] == "population"
    streamed = client.chat.tool_runner(model="m", messages=MESSAGES, tools=[population], stream=True)
    texts = ["".join(stream.text_deltas()) for stream in streamed]
    assert texts == ["Let me check.", "About 2.1 million."]
    assert streamed.messages[2].tool_call_id == "c1" and streamed.messages[2].content == "2100000"
    assert [r.operation for r in fake.requests[2:]] == ["chat.stream", "chat.stream"]


@pytest.mark.anyio
async def test_async_parse_and_tool_runner(anyio_backend: str) -> None:
    fake = FakeBackend()
    fake.add_response(tool_calls=[{"name": "population", "arguments": {"city": "Paris"}}])
    fake.add_response('{"name": "Paris", "population": 2100000}')
    async with AsyncClient(backend=fake) as client:
        runner = client.chat.tool_runner(
            model="m", messages=MESSAGES, tools=[population], response_format=City
        )
        final = await runner.until_done()
        assert final.parsed == City(name="Paris", population=2_100_000)
        fake.add_stream(['{"name": "Lyon", ', '"population": 500000}'])
        async with client.chat.parse_stream(model="m", messages=MESSAGES, response_format=City) as stream:
            assert [p async for p in stream.partials()][-1] == {"name": "Lyon", "population": 500_000}
            assert (await stream.get_final_response()).parsed == City(name="Lyon", population=500_000)


def test_files_batch_and_create_many() -> None:
    def respond(request: FakeRequest) -> Any:
        if request.operation == "embeddings.create":
            return {
                "data": [
                    {"index": i, "embedding": [float(len(t))]} for i, t in enumerate(request.params["input"])
                ]
            }
        if request.operation == "files.upload":
            return {
                "id": "file-1",
                "object": "file",
                "bytes": 3,
                "created_at": 0,
                "filename": request.params["filename"],
                "purpose": request.params["purpose"],
                "sample_type": "batch_request",
                "source": "upload",
            }
        return f"echo: {request.messages[-1]['content']}"

    fake = FakeBackend(respond)
    client = Client(backend=fake)
    assert client.files.upload(file=b"abc", filename="in.jsonl", purpose="batch").filename == "in.jsonl"
    assert fake.requests[-1].operation == "files.upload"
    assert fake.requests[-1].params == {"purpose": "batch", "filename": "in.jsonl"}
    texts = ["a", "bb", "ccc", "dddd", "eeeee"]
    assert client.embeddings.create_many(model="e", inputs=iter(texts), batch_size=2).embeddings == [
        [1.0],
        [2.0],
        [3.0],
        [4.0],
        [5.0],
    ]
    requests = [{"messages": [{"role": "user", "content": t}]} for t in texts[:3]]
    result = client.batch.run(endpoint="/v1/chat/completions", model="m", requests=requests)
    assert [r.text for r in result.responses] == ["echo: a", "echo: bb", "echo: ccc"]

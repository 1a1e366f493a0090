"""``chat.tool_runner``: the loop, its failures and its cap, sync and async (asyncio and trio)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from mistral_client import (
    AsyncClient,
    AsyncStream,
    Client,
    FunctionTool,
    InvalidRequestError,
    MaxToolIterationsError,
    ParsedChatCompletionResponse,
    Stream,
    tool,
)
from mistral_client.types import AssistantMessage, ChatCompletionResponse, ToolMessage

from .loopback import LoopbackServer
from .scripted import Script, answer, call, streamed, streamed_calls

Serve = Callable[[Script], LoopbackServer]
MSG = [{"role": "user", "content": "Weather in Paris and Rome?"}]


@tool
def get_weather(city: str) -> dict[str, Any]:
    """The current weather.

    Args:
        city: The city name.
    """
    return {"city": city, "sky": "sunny"}


@tool
def explode(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(f"boom: {reason}")


TOOLS: list[FunctionTool[..., Any]] = [get_weather, explode]


def client_for(server: LoopbackServer) -> Client:
    return Client(api_key="k", base_url=server.url, max_retries=0)


def tool_texts(messages: list[Any]) -> list[str]:
    return [m.content for m in messages if isinstance(m, ToolMessage)]


def test_one_call_then_an_answer(serve: Serve) -> None:
    script = Script(
        answer(tool_calls=[call("get_weather", '{"city": "Paris"}', "c1")]), answer("Sunny in Paris.")
    )
    with client_for(serve(script)) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS)
        responses = list(runner)
        assert runner.until_done() is responses[-1]
    assert [r.text for r in responses] == ["", "Sunny in Paris."]
    assert isinstance(runner.messages[1], AssistantMessage)
    assert runner.messages[2] == ToolMessage(
        content='{"city":"Paris","sky":"sunny"}', tool_call_id="c1", name="get_weather"
    )
    assert runner.messages[3].content == "Sunny in Paris."
    # The second request carried the history, tools included, and it went out valid against the spec.
    assert [m["role"] for m in script.bodies[1]["messages"]] == ["user", "assistant", "tool"]
    assert script.bodies[1]["messages"][2]["tool_call_id"] == "c1"
    assert script.bodies[1]["tools"] == [get_weather.definition, explode.definition]


def test_several_calls_failures_bad_arguments_and_unknown_tools_go_back_to_the_model(serve: Serve) -> None:
    calls = [
        call("get_weather", {"city": "Rome"}, "c1"),
        call("explode", '{"reason": "testing"}', "c2"),
        call("get_weather", '{"town": "Oslo"}', "c3"),
        call("teleport", "{}", "c4"),
        call("get_weather", '{"city": ', "c5"),
    ]
    script = Script(answer(tool_calls=calls), answer("Done."))
    with client_for(serve(script)) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS)
        final = runner.until_done()
    assert final.text == "Done."
    assert tool_texts(runner.messages) == [
        '{"city":"Rome","sky":"sunny"}',
        "error: RuntimeError: boom: testing",
        "error: invalid arguments for get_weather: city: Field required; "
        "town: Extra inputs are not permitted",
        "error: unknown tool 'teleport'; available tools: explode, get_weather",
        "error: invalid arguments for get_weather: <arguments>: "
        "Invalid JSON: EOF while parsing a value at line 1 column 9",
    ]
    assert [m.tool_call_id for m in runner.messages if isinstance(m, ToolMessage)] == [
        "c1",
        "c2",
        "c3",
        "c4",
        "c5",
    ]


def test_the_iteration_cap(serve: Serve) -> None:
    loop = answer(tool_calls=[call("get_weather", '{"city": "Paris"}')])
    script = Script(loop, loop, loop)
    with client_for(serve(script)) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, max_iterations=2)
        with pytest.raises(MaxToolIterationsError, match="after 2 requests") as caught:
            runner.until_done()
        with pytest.raises(InvalidRequestError, match="max_iterations"):
            client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, max_iterations=0)
        with pytest.raises(InvalidRequestError, match="temperature"):
            client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, temperature=7.0)
    assert len(script.bodies) == 2
    assert [m["role"] if isinstance(m, dict) else m.role for m in caught.value.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
    ]


class Report(BaseModel):
    city: str
    sky: str


def test_response_format_parses_the_final_answer(serve: Serve) -> None:
    script = Script(
        answer(tool_calls=[call("get_weather", '{"city": "Paris"}')]),
        answer('{"city": "Paris", "sky": "sunny"}'),
    )
    with client_for(serve(script)) as client:
        final = client.chat.tool_runner(
            model="m", messages=MSG, tools=TOOLS, response_format=Report
        ).until_done()
    assert isinstance(final, ParsedChatCompletionResponse)
    assert final.parsed == Report(city="Paris", sky="sunny")
    assert all(body["response_format"]["json_schema"]["name"] == "Report" for body in script.bodies)


def test_stream_true_yields_a_stream_per_turn(serve: Serve) -> None:
    script = Script(
        streamed_calls(
            call("get_weather", '{"city": "Paris"}', "c1"), call("get_weather", '{"city": "Rome"}', "c2")
        ),
        streamed("Sunny ", "in both."),
    )
    with client_for(serve(script)) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, stream=True)
        texts = []
        for stream in runner:
            assert isinstance(stream, Stream)
            texts.append("".join(stream.text_deltas()))
        final = runner.until_done()
    assert texts == ["", "Sunny in both."] and final.text == "Sunny in both."
    assert tool_texts(runner.messages) == ['{"city":"Paris","sky":"sunny"}', '{"city":"Rome","sky":"sunny"}']
    assert all(body["stream"] for body in script.bodies)


def test_until_done_reads_unread_streams(serve: Serve) -> None:
    script = Script(streamed_calls(call("get_weather", '{"city": "Paris"}')), streamed("Sunny."))
    with client_for(serve(script)) as client:
        final = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, stream=True).until_done()
    assert isinstance(final, ChatCompletionResponse) and final.text == "Sunny."


# --- async ---------------------------------------------------------------------------------------------

pytest_anyio = pytest.mark.anyio


@pytest_anyio
async def test_async_runner_runs_calls_concurrently_in_call_order(serve: Serve, anyio_backend: str) -> None:
    running = 0
    peak = 0
    threads: set[int] = set()

    @tool
    async def slow_async(n: int) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.05 * (5 - n))  # later calls finish first
        running -= 1
        return f"async {n}"

    @tool
    def slow_sync(n: int) -> str:
        threads.add(threading.get_ident())
        time.sleep(0.05)
        return f"sync {n}"

    calls = [call("slow_async" if n % 2 else "slow_sync", {"n": n}, f"c{n}") for n in range(6)]
    script = Script(answer(tool_calls=calls), answer("All done."))
    async with AsyncClient(api_key="k", base_url=serve(script).url, max_retries=0) as client:
        runner = client.chat.tool_runner(
            model="m", messages=MSG, tools=[slow_async, slow_sync], max_concurrency=3
        )
        started = time.monotonic()
        responses = [response async for response in runner]
        elapsed = time.monotonic() - started
        final = await runner.until_done()
    assert final is responses[-1] and final.text == "All done."
    assert tool_texts(runner.messages) == ["sync 0", "async 1", "sync 2", "async 3", "sync 4", "async 5"]
    assert 1 < peak <= 3
    assert threading.get_ident() not in threads
    assert elapsed < 0.05 * 15  # not one after the other


@pytest_anyio
async def test_async_runner_errors_cap_and_streaming(serve: Serve, anyio_backend: str) -> None:
    calls = [call("explode", '{"reason": "x"}', "c1"), call("nope", "{}", "c2")]
    script = Script(
        answer(tool_calls=calls),
        answer("Sorry."),
        streamed_calls(call("get_weather", '{"city": "Oslo"}', "c3")),
        streamed('{"city": "Oslo", ', '"sky": "sunny"}'),
        answer(tool_calls=[call("get_weather", '{"city": "Paris"}')]),
    )
    async with AsyncClient(api_key="k", base_url=serve(script).url, max_retries=0) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS)
        assert (await runner.until_done()).text == "Sorry."
        streaming = client.chat.tool_runner(
            model="m", messages=MSG, tools=TOOLS, stream=True, response_format=Report
        )
        streams = [stream async for stream in streaming]
        assert len(streams) == 2 and all(isinstance(stream, AsyncStream) for stream in streams)
        final = await streaming.until_done()
        capped = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, max_iterations=1)
        with pytest.raises(MaxToolIterationsError):
            await capped.until_done()
        with pytest.raises(InvalidRequestError, match="max_concurrency"):
            client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, max_concurrency=0)
    assert final.parsed == Report(city="Oslo", sky="sunny")
    assert tool_texts(runner.messages) == [
        "error: RuntimeError: boom: x",
        "error: unknown tool 'nope'; available tools: explode, get_weather",
    ]
    assert tool_texts(streaming.messages) == ['{"city":"Oslo","sky":"sunny"}']


def test_streamed_arguments_in_pieces_are_joined(serve: Serve) -> None:
    from .loopback import DONE, chunk_event

    first = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"ci'},
    }
    rest = {"index": 0, "function": {"arguments": 'ty": "Paris"}'}}
    pieces = [
        chunk_event(tool_calls=[first]),
        chunk_event(tool_calls=[rest]),
        chunk_event("", "tool_calls"),
        DONE,
    ]
    script = Script(pieces, streamed("Sunny."))
    with client_for(serve(script)) as client:
        runner = client.chat.tool_runner(model="m", messages=MSG, tools=TOOLS, stream=True)
        assert runner.until_done().text == "Sunny."
    assert tool_texts(runner.messages) == ['{"city":"Paris","sky":"sunny"}']
    assert script.bodies[1]["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


def test_a_tool_given_only_as_a_definition_is_named_as_such() -> None:
    from mistral_client.testing import FakeBackend

    search = {"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}
    fake = FakeBackend()
    fake.add_response(tool_calls=[{"name": "search", "arguments": {}}, {"name": "nope", "arguments": {}}])
    fake.add_response("done")
    runner = Client(backend=fake).chat.tool_runner(model="m", messages=MSG, tools=[get_weather, search])
    assert runner.until_done().text == "done"
    assert [m.content for m in runner.messages if isinstance(m, ToolMessage)] == [
        "error: tool 'search' was given as a definition only, with no function to run it; "
        "tools that can run: get_weather",
        "error: unknown tool 'nope'; available tools: get_weather",
    ]


# --- turns cut off by the token limit --------------------------------------------------------------


def _cut_turns() -> Any:
    """A fake whose first turn is cut by max_tokens after one finished call, and whose second turn is
    cut before any: plain text, as a model writing markup or an unfinished answer leaves it."""
    from mistral_client.testing import FakeBackend

    fake = FakeBackend()
    fake.add_response(
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}], finish_reason="length"
    )
    fake.add_response('<tool_call>\n{"name": "get_weather", "argu', finish_reason="length")
    return fake


@pytest.mark.parametrize("stream", [False, True])
def test_a_cut_turn_runs_its_finished_calls_and_one_with_none_raises(stream: bool) -> None:
    from mistral_client import LengthFinishReasonError

    fake = _cut_turns()
    runner = Client(backend=fake).chat.tool_runner(model="m", messages=MSG, tools=TOOLS, stream=stream)
    with pytest.raises(
        LengthFinishReasonError, match=r"cut off \(finish_reason 'length'.*no complete tool call"
    ) as info:
        runner.until_done()
    # The finished call of the first turn ran; the second turn is not taken for an answer.
    assert tool_texts(runner.messages) == ['{"city":"Paris","sky":"sunny"}']
    assert [type(m).__name__ for m in runner.messages] == ["dict", "AssistantMessage", "ToolMessage"]
    assert info.value.content == '<tool_call>\n{"name": "get_weather", "argu'
    assert info.value.response.choices[0].finish_reason == "length"
    assert len(fake.requests) == 2


@pytest_anyio
@pytest.mark.parametrize("stream", [False, True])
async def test_the_async_runner_raises_on_a_cut_turn_too(stream: bool, anyio_backend: str) -> None:
    from mistral_client import LengthFinishReasonError

    fake = _cut_turns()
    runner = AsyncClient(backend=fake).chat.tool_runner(model="m", messages=MSG, tools=TOOLS, stream=stream)
    with pytest.raises(LengthFinishReasonError):
        await runner.until_done()
    assert tool_texts(runner.messages) == ['{"city":"Paris","sky":"sunny"}']


def test_a_cut_answer_without_tools_called_raises_rather_than_being_the_answer() -> None:
    from mistral_client import LengthFinishReasonError
    from mistral_client.testing import FakeBackend

    fake = FakeBackend().add_response("The weather in Par", finish_reason="model_length")
    runner = Client(backend=fake).chat.tool_runner(model="m", messages=MSG, tools=TOOLS)
    with pytest.raises(LengthFinishReasonError, match="model_length"):
        runner.until_done()
    assert runner.messages == MSG

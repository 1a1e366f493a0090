"""OpenTelemetry spans of the Agents and Conversations API: ``invoke_agent`` (agent completions,
conversation turns whole and streamed), ``create_agent``, and the ``execute_tool`` span of each tool
call a runner executes (``conversations.run`` / ``run_stream``, ``chat.tool_runner``), read back from
the SDK's in-memory exporter; the FakeBackend answers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mistral_client import (
    AsyncClient,
    Client,
    ConversationResponseError,
    RateLimitError,
    configure_tracing,
    tool,
)
from mistral_client.testing import FakeBackend
from mistral_client.types import UserMessageParam
from tests.conversations_server import ConversationScript, agent, sse
from tests.loopback import LoopbackServer

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

MESSAGES: list[UserMessageParam] = [{"role": "user", "content": "Weather in Paris?"}]
Spans = Callable[[], list[ReadableSpan]]


class Tracing:
    """The exporter's finished spans; ``capture(True)`` turns message content capture on."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.capture(False)

    def capture(self, on: bool) -> None:
        configure_tracing(capture_content=on, tracer_provider=self.provider)

    def __call__(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())


@pytest.fixture
def spans() -> Iterator[Tracing]:
    tracing = Tracing()
    yield tracing
    configure_tracing()


@pytest.fixture
def no_span_misuse(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if a span was ended twice or written to after it ended (the SDK only warns)."""
    with caplog.at_level(logging.WARNING, logger="opentelemetry.sdk.trace"):
        yield
    misuse = [r.getMessage() for r in caplog.get_records("call") if "ended span" in r.getMessage()]
    assert not misuse, misuse


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def broken(x: int) -> int:
    """Always fails."""
    raise RuntimeError("the service is down")


#: One turn's calls: one that runs, one whose tool raises, one no tool answers.
CALLS = [
    {"tool_call_id": "c1", "name": "add", "arguments": {"a": 2, "b": 3}},
    {"tool_call_id": "c2", "name": "broken", "arguments": {"x": 1}},
    {"tool_call_id": "c3", "name": "nope", "arguments": {}},
]


# --- agents.complete, beta.agents.create ------------------------------------------------------------


def test_agents_complete_is_an_invoke_agent_span_named_after_the_agent(spans: Tracing) -> None:
    fake = FakeBackend().add_response("Sunny.", usage={"prompt_tokens": 6, "completion_tokens": 2})
    fake.add_stream(["Sun", "ny."])
    client = Client(backend=fake)
    client.agents.complete(agent_id="ag-weather", messages=MESSAGES)
    with client.agents.stream(agent_id="ag-weather", messages=MESSAGES) as stream:
        stream.get_final_response()

    whole, streamed = spans()
    for span in (whole, streamed):
        assert span.name == "invoke_agent ag-weather" and span.kind == SpanKind.CLIENT
        assert attrs(span)["gen_ai.operation.name"] == "invoke_agent"
        assert attrs(span)["gen_ai.agent.id"] == "ag-weather"
        assert attrs(span)["gen_ai.response.finish_reasons"] == ("stop",)
    assert (attrs(whole)["gen_ai.usage.input_tokens"], attrs(whole)["gen_ai.usage.output_tokens"]) == (6, 2)
    assert "gen_ai.response.time_to_first_chunk" in attrs(streamed)


def test_creating_an_agent_is_a_create_agent_span_with_the_new_agents_id(spans: Tracing) -> None:
    fake = FakeBackend().add_response(agent("ag-new", name="Weather"))
    Client(backend=fake).beta.agents.create(model="mistral-medium-latest", name="Weather")

    (span,) = spans()
    assert span.name == "create_agent Weather"
    attributes = attrs(span)
    assert attributes["gen_ai.operation.name"] == "create_agent"
    assert attributes["gen_ai.agent.name"] == "Weather"
    assert attributes["gen_ai.agent.id"] == "ag-new"  # the id the response gave it
    assert attributes["gen_ai.request.model"] == "mistral-medium-latest"


# --- conversation turns, whole ----------------------------------------------------------------------


def test_a_whole_turn_is_an_invoke_agent_span_with_the_conversation_and_its_usage(spans: Tracing) -> None:
    usage = {"prompt_tokens": 7, "completion_tokens": 3}
    fake = FakeBackend().add_response(text="Sunny.", usage=usage)
    fake.add_response(text="Still sunny.", usage=usage).add_response(text="Agent says hi.")
    conversations = Client(backend=fake).beta.conversations

    first = conversations.start(
        model="mistral-medium-latest", inputs="Weather?", completion_args={"temperature": 0.2}
    )
    conversations.append(conversation_id=first.conversation_id, inputs="And tomorrow?")
    conversations.start(agent_id="ag-weather", inputs="Hi")

    started, appended, by_agent = spans()
    assert started.name == "invoke_agent mistral-medium-latest"
    assert attrs(started)["gen_ai.conversation.id"] == first.conversation_id == "fake-conversation-1"
    assert (attrs(started)["gen_ai.usage.input_tokens"], attrs(started)["gen_ai.usage.output_tokens"]) == (
        7,
        3,
    )
    assert attrs(started)["gen_ai.request.temperature"] == 0.2  # read from completion_args
    assert "gen_ai.output.messages" not in attrs(started)  # content only when asked for
    # An append names no model or agent; its conversation is the one in its path.
    assert appended.name == "invoke_agent"
    assert attrs(appended)["gen_ai.conversation.id"] == "fake-conversation-1"
    assert by_agent.name == "invoke_agent ag-weather"
    assert attrs(by_agent)["gen_ai.agent.id"] == "ag-weather"
    assert attrs(by_agent)["gen_ai.conversation.id"] == "fake-conversation-3"


def test_a_failed_turn_still_names_its_conversation(spans: Tracing) -> None:
    fake = FakeBackend().add_error(RateLimitError)
    with pytest.raises(RateLimitError):
        Client(backend=fake).beta.conversations.append(conversation_id="conv-42", inputs="And tomorrow?")

    (span,) = spans()
    assert span.status.status_code == StatusCode.ERROR and attrs(span)["error.type"] == "429"
    assert attrs(span)["gen_ai.conversation.id"] == "conv-42"  # from the path: no response came


def test_a_whole_turns_content_is_recorded_when_asked_for(spans: Tracing) -> None:
    spans.capture(True)
    fake = FakeBackend().add_response(text="Sunny.")
    Client(backend=fake).beta.conversations.start(model="m", inputs="Weather?")

    attributes = attrs(spans()[0])
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather?"}]}
    ]
    (output,) = json.loads(str(attributes["gen_ai.output.messages"]))
    assert output["parts"] == [{"type": "text", "content": "Sunny."}]


@pytest.mark.anyio
async def test_async_whole_turns(spans: Tracing, anyio_backend: str) -> None:
    fake = FakeBackend().add_response(text="Sunny.", usage={"prompt_tokens": 4, "completion_tokens": 1})
    fake.add_response("Hi.")
    async with AsyncClient(backend=fake) as client:
        await client.beta.conversations.start(model="m", inputs="Weather?")
        await client.agents.complete(agent_id="ag-1", messages=MESSAGES)

    turn, completion = spans()
    assert turn.name == "invoke_agent m"
    assert attrs(turn)["gen_ai.conversation.id"] == "fake-conversation-1"
    assert attrs(turn)["gen_ai.usage.input_tokens"] == 4
    assert completion.name == "invoke_agent ag-1" and attrs(completion)["gen_ai.agent.id"] == "ag-1"


# --- conversation turns, streamed -------------------------------------------------------------------

STREAM_USAGE = {"prompt_tokens": 5, "completion_tokens": 2}


@pytest.mark.parametrize("capture", [False, True])
def test_a_streamed_turn_is_one_span_ended_once_when_the_stream_ends(
    spans: Tracing, no_span_misuse: None, capture: bool
) -> None:
    spans.capture(capture)
    fake = FakeBackend().add_stream(["Sun", "ny ", "today."], usage=STREAM_USAGE)
    client = Client(backend=fake)

    with client.beta.conversations.start_stream(model="m", inputs="Weather?") as stream:
        events = iter(stream)
        assert next(events).type == "conversation.response.started"
        assert spans() == []  # the span lasts as long as the stream
        rest = [event.type for event in events]
        assert rest[-1] == "conversation.response.done"
        # ``with`` closes the stream too: the span must not be ended a second time.

    (span,) = spans()
    assert span.name == "invoke_agent m"
    assert span.status.status_code == StatusCode.UNSET
    attributes = attrs(span)
    assert attributes["gen_ai.conversation.id"] == "fake-conversation-1"
    assert attributes["mistral_ai.request.id"] == "fake-request-1"
    assert attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (5, 2)
    if capture:
        # The text of the message.output.delta events, joined.
        (output,) = json.loads(str(attributes["gen_ai.output.messages"]))
        assert output == {"role": "assistant", "parts": [{"type": "text", "content": "Sunny today."}]}
    else:
        assert "gen_ai.output.messages" not in attributes


def test_a_stream_broken_off_early_ends_its_span(spans: Tracing, no_span_misuse: None) -> None:
    fake = FakeBackend().add_stream(["a", "b", "c"], usage=STREAM_USAGE).add_stream(["x", "y"])
    conversations = Client(backend=fake).beta.conversations

    with conversations.start_stream(model="m", inputs="Weather?") as stream:
        for event in stream:
            if event.type == "message.output.delta":
                break
    for _ in conversations.start_stream(model="m", inputs="again"):  # no ``with``: the loop's break
        break
    fake.add_stream(["z"])
    with conversations.start_stream(model="m", inputs="never read"):
        pass  # opened, closed before any event

    first, second, unread = spans()
    assert unread.status.status_code == StatusCode.UNSET
    assert "gen_ai.response.time_to_first_chunk" not in attrs(unread)
    for span in (first, second):
        assert span.status.status_code == StatusCode.UNSET
        assert "gen_ai.response.time_to_first_chunk" in attrs(span)
        assert "gen_ai.usage.input_tokens" not in attrs(span)  # the done event never came
    assert attrs(first)["gen_ai.conversation.id"] == "fake-conversation-1"  # the started event came
    assert attrs(second)["gen_ai.conversation.id"] == "fake-conversation-2"


def test_a_stream_that_fails_part_way_marks_its_span_as_failed(spans: Tracing, no_span_misuse: None) -> None:
    spans.capture(True)
    fake = FakeBackend().add_stream(["Sun"], error=ConversationResponseError("overloaded", code=3000))
    # An error the server sends as an event, as a backend other than the HTTP one passes it on.
    error_event = {"type": "conversation.response.error", "message": "bad", "code": 1}
    fake.add_stream(["Sun", error_event])
    conversations = Client(backend=fake).beta.conversations

    for _ in range(2):
        stream = conversations.start_stream(model="m", inputs="Weather?")
        with pytest.raises(ConversationResponseError), stream:
            list(stream)

    for span in spans():
        assert span.status.status_code == StatusCode.ERROR
        assert attrs(span)["error.type"] == "ConversationResponseError"
        # What came before the error is still recorded.
        assert attrs(span)["gen_ai.conversation.id"].startswith("fake-conversation-")
        (output,) = json.loads(str(attrs(span)["gen_ai.output.messages"]))
        assert output["parts"] == [{"type": "text", "content": "Sun"}]
    assert len(spans()) == 2


def test_an_error_event_over_http_marks_the_span_as_failed(
    spans: Tracing, serve: Callable[[Any], LoopbackServer]
) -> None:
    events = [
        sse({"type": "conversation.response.started", "conversation_id": "conv-9"}),
        sse({"type": "conversation.response.error", "message": "bad", "code": 1}),
    ]
    client = Client(api_key="k", base_url=serve(ConversationScript([events])).url, max_retries=0)
    stream = client.beta.conversations.start_stream(model="m", inputs="Weather?")
    with pytest.raises(ConversationResponseError), stream:
        list(stream)

    (span,) = spans()
    assert span.status.status_code == StatusCode.ERROR
    assert attrs(span)["error.type"] == "ConversationResponseError"
    assert attrs(span)["gen_ai.conversation.id"] == "conv-9"
    assert attrs(span)["server.address"] == "127.0.0.1"


@pytest.mark.anyio
async def test_async_streamed_turns(spans: Tracing, no_span_misuse: None, anyio_backend: str) -> None:
    spans.capture(True)
    fake = FakeBackend().add_stream(["Sun", "ny."], usage=STREAM_USAGE).add_stream(["a", "b"])
    fake.add_stream(["never read"])
    async with AsyncClient(backend=fake) as client:
        conversations = client.beta.conversations
        async with conversations.start_stream(model="m", inputs="Weather?") as stream:
            final = await stream.get_final_response()
        assert final.text == "Sunny."
        async with conversations.append_stream(conversation_id="conv-7", inputs="more") as stream:
            async for event in stream:
                if event.type == "message.output.delta":
                    break
        async with conversations.start_stream(model="m", inputs="unread"):
            pass  # opened, closed before any event

    whole, broken_off, unread = spans()
    assert unread.status.status_code == StatusCode.UNSET
    assert attrs(whole)["gen_ai.conversation.id"] == "fake-conversation-1"
    assert attrs(whole)["gen_ai.usage.output_tokens"] == 2
    assert "gen_ai.response.time_to_first_chunk" in attrs(whole)
    (output,) = json.loads(str(attrs(whole)["gen_ai.output.messages"]))
    assert output["parts"] == [{"type": "text", "content": "Sunny."}]
    assert broken_off.name == "invoke_agent"
    assert attrs(broken_off)["gen_ai.conversation.id"] == "conv-7"
    assert broken_off.status.status_code == StatusCode.UNSET


# --- execute_tool: conversations.run / run_stream, chat.tool_runner --------------------------------


def _check_tool_spans(tool_spans: list[ReadableSpan], capture: bool = False) -> None:
    """The three ``CALLS``: one span each, in call order by call id; the failures marked."""
    by_id = {attrs(span)["gen_ai.tool.call.id"]: span for span in tool_spans}
    assert sorted(by_id) == ["c1", "c2", "c3"] and len(tool_spans) == 3
    ok, raised, unknown = by_id["c1"], by_id["c2"], by_id["c3"]
    assert ok.name == "execute_tool add" and ok.kind == SpanKind.INTERNAL
    assert attrs(ok)["gen_ai.operation.name"] == "execute_tool"
    assert attrs(ok)["gen_ai.tool.name"] == "add"
    assert attrs(ok)["gen_ai.tool.description"] == "Add two integers."
    assert ok.status.status_code == StatusCode.UNSET and "error.type" not in attrs(ok)
    assert raised.name == "execute_tool broken"
    assert raised.status.status_code == StatusCode.ERROR
    assert attrs(raised)["error.type"] == "RuntimeError"
    assert unknown.name == "execute_tool nope"
    assert unknown.status.status_code == StatusCode.ERROR
    assert attrs(unknown)["error.type"] == "tool_not_found"
    if capture:
        assert json.loads(str(attrs(ok)["gen_ai.tool.call.arguments"])) == {"a": 2, "b": 3}
        assert attrs(ok)["gen_ai.tool.call.result"] == "5"
    else:
        assert "gen_ai.tool.call.arguments" not in attrs(ok) and "gen_ai.tool.call.result" not in attrs(ok)


def _run_fake() -> FakeBackend:
    return FakeBackend().add_response(tool_calls=CALLS).add_response(text="2 + 3 = 5")


@pytest.mark.parametrize("capture", [False, True])
def test_run_gives_each_executed_tool_call_an_execute_tool_span(spans: Tracing, capture: bool) -> None:
    spans.capture(capture)
    result = Client(backend=_run_fake()).beta.conversations.run(
        model="m", inputs="2 + 3?", tools=[add, broken]
    )
    assert result.text == "2 + 3 = 5"

    names = [span.name for span in spans()]
    assert names == [
        "invoke_agent m",
        "execute_tool add",
        "execute_tool broken",
        "execute_tool nope",
        "invoke_agent",  # the append that sent the results
    ]
    _check_tool_spans([s for s in spans() if s.name.startswith("execute_tool")], capture)


def test_run_stream_gives_each_executed_tool_call_an_execute_tool_span(spans: Tracing) -> None:
    fake = FakeBackend().add_stream(tool_calls=CALLS).add_stream(["2 + 3 = 5"])
    with Client(backend=fake).beta.conversations.run_stream(
        model="m", inputs="2 + 3?", tools=[add, broken]
    ) as run:
        assert "".join(run.text_deltas()) == "2 + 3 = 5"
    _check_tool_spans([s for s in spans() if s.name.startswith("execute_tool")])
    assert [s.name for s in spans()].count("invoke_agent m") == 1


@pytest.mark.anyio
async def test_async_run_gives_each_executed_tool_call_an_execute_tool_span(
    spans: Tracing, anyio_backend: str
) -> None:
    async with AsyncClient(backend=_run_fake()) as client:
        result = await client.beta.conversations.run(model="m", inputs="2 + 3?", tools=[add, broken])
    assert result.text == "2 + 3 = 5"
    _check_tool_spans([s for s in spans() if s.name.startswith("execute_tool")])


def _runner_fake() -> FakeBackend:
    calls = [{"id": c["tool_call_id"], "name": c["name"], "arguments": c["arguments"]} for c in CALLS]
    return FakeBackend().add_response(tool_calls=calls).add_response("2 + 3 = 5")


def test_the_chat_tool_runners_tools_get_execute_tool_spans(spans: Tracing) -> None:
    runner = Client(backend=_runner_fake()).chat.tool_runner(
        model="m", messages=MESSAGES, tools=[add, broken]
    )
    assert runner.until_done().text == "2 + 3 = 5"
    assert [s.name for s in spans()].count("chat m") == 2
    _check_tool_spans([s for s in spans() if s.name.startswith("execute_tool")])


@pytest.mark.anyio
async def test_the_async_chat_tool_runners_tools_get_execute_tool_spans(
    spans: Tracing, anyio_backend: str
) -> None:
    runner = AsyncClient(backend=_runner_fake()).chat.tool_runner(
        model="m", messages=MESSAGES, tools=[add, broken]
    )
    assert (await runner.until_done()).text == "2 + 3 = 5"
    _check_tool_spans([s for s in spans() if s.name.startswith("execute_tool")])


def test_an_execute_tool_span_is_the_parent_of_what_the_tool_traces(spans: Tracing) -> None:
    app_tracer = spans.provider.get_tracer("app")

    @tool
    def lookup(city: str) -> str:
        """Look the weather up."""
        with app_tracer.start_as_current_span("weather service"):
            return "sunny"

    fake = FakeBackend().add_response(
        tool_calls=[{"tool_call_id": "w1", "name": "lookup", "arguments": {"city": "Paris"}}]
    )
    fake.add_response(text="Sunny.")
    Client(backend=fake).beta.conversations.run(model="m", inputs="Weather?", tools=[lookup])

    by_name = {span.name: span for span in spans()}
    inner, outer = by_name["weather service"], by_name["execute_tool lookup"]
    assert inner.parent is not None and outer.context is not None
    assert inner.parent.span_id == outer.context.span_id

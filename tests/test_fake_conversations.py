"""FakeBackend scripting the Agents and Conversations API, used the way a user's own tests would:
turns answered whole and streamed (the events the API sends), function calls, errors part-way,
``conversations.run`` driven entirely by the fake, ``agents.complete`` answered like chat, every
request recorded; and the offline example of docs/conversations.md, run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mistral_client import (
    APIConnectionError,
    AsyncClient,
    Client,
    ConversationResponseError,
    InternalServerError,
    tool,
)
from mistral_client.testing import FakeBackend
from mistral_client.types import UserMessageParam
from mistral_client.types.conversations import (
    FunctionCallEntry,
    FunctionCallEvent,
    FunctionResultEntry,
    MessageOutputEntry,
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseStartedEvent,
)

ROOT = Path(__file__).resolve().parent.parent
MESSAGES: list[UserMessageParam] = [{"role": "user", "content": "Weather in Paris?"}]


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


# --- whole turns ------------------------------------------------------------------------------------


def test_a_text_answers_start_append_and_restart_whole() -> None:
    fake = FakeBackend().add_response(text="Sunny.").add_response(text="Still sunny.")
    fake.add_response(text="Rainy.", usage={"prompt_tokens": 9, "completion_tokens": 1})
    conversations = Client(backend=fake).beta.conversations

    started = conversations.start(model="mistral-medium-latest", inputs="Weather in Paris?")
    appended = conversations.append(conversation_id=started.conversation_id, inputs="And tomorrow?")
    (entry,) = started.outputs
    assert isinstance(entry, MessageOutputEntry) and entry.id is not None
    restarted = conversations.restart(
        conversation_id=started.conversation_id, from_entry_id=entry.id, inputs="In Lyon?"
    )

    assert (started.text, appended.text, restarted.text) == ("Sunny.", "Still sunny.", "Rainy.")
    assert (entry.role, entry.content, entry.id) == ("assistant", "Sunny.", "fake-entry-1-0")
    # start and restart begin a conversation of their own; append goes on with the one it names.
    assert started.conversation_id == "fake-conversation-1"
    assert appended.conversation_id == "fake-conversation-1"
    assert restarted.conversation_id == "fake-conversation-3"
    # The usage: words counted (not a tokenizer), or what the test gave.
    assert (started.usage.prompt_tokens, started.usage.completion_tokens) == (3, 1)
    assert started.usage.total_tokens == 4
    assert (restarted.usage.prompt_tokens, restarted.usage.completion_tokens) == (9, 1)
    assert fake.pending == 0


def test_each_request_is_recorded_with_its_operation_body_and_path_parameters() -> None:
    fake = FakeBackend().add_response(text="a").add_response(text="b").add_stream(["c"])
    conversations = Client(backend=fake).beta.conversations

    conversations.start(model="m", inputs="hi", completion_args={"temperature": 0.1}, store=False)
    conversations.append(conversation_id="conv-7", inputs="more")
    with conversations.restart_stream(conversation_id="conv-7", from_entry_id="e-1", inputs="again") as s:
        s.get_final_response()

    start, append, restart = fake.requests
    assert start.operation == "beta.conversations.start"
    assert start.params == {
        "model": "m",
        "inputs": "hi",
        "completion_args": {"temperature": 0.1},
        "store": False,
    }
    assert start.model == "m"
    assert append.operation == "beta.conversations.append"
    assert append.params == {"conversation_id": "conv-7", "inputs": "more"}
    assert append.request.path_params == {"conversation_id": "conv-7"}
    assert restart.operation == "beta.conversations.restart_stream"
    assert restart.params["conversation_id"] == "conv-7"
    assert restart.params["from_entry_id"] == "e-1" and restart.params["stream"] is True


def test_tool_calls_answer_as_function_call_entries() -> None:
    fake = FakeBackend().add_response(
        text="Let me look.",
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris"}},
            # The chat form, with its own id and JSON text for arguments.
            {"id": "call-x", "function": {"name": "get_weather", "arguments": '{"city": "Nice"}'}},
        ],
    )
    response = Client(backend=fake).beta.conversations.start(model="m", inputs="Weather?")

    message, first, second = response.outputs
    assert isinstance(message, MessageOutputEntry) and message.content == "Let me look."
    assert isinstance(first, FunctionCallEntry) and isinstance(second, FunctionCallEntry)
    assert (first.type, first.name, first.tool_call_id) == ("function.call", "get_weather", "call_0")
    assert json.loads(str(first.arguments)) == {"city": "Paris"}
    assert (second.tool_call_id, second.arguments) == ("call-x", '{"city": "Nice"}')


def test_a_body_with_only_outputs_is_filled_in() -> None:
    given = {"type": "message.output", "role": "assistant", "content": "Sunny."}
    fake = FakeBackend().add_response({"outputs": [given]})
    response = Client(backend=fake).beta.conversations.start(model="m", inputs="Weather?")

    assert response.text == "Sunny."
    assert response.conversation_id == "fake-conversation-1"
    (entry,) = response.outputs
    assert isinstance(entry, MessageOutputEntry) and entry.id == "fake-entry-1-0"
    assert response.usage.completion_tokens == 1


# --- streamed turns ---------------------------------------------------------------------------------


def test_a_stream_answers_with_the_events_the_api_sends() -> None:
    fake = FakeBackend().add_stream(
        ["Sun", "ny ", "today."], usage={"prompt_tokens": 4, "completion_tokens": 2}
    )
    conversations = Client(backend=fake).beta.conversations

    with conversations.start_stream(model="m", inputs="Weather?") as stream:
        events = list(stream)

    started, *deltas, done = events
    assert isinstance(started, ResponseStartedEvent)
    assert started.conversation_id == "fake-conversation-1"
    messages = [event for event in deltas if isinstance(event, MessageOutputEvent)]
    assert len(messages) == len(deltas) == 3
    assert [event.content for event in messages] == ["Sun", "ny ", "today."]
    assert {(event.output_index, event.id) for event in messages} == {(0, "fake-entry-1-0")}
    assert isinstance(done, ResponseDoneEvent)
    assert (done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.total_tokens) == (4, 2, 6)
    assert fake.requests[0].operation == "beta.conversations.start_stream"


def test_text_deltas_and_the_final_response_of_a_streamed_append() -> None:
    fake = FakeBackend().add_stream(["Still ", "sunny."]).add_stream(["Rain."])
    conversations = Client(backend=fake).beta.conversations

    with conversations.append_stream(conversation_id="conv-7", inputs="And tomorrow?") as stream:
        assert list(stream.text_deltas()) == ["Still ", "sunny."]
        final = stream.get_final_response()
    assert final.text == "Still sunny."
    assert final.conversation_id == "conv-7"  # append goes on with the conversation it names
    assert final.usage.completion_tokens == 2
    with conversations.restart_stream(conversation_id="conv-7", from_entry_id="e-1", inputs="x") as stream:
        assert stream.get_final_response().conversation_id == "fake-conversation-2"


def test_a_whole_answer_to_a_stream_is_streamed_and_a_stream_answering_a_whole_call_is_merged() -> None:
    fake = FakeBackend().add_response(text="Sunny.", tool_calls=[{"name": "get_weather", "arguments": {}}])
    fake.add_stream(["Sun", "ny."])
    conversations = Client(backend=fake).beta.conversations

    with conversations.start_stream(model="m", inputs="Weather?") as stream:
        types = [event.type for event in stream]
    assert types == [
        "conversation.response.started",
        "message.output.delta",
        "function.call.delta",
        "function.call.delta",
        "conversation.response.done",
    ]
    merged = conversations.start(model="m", inputs="Weather?")
    assert merged.text == "Sunny." and merged.conversation_id == "fake-conversation-2"


def test_streamed_tool_calls_come_in_pieces_that_the_final_response_joins() -> None:
    arguments = {"city": "Paris", "unit": "celsius"}
    fake = FakeBackend().add_stream(
        ["Let me look."], tool_calls=[{"tool_call_id": "c1", "name": "get_weather", "arguments": arguments}]
    )
    with Client(backend=fake).beta.conversations.start_stream(model="m", inputs="Weather?") as stream:
        events = list(stream)
        final = stream.get_final_response()

    calls = [event for event in events if isinstance(event, FunctionCallEvent)]
    assert len(calls) == 2  # the arguments in two pieces, so code that joins them is exercised
    assert {(c.name, c.tool_call_id, c.output_index) for c in calls} == {("get_weather", "c1", 1)}
    pieces = [c.arguments for c in calls]
    assert all(pieces) and json.loads("".join(pieces)) == arguments
    message, call = final.outputs
    assert isinstance(message, MessageOutputEntry) and message.content == "Let me look."
    assert isinstance(call, FunctionCallEntry)
    assert (call.name, call.tool_call_id) == ("get_weather", "c1")
    assert json.loads(str(call.arguments)) == arguments


def test_an_error_part_way_comes_after_the_events_before_it() -> None:
    fake = FakeBackend().add_stream(["Sun", "ny"], error=APIConnectionError("connection dropped"))
    fake.add_stream(["Sun", {"type": "conversation.response.error", "message": "overloaded", "code": 3000}])
    fake.add_error(503)
    conversations = Client(backend=fake).beta.conversations

    seen: list[str] = []
    with pytest.raises(APIConnectionError), conversations.start_stream(model="m", inputs="x") as stream:
        for text in stream.text_deltas():
            seen.append(text)
    assert seen == ["Sun", "ny"]

    seen = []
    with (
        pytest.raises(ConversationResponseError) as info,
        conversations.start_stream(model="m", inputs="x") as stream,
    ):
        for text in stream.text_deltas():
            seen.append(text)
    assert seen == ["Sun"]
    assert (info.value.code, info.value.error_message) == (3000, "overloaded")

    # Before any event: the stream does not open.
    with pytest.raises(InternalServerError), conversations.start_stream(model="m", inputs="x"):
        pass


@pytest.mark.anyio
async def test_async_turns_whole_and_streamed(anyio_backend: str) -> None:
    fake = FakeBackend().add_response(text="Sunny.").add_stream(["Still ", "sunny."])
    fake.add_stream(["a"], error=ConversationResponseError("bad", code=1))
    async with AsyncClient(backend=fake) as client:
        conversations = client.beta.conversations
        started = await conversations.start(model="m", inputs="Weather?")
        async with conversations.append_stream(
            conversation_id=started.conversation_id, inputs="And tomorrow?"
        ) as stream:
            assert [text async for text in stream.text_deltas()] == ["Still ", "sunny."]
            final = await stream.get_final_response()
        with pytest.raises(ConversationResponseError):
            async with conversations.start_stream(model="m", inputs="x") as stream:
                async for _ in stream:
                    pass
    assert started.text == "Sunny."
    assert final.text == "Still sunny." and final.conversation_id == started.conversation_id
    assert [r.operation for r in fake.requests] == [
        "beta.conversations.start",
        "beta.conversations.append_stream",
        "beta.conversations.start_stream",
    ]


# --- conversations.run, all from the fake -----------------------------------------------------------


def _tool_then_text() -> FakeBackend:
    fake = FakeBackend()
    fake.add_response(
        tool_calls=[{"tool_call_id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}]
    )
    fake.add_response(text="It is sunny in Paris.")
    return fake


def _check_run(fake: FakeBackend, result: Any) -> None:
    assert result.text == "It is sunny in Paris."
    assert result.turns == 2 and result.conversation_id == "fake-conversation-1"
    assert [entry.type for entry in result.entries] == ["function.call", "function.result", "message.output"]
    first, second = fake.requests
    assert first.operation == "beta.conversations.start"
    assert first.params["tools"][0]["function"]["name"] == "get_weather"
    # The second turn sends the function's result to the conversation the first one started.
    assert second.operation == "beta.conversations.append"
    assert second.params["conversation_id"] == "fake-conversation-1"
    assert second.params["inputs"] == [
        {"type": "function.result", "tool_call_id": "c1", "result": "sunny in Paris"}
    ]
    result_entry = result.entries[1]
    assert isinstance(result_entry, FunctionResultEntry) and result_entry.result == "sunny in Paris"


def test_run_is_driven_entirely_by_the_fake() -> None:
    fake = _tool_then_text()
    result = Client(backend=fake).beta.conversations.run(model="m", inputs="Weather?", tools=[get_weather])
    _check_run(fake, result)


def test_run_stream_is_driven_entirely_by_the_fake() -> None:
    fake = _tool_then_text()
    with Client(backend=fake).beta.conversations.run_stream(
        model="m", inputs="Weather?", tools=[get_weather]
    ) as run:
        assert "".join(run.text_deltas()) == "It is sunny in Paris."
    first, second = fake.requests
    assert (first.operation, second.operation) == (
        "beta.conversations.start_stream",
        "beta.conversations.append_stream",
    )
    assert second.params["inputs"] == [
        {"type": "function.result", "tool_call_id": "c1", "result": "sunny in Paris"}
    ]


@pytest.mark.anyio
async def test_async_run_is_driven_entirely_by_the_fake(anyio_backend: str) -> None:
    fake = _tool_then_text()
    async with AsyncClient(backend=fake) as client:
        result = await client.beta.conversations.run(model="m", inputs="Weather?", tools=[get_weather])
    _check_run(fake, result)


# --- agents -----------------------------------------------------------------------------------------


def test_agents_complete_is_answered_like_chat() -> None:
    fake = FakeBackend().add_response("Sunny.", usage={"prompt_tokens": 5, "completion_tokens": 1})
    fake.add_response(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    fake.add_stream(["Sun", "ny."])
    agents = Client(backend=fake).agents

    answer = agents.complete(agent_id="ag-weather", messages=MESSAGES)
    called = agents.complete(agent_id="ag-weather", messages=MESSAGES)
    with agents.stream(agent_id="ag-weather", messages=MESSAGES) as stream:
        streamed = list(stream.text_deltas())

    assert answer.text == "Sunny." and answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.total_tokens == 6
    (call,) = called.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather" and json.loads(str(call.function.arguments)) == {
        "city": "Paris"
    }
    assert called.choices[0].finish_reason == "tool_calls"
    assert streamed == ["Sun", "ny."]
    complete, _, stream_request = fake.requests
    assert complete.operation == "agents.complete" and stream_request.operation == "agents.stream"
    assert complete.params["agent_id"] == "ag-weather"
    assert complete.messages == [{"role": "user", "content": "Weather in Paris?"}]


# --- the example in docs/conversations.md -----------------------------------------------------------


def _offline_example() -> str:
    """The ```python block of the page's "Offline" section: the one that scripts a FakeBackend."""
    page = (ROOT / "docs" / "conversations.md").read_text(encoding="utf-8")
    section = page.split("\n## Offline\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, flags=re.S | re.M)
    (block,) = [str(b) for b in blocks if "FakeBackend" in b]
    return block


def test_the_offline_example_of_the_conversations_page_runs() -> None:
    source = _offline_example()
    assert "assert result.text" in source  # its own asserts are what this test checks
    namespace: dict[str, Any] = {"__name__": "docs_conversations_offline"}
    exec(compile(source, "docs/conversations.md (Offline)", "exec"), namespace)
    fake = namespace["fake"]
    assert isinstance(fake, FakeBackend)
    assert [r.operation for r in fake.requests] == ["beta.conversations.start", "beta.conversations.append"]
    assert fake.pending == 0

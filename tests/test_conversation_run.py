"""beta.conversations.run / run_stream against a loopback server: local tools (sync and async) run
between the turns, failures reported to the model, built-in tools passed through, the limit."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from mistral_client import AsyncClient, Client, InvalidRequestError, MaxToolIterationsError, tool
from mistral_client.types.conversations import (
    FunctionCallEntry,
    FunctionResultEntry,
    MessageOutputEntry,
    ResponseDoneEvent,
    ToolExecutionEntry,
)

from .conversations_server import ConversationScript, function_call, message, streamed, tool_execution, turn
from .loopback import LoopbackServer

Serve = Callable[[Any], LoopbackServer]


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


#: (start, end) of each slow tool's run, to tell whether they overlapped.
SPANS: list[tuple[float, float]] = []


@tool
async def slow_double(x: int) -> int:
    """Double x, slowly."""
    started = time.perf_counter()
    await anyio.sleep(0.2)
    SPANS.append((started, time.perf_counter()))
    return 2 * x


@tool
def slow_triple(x: int) -> int:
    """Triple x, slowly (a sync tool: the async run gives it a worker thread)."""
    started = time.perf_counter()
    time.sleep(0.2)
    SPANS.append((started, time.perf_counter()))
    return 3 * x


@tool
def broken(x: int) -> int:
    """Always fails."""
    raise RuntimeError("the service is down")


def _client(serve: Serve, *answers: Any) -> tuple[Client, ConversationScript]:
    script = ConversationScript(list(answers))
    return Client(api_key="k", base_url=serve(script).url, max_retries=0), script


def _results(body: dict[str, Any]) -> dict[str, str]:
    return {entry["tool_call_id"]: entry["result"] for entry in body["inputs"]}


def test_run_executes_local_tools_and_passes_built_in_ones_through(serve: Serve) -> None:
    client, script = _client(
        serve,
        turn(tool_execution(), function_call("add", {"a": 2, "b": 3}, "c1")),
        turn(message("2 + 3 = 5")),
    )
    result = client.beta.conversations.run(
        inputs="What is 2 + 3?", model="mistral-medium-latest", tools=[add, {"type": "web_search"}]
    )
    assert result.text == "2 + 3 = 5" and result.conversation_id == "conv-1" and result.turns == 2
    assert [type(e) for e in result.entries] == [
        ToolExecutionEntry,
        FunctionCallEntry,
        FunctionResultEntry,
        MessageOutputEntry,
    ]
    assert result.usage.total_tokens == 10  # both turns
    start, append = script.sent
    assert start.path == "/v1/conversations"
    assert start.body["tools"] == [add.definition, {"type": "web_search"}]
    assert append.path == "/v1/conversations/conv-1"
    assert append.body == {"inputs": [{"type": "function.result", "tool_call_id": "c1", "result": "5"}]}


def test_failures_are_reported_to_the_model_as_the_result(serve: Serve) -> None:
    calls = [
        function_call("broken", {"x": 1}, "c1"),
        function_call("add", {"a": "two"}, "c2"),
        function_call("teleport", {}, "c3"),
        function_call("lookup", {}, "c4"),
        function_call("add", "not json", "c5"),
    ]
    client, script = _client(serve, turn(*calls), turn(message("Sorry.")))
    lookup = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    result = client.beta.conversations.run(inputs="go", model="m", tools=[add, broken, lookup])
    assert result.text == "Sorry."
    results = _results(script.bodies[1])
    assert results["c1"] == "error: RuntimeError: the service is down"
    assert results["c2"].startswith("error: invalid arguments for add: a: ")
    assert results["c3"] == "error: unknown tool 'teleport'; available tools: add, broken"
    assert "given as a definition only" in results["c4"]
    assert results["c5"].startswith("error: invalid arguments for add")


def test_a_sync_run_runs_async_tools(serve: Serve) -> None:
    client, script = _client(serve, turn(function_call("slow_double", {"x": 4}, "c1")), turn(message("8")))
    assert client.beta.conversations.run(inputs="x", model="m", tools=[slow_double]).text == "8"
    assert _results(script.bodies[1]) == {"c1": "8"}


def test_the_iteration_limit(serve: Serve) -> None:
    again = turn(function_call("add", {"a": 1, "b": 1}, "c1"))
    client, script = _client(serve, again, again, again)
    with pytest.raises(MaxToolIterationsError) as info:
        client.beta.conversations.run(inputs="loop", model="m", tools=[add], max_iterations=2)
    assert len(script.sent) == 2
    assert info.value.conversation_id == "conv-1"
    # As with the chat runner, the last turn's calls ran: their results are the entries to append.
    assert [e.type for e in info.value.messages] == ["function.call", "function.result"] * 2


def test_with_an_agent_the_tools_are_the_functions_only(serve: Serve) -> None:
    client, script = _client(serve, turn(function_call("add", {"a": 1, "b": 2}, "c1")), turn(message("3")))
    assert client.beta.conversations.run(inputs="1+2", agent_id="ag-1", tools=[add]).text == "3"
    assert script.bodies[0] == {"inputs": "1+2", "agent_id": "ag-1"}  # the agent's definition has the tools
    with pytest.raises(InvalidRequestError, match="with agent_id"):
        client.beta.conversations.run(inputs="x", agent_id="ag-1", tools=[add, {"type": "web_search"}])


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"inputs": "x", "model": "m", "max_iterations": 0}, "max_iterations"),
        ({"inputs": "x", "model": "m", "agent_id": "a"}, "both given"),
        ({"model": "m"}, "inputs"),
        ({"inputs": "x", "model": "m", "tools": [{"type": "teleport"}]}, "tools"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(serve: Serve, fields: dict[str, Any], match: str) -> None:
    client, script = _client(serve)
    with pytest.raises(InvalidRequestError, match=match):
        client.beta.conversations.run(**fields)
    with pytest.raises(InvalidRequestError, match=match):
        client.beta.conversations.run_stream(**fields)
    assert script.sent == []


@pytest.mark.anyio
async def test_an_async_run_runs_a_turns_calls_concurrently(serve: Serve, anyio_backend: str) -> None:
    calls = [function_call("slow_double", {"x": 2}, "c1"), function_call("slow_triple", {"x": 2}, "c2")]
    script = ConversationScript([turn(*calls), turn(message("4 and 6"))])
    SPANS.clear()
    async with AsyncClient(api_key="k", base_url=serve(script).url) as client:
        result = await client.beta.conversations.run(
            inputs="go", model="m", tools=[slow_double, slow_triple, broken]
        )
    assert result.text == "4 and 6"
    assert _results(script.bodies[1]) == {"c1": "4", "c2": "6"}
    (start_a, end_a), (start_b, end_b) = SPANS
    assert max(start_a, start_b) < min(end_a, end_b)  # the two tools ran side by side


@pytest.mark.anyio
async def test_an_async_run_reports_failures_and_stops_at_the_limit(serve: Serve, anyio_backend: str) -> None:
    again = turn(function_call("broken", {"x": 1}, "c1"))
    script = ConversationScript([again, again])
    async with AsyncClient(api_key="k", base_url=serve(script).url) as client:
        with pytest.raises(MaxToolIterationsError):
            await client.beta.conversations.run(inputs="go", model="m", tools=[broken], max_iterations=2)
    assert _results(script.bodies[1]) == {"c1": "error: RuntimeError: the service is down"}


# --- run_stream ------------------------------------------------------------------------------------


def test_run_stream_yields_every_turn_and_the_results_between(serve: Serve) -> None:
    first = streamed("Let me add.", calls=[("add", json.dumps({"a": 20, "b": 22}), "c1")])
    second = streamed("It is ", "42.")
    client, script = _client(serve, first, second)
    with client.beta.conversations.run_stream(inputs="20+22?", model="m", tools=[add]) as run:
        events = list(run)
        result = run.get_final_result()
    kinds = [event.type for event in events]
    assert (
        kinds.count("conversation.response.started") == 2 and kinds.count("conversation.response.done") == 2
    )
    (entry,) = [event for event in events if isinstance(event, FunctionResultEntry)]
    assert (entry.tool_call_id, entry.result) == ("c1", "42")
    assert kinds.index("function.result") == kinds.index("conversation.response.done") + 1
    assert result.text == "It is 42." and result.turns == 2 and run.conversation_id == "conv-1"
    assert script.bodies[0]["stream"] is True and script.bodies[1]["stream"] is True
    assert script.sent[1].path == "/v1/conversations/conv-1"
    assert [e.type for e in result.entries] == [
        "message.output",
        "function.call",
        "function.result",
        "message.output",
    ]
    assert isinstance(events[-1], ResponseDoneEvent)


def test_run_stream_text_deltas_and_closing_early(serve: Serve) -> None:
    first = streamed(calls=[("add", '{"a": 1, "b": 1}', "c1")])
    client, script = _client(serve, first, streamed("two"))
    run = client.beta.conversations.run_stream(inputs="1+1", model="m", tools=[add])
    assert list(run.text_deltas()) == ["two"]
    early = client.beta.conversations.run_stream(inputs="1+1", model="m", tools=[add])
    early.close()
    assert list(early) == []
    with pytest.raises(Exception, match="closed before it ended"):
        early.get_final_result()
    assert len(script.sent) == 2


@pytest.mark.anyio
async def test_async_run_stream(serve: Serve, anyio_backend: str) -> None:
    first = streamed(calls=[("slow_double", '{"x": 5}', "c1"), ("slow_triple", '{"x": 5}', "c2")])
    script = ConversationScript([first, streamed("10, 15")])
    client = AsyncClient(api_key="k", base_url=serve(script).url)
    async with (
        client,
        client.beta.conversations.run_stream(inputs="go", model="m", tools=[slow_double, slow_triple]) as run,
    ):
        results = [e async for e in run if isinstance(e, FunctionResultEntry)]
        final = await run.get_final_result()
    assert [(r.tool_call_id, r.result) for r in results] == [("c1", "10"), ("c2", "15")]
    assert final.text == "10, 15"

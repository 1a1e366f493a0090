"""client.agents (agent completions) and client.beta.agents (agents, versions, aliases), against a
loopback server; every body sent is checked against the spec's schema (conftest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mistral_client import AsyncClient, Client, InvalidRequestError, NotFoundError, RetryPolicy, tool
from mistral_client.types.agents import Agent, UnknownTool
from mistral_client.types.chat import Tool, WebSearchTool

from .conversations_server import ConversationScript, agent
from .loopback import LoopbackServer, chat_response, chunk_event

Serve = Callable[[Any], LoopbackServer]
MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]
FAST_RETRIES = RetryPolicy(initial_delay=0.01, max_delay=0.02)


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def _query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


def test_complete_sends_the_agent_and_retries_like_chat(serve: Serve) -> None:
    script = ConversationScript([503, chat_response("Sunny.")])
    server = serve(script)
    client = Client(api_key="k", base_url=server.url, retry_policy=FAST_RETRIES)
    response = client.agents.complete(agent_id="ag-1", messages=MESSAGES, max_tokens=20, tools=[get_weather])
    assert response.text == "Sunny."
    assert [sent.path for sent in script.sent] == ["/v1/agents/completions"] * 2  # the 503 was retried
    body = script.bodies[-1]
    assert body["agent_id"] == "ag-1" and body["max_tokens"] == 20
    assert body["tools"][0]["function"]["name"] == "get_weather"  # the @tool as its definition
    assert "model" not in body and "stream" not in body


def test_complete_validates_before_sending(serve: Serve) -> None:
    script = ConversationScript([])
    client = Client(api_key="k", base_url=serve(script).url)
    with pytest.raises(InvalidRequestError, match="agent_id"):
        client.agents.complete(messages=MESSAGES)  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="temperature: unknown parameter"):
        client.agents.complete(agent_id="a", messages=MESSAGES, temperature=0.2)  # type: ignore[call-arg]
    assert script.sent == []


def test_stream_and_its_raw_form(serve: Serve) -> None:
    events = [chunk_event(role="assistant", content=""), chunk_event("Sun"), chunk_event("ny")]
    events += [chunk_event("", finish_reason="stop"), b"data: [DONE]\n\n"]
    script = ConversationScript([events, events])
    client = Client(api_key="k", base_url=serve(script).url)
    with client.agents.stream(agent_id="ag-1", messages=MESSAGES) as stream:
        assert list(stream.text_deltas()) == ["Sun", "ny"]
        assert stream.get_final_response().text == "Sunny"
    assert script.bodies[0]["stream"] is True
    raw = client.agents.with_raw_response.stream(agent_id="ag-1", messages=MESSAGES)
    assert raw.status_code == 200
    assert raw.parse().get_final_response().text == "Sunny"


@pytest.mark.anyio
async def test_async_complete_and_stream(serve: Serve) -> None:
    events = [
        chunk_event(role="assistant", content=""),
        chunk_event("Hi"),
        chunk_event("", finish_reason="stop"),
    ]
    script = ConversationScript([chat_response("Bonjour"), [*events, b"data: [DONE]\n\n"]])
    async with AsyncClient(api_key="k", base_url=serve(script).url) as client:
        assert (await client.agents.complete(agent_id="a", messages=MESSAGES)).text == "Bonjour"
        chunks = [chunk async for chunk in client.agents.stream(agent_id="a", messages=MESSAGES)]
    assert len(chunks) == 3


def test_create_with_tools_of_every_kind(serve: Serve) -> None:
    script = ConversationScript([agent()])
    client = Client(api_key="k", base_url=serve(script).url)
    created = client.beta.agents.create(
        model="mistral-medium-latest",
        name="Weather",
        instructions="Answer about the weather.",
        tools=[get_weather, {"type": "web_search"}, {"type": "document_library", "library_ids": ["lib-1"]}],
        completion_args={"temperature": 0.3},
        handoffs=["ag-2"],
    )
    assert isinstance(created, Agent) and created.id == "ag-1" and created.version == 1
    assert created.request_id is None or isinstance(created.request_id, str)
    (sent,) = script.sent
    assert (sent.method, sent.path) == ("POST", "/v1/agents")
    assert [t["type"] for t in sent.body["tools"]] == ["function", "web_search", "document_library"]
    assert sent.body["tools"][0]["function"]["name"] == "get_weather"
    assert sent.body["completion_args"] == {"temperature": 0.3}


def test_create_refuses_what_the_spec_does(serve: Serve) -> None:
    script = ConversationScript([])
    client = Client(api_key="k", base_url=serve(script).url)
    with pytest.raises(InvalidRequestError, match="name"):
        client.beta.agents.create(model="m")  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match=r"completion_args\.temperature"):
        client.beta.agents.create(model="m", name="n", completion_args={"temperature": 1.2})  # 0 to 1 here
    with pytest.raises(InvalidRequestError, match=r"tools\.0"):
        client.beta.agents.create(model="m", name="n", tools=[{"type": "teleport"}])
    with pytest.raises(InvalidRequestError, match="alias"):
        client.beta.agents.create_version_alias(agent_id="a", alias="Not An Alias", version=1)
    assert script.sent == []


def test_unknown_tool_types_are_kept_not_rejected(serve: Serve) -> None:
    tools = [
        {"type": "web_search"},
        {"type": "teleport", "range_km": 40},
        {"type": "function", "function": {"name": "f", "parameters": {}}},
    ]
    script = ConversationScript([agent(tools=tools), [agent(tools=tools)]])
    client = Client(api_key="k", base_url=serve(script).url)
    fetched = client.beta.agents.get(agent_id="ag-1", agent_version=1)
    assert [type(t) for t in fetched.tools] == [WebSearchTool, UnknownTool, Tool]
    unknown = fetched.tools[1]
    assert unknown.type == "teleport" and unknown.model_extra == {"range_km": 40}
    assert _query(script.sent[0].path) == {"agent_version": ["1"]}
    # Sending an unknown tool back is refused before anything goes out.
    with pytest.raises(InvalidRequestError, match="tools"):
        client.beta.agents.update(agent_id="ag-1", tools=fetched.tools)
    assert len(script.sent) == 1


def test_the_crud_methods_send_what_the_spec_says(serve: Serve) -> None:
    alias = {
        "alias": "prod",
        "version": 2,
        "created_at": "2025-05-01T10:00:00Z",
        "updated_at": "2025-05-01T10:00:00Z",
    }
    script = ConversationScript(
        [
            [agent(), agent("ag-2")],  # list
            agent(version=2),  # update
            agent(version=1),  # update_version
            [agent(version=0), agent(version=1)],  # list_versions
            agent(version=1),  # get_version
            alias,  # create_version_alias
            [alias],  # list_version_aliases
            204,  # delete_version_alias
            204,  # delete
        ]
    )
    client = Client(api_key="k", base_url=serve(script).url)
    agents = client.beta.agents
    listed = agents.list(page=0, page_size=2, sources=["api"], metadata={"team": "a"}, deployment_chat=False)
    assert [a.id for a in listed] == ["ag-1", "ag-2"]
    assert agents.update(agent_id="ag-1", instructions="Be brief.", tools=[get_weather]).version == 2
    assert agents.update_version(agent_id="ag-1", version=1).version == 1
    assert len(agents.list_versions(agent_id="ag-1", page_size=10)) == 2
    assert agents.get_version(agent_id="ag-1", version=1).version == 1
    assert agents.create_version_alias(agent_id="ag-1", alias="prod", version=2).alias == "prod"
    assert agents.list_version_aliases(agent_id="ag-1")[0].version == 2
    assert agents.delete_version_alias(agent_id="ag-1", alias="prod") is None
    assert agents.delete(agent_id="ag-1") is None

    sent = [(s.method, urlsplit(s.path).path) for s in script.sent]
    assert sent == [
        ("GET", "/v1/agents"),
        ("PATCH", "/v1/agents/ag-1"),
        ("PATCH", "/v1/agents/ag-1/version"),
        ("GET", "/v1/agents/ag-1/versions"),
        ("GET", "/v1/agents/ag-1/versions/1"),
        ("PUT", "/v1/agents/ag-1/aliases"),
        ("GET", "/v1/agents/ag-1/aliases"),
        ("DELETE", "/v1/agents/ag-1/aliases"),
        ("DELETE", "/v1/agents/ag-1"),
    ]
    assert _query(script.sent[0].path) == {
        "page": ["0"],
        "page_size": ["2"],
        "deployment_chat": ["false"],
        "sources": ["api"],
        "metadata": [json.dumps({"team": "a"}, separators=(",", ":"))],
    }
    assert script.bodies[1] == {"instructions": "Be brief.", "tools": [get_weather.definition]}
    assert _query(script.sent[2].path) == {"version": ["1"]}
    assert _query(script.sent[5].path) == {"alias": ["prod"], "version": ["2"]}
    assert _query(script.sent[7].path) == {"alias": ["prod"]}


def test_raw_responses_and_errors(serve: Serve) -> None:
    script = ConversationScript([agent()])
    client = Client(api_key="k", base_url=serve(script).url)
    raw = client.beta.agents.with_raw_response.get(agent_id="ag-1")
    assert raw.status_code == 200 and raw.parse().id == "ag-1"

    def missing(request: Any, conn: Any) -> None:
        conn.respond_json(404, {"message": "no such agent"}, {"x-request-id": "req-404"})

    other = Client(api_key="k", base_url=serve(missing).url)
    with pytest.raises(NotFoundError) as info:
        other.beta.agents.get(agent_id="nope")
    assert info.value.request_id == "req-404"


@pytest.mark.anyio
async def test_async_crud(serve: Serve) -> None:
    script = ConversationScript([agent(), [agent()], 204])
    async with AsyncClient(api_key="k", base_url=serve(script).url) as client:
        assert (await client.beta.agents.create(model="m", name="n")).id == "ag-1"
        assert len(await client.beta.agents.list()) == 1
        assert await client.beta.agents.delete(agent_id="ag-1") is None

"""The Agents API's operations: agent completions (``client.agents``) and agents themselves, their
versions and aliases (``client.beta.agents``)."""

from __future__ import annotations

from functools import cache

import pydantic

from ..types.agents import (
    Agent,
    AgentAliasQuery,
    AgentAliasResponse,
    AgentsCompletionRequest,
    AgentVersionQuery,
    CreateAgentRequest,
    DeleteAgentAliasQuery,
    GetAgentQuery,
    ListAgentsQuery,
    ListAgentVersionsQuery,
    UpdateAgentRequest,
)
from ..types.chat import ChatCompletionResponse, CompletionChunk
from ._record import Endpoint
from .chat import parse_chunk, tool_definitions

_AGENT = "/v1/agents/{agent_id}"


@cache
def _agents_adapter() -> pydantic.TypeAdapter[list[Agent]]:
    return pydantic.TypeAdapter(list[Agent])


@cache
def _aliases_adapter() -> pydantic.TypeAdapter[list[AgentAliasResponse]]:
    return pydantic.TypeAdapter(list[AgentAliasResponse])


def parse_agents(data: str | bytes) -> list[Agent]:
    return _agents_adapter().validate_json(data)


def parse_aliases(data: str | bytes) -> list[AgentAliasResponse]:
    return _aliases_adapter().validate_json(data)


def no_content(data: str | bytes) -> None:
    """A 204 No Content answer (any body a server sends along is not part of the spec)."""
    return None


AGENTS_COMPLETE: Endpoint[ChatCompletionResponse] = Endpoint(
    "agents.complete",
    "POST",
    "/v1/agents/completions",
    ChatCompletionResponse.model_validate_json,
    body=AgentsCompletionRequest,
    span="invoke_agent",
    prepare=tool_definitions,
)
AGENTS_STREAM: Endpoint[CompletionChunk] = Endpoint(
    "agents.stream",
    "POST",
    "/v1/agents/completions",
    parse_chunk,
    body=AgentsCompletionRequest,
    stream=True,
    span="invoke_agent",
    whole=AGENTS_COMPLETE,
    prepare=tool_definitions,
)

AGENTS_CREATE: Endpoint[Agent] = Endpoint(
    "beta.agents.create",
    "POST",
    "/v1/agents",
    Agent.model_validate_json,
    body=CreateAgentRequest,
    span="create_agent",
    prepare=tool_definitions,
)
AGENTS_LIST: Endpoint[list[Agent]] = Endpoint(
    "beta.agents.list", "GET", "/v1/agents", parse_agents, query=ListAgentsQuery
)
AGENTS_GET: Endpoint[Agent] = Endpoint(
    "beta.agents.get", "GET", _AGENT, Agent.model_validate_json, query=GetAgentQuery
)
AGENTS_UPDATE: Endpoint[Agent] = Endpoint(
    "beta.agents.update",
    "PATCH",
    _AGENT,
    Agent.model_validate_json,
    body=UpdateAgentRequest,
    prepare=tool_definitions,
)
AGENTS_DELETE: Endpoint[None] = Endpoint("beta.agents.delete", "DELETE", _AGENT, no_content)
AGENTS_UPDATE_VERSION: Endpoint[Agent] = Endpoint(
    "beta.agents.update_version",
    "PATCH",
    f"{_AGENT}/version",
    Agent.model_validate_json,
    query=AgentVersionQuery,
)
AGENTS_LIST_VERSIONS: Endpoint[list[Agent]] = Endpoint(
    "beta.agents.list_versions", "GET", f"{_AGENT}/versions", parse_agents, query=ListAgentVersionsQuery
)
AGENTS_GET_VERSION: Endpoint[Agent] = Endpoint(
    "beta.agents.get_version", "GET", f"{_AGENT}/versions/{{version}}", Agent.model_validate_json
)
AGENTS_CREATE_VERSION_ALIAS: Endpoint[AgentAliasResponse] = Endpoint(
    "beta.agents.create_version_alias",
    "PUT",
    f"{_AGENT}/aliases",
    AgentAliasResponse.model_validate_json,
    query=AgentAliasQuery,
)
AGENTS_LIST_VERSION_ALIASES: Endpoint[list[AgentAliasResponse]] = Endpoint(
    "beta.agents.list_version_aliases", "GET", f"{_AGENT}/aliases", parse_aliases
)
AGENTS_DELETE_VERSION_ALIAS: Endpoint[None] = Endpoint(
    "beta.agents.delete_version_alias", "DELETE", f"{_AGENT}/aliases", no_content, query=DeleteAgentAliasQuery
)

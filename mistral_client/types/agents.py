"""Agents types: the agent, its tools and completion arguments, and the Agents API's requests.

An agent's ``tools`` are a union by ``type`` (function, web search, code interpreter, image
generation, document library, connector); a tool type this SDK does not know yet parses into
:class:`UnknownTool` instead of failing the response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, StrictStr, Tag

from ._base import MistralModel, QueryModel, ResponseModel
from ._unknown import Unrecognized, tagger
from .chat import (
    AnyTool,
    CodeInterpreterTool,
    CustomConnector,
    DocumentLibraryTool,
    ImageGenerationTool,
    Message,
    Prediction,
    ResponseFormat,
    Tool,
    ToolChoice,
    ToolChoiceEnum,
    WebSearchPremiumTool,
    WebSearchTool,
)
from .requests import GuardrailConfig, NonNegativeInt, Penalty, PositiveInt, Stop, _Request

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
#: Where an agent was made (``Agent.source``; an open enum).
RequestSource = Union[Literal["api", "playground", "agent_builder_v1"], str]
#: An agent version: its number, or an alias.
AgentVersion = Union[int, str]


#: Built on first use, not at import: most programs never touch these types.
_DEFERRED = ConfigDict(defer_build=True)

# --- tools -----------------------------------------------------------------------------------------


class UnknownTool(Unrecognized):
    """A tool of a type this SDK does not know yet (the whole tool is in ``model_extra``)."""


_TOOL_TAGS = (
    "function",
    "web_search",
    "web_search_premium",
    "code_interpreter",
    "image_generation",
    "document_library",
    "connector",
)

#: A tool of an agent or a conversation, by ``type``; unknown types kept as :class:`UnknownTool`.
AgentTool = Annotated[
    Annotated[Tool, Tag("function")]
    | Annotated[WebSearchTool, Tag("web_search")]
    | Annotated[WebSearchPremiumTool, Tag("web_search_premium")]
    | Annotated[CodeInterpreterTool, Tag("code_interpreter")]
    | Annotated[ImageGenerationTool, Tag("image_generation")]
    | Annotated[DocumentLibraryTool, Tag("document_library")]
    | Annotated[CustomConnector, Tag("connector")]
    | Annotated[UnknownTool, Tag("unknown")],
    Discriminator(tagger(_TOOL_TAGS, ((("function",), "function"),))),
]

# --- completion arguments ------------------------------------------------------------------------

#: Conversations and agents take a temperature and top_p from 0 to 1 (chat: temperature to 1.5).
UnitFloat = Annotated[float, Field(ge=0, le=1, strict=True)]


class CompletionArgs(MistralModel):
    """The completion arguments an agent or a conversation generates with."""

    model_config = _DEFERRED
    stop: Stop | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    temperature: UnitFloat | None = None
    top_p: UnitFloat | None = None
    max_tokens: NonNegativeInt | None = None
    random_seed: NonNegativeInt | None = None
    prediction: Prediction | None = None
    response_format: ResponseFormat | None = None
    tool_choice: ToolChoiceEnum = "auto"
    reasoning_effort: ReasoningEffort | None = None


# --- responses ------------------------------------------------------------------------------------


class Agent(ResponseModel):
    """An agent (one version of it): model, instructions, tools and completion arguments."""

    model_config = _DEFERRED
    _essential = frozenset({"id"})
    object: str = "agent"
    id: str
    name: str = ""
    model: str = ""
    version: int = 0
    versions: list[int] = Field(default_factory=list)
    instructions: str | None = None
    tools: list[AgentTool] = Field(default_factory=list)
    completion_args: CompletionArgs = Field(default_factory=CompletionArgs)
    guardrails: list[GuardrailConfig] | None = None
    description: str | None = None
    handoffs: list[str] | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deployment_chat: bool = False
    source: RequestSource = ""
    version_message: str | None = None


class AgentAliasResponse(ResponseModel):
    """A version alias of an agent (``create_version_alias``, ``list_version_aliases``)."""

    model_config = _DEFERRED
    _essential = frozenset({"alias", "version"})
    alias: str
    version: int
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- requests -------------------------------------------------------------------------------------


class CreateAgentRequest(_Request):
    model_config = _DEFERRED
    model: StrictStr
    name: StrictStr
    instructions: str | None = None
    tools: list[AnyTool] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    description: str | None = None
    handoffs: Annotated[list[str], Field(min_length=1)] | None = None
    metadata: dict[str, Any] | None = None
    version_message: Annotated[str, Field(max_length=500)] | None = None


class UpdateAgentRequest(_Request):
    model_config = _DEFERRED
    instructions: str | None = None
    tools: list[AnyTool] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    model: StrictStr | None = None
    name: StrictStr | None = None
    description: str | None = None
    handoffs: Annotated[list[str], Field(min_length=1)] | None = None
    deployment_chat: bool | None = None
    metadata: dict[str, Any] | None = None
    version_message: Annotated[str, Field(max_length=500)] | None = None


class AgentsCompletionRequest(_Request):
    """``POST /v1/agents/completions``: a chat completion with an agent (no model or sampling
    temperature of its own: the agent's)."""

    model_config = _DEFERRED
    agent_id: StrictStr
    messages: Annotated[list[Message], Field(min_length=1)]
    max_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: Stop | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    response_format: ResponseFormat | None = None
    tools: list[AnyTool] | None = None
    tool_choice: ToolChoice | ToolChoiceEnum = "auto"
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: PositiveInt | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: bool = True
    reasoning_effort: ReasoningEffort | None = None
    prompt_mode: Literal["reasoning"] | None = None
    guardrails: list[GuardrailConfig] | None = None
    prompt_cache_key: str | None = None
    service_tier: Literal["auto", "standard_only"] | None = None


class ListAgentsQuery(QueryModel):
    model_config = _DEFERRED
    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    deployment_chat: bool | None = None
    sources: list[Literal["api", "playground", "agent_builder_v1"]] | None = None
    name: str | None = None
    search: str | None = None
    id: str | None = None
    metadata: dict[str, Any] | None = None


class GetAgentQuery(QueryModel):
    model_config = _DEFERRED
    agent_version: AgentVersion | None = None


class AgentVersionQuery(QueryModel):
    model_config = _DEFERRED
    version: int


class ListAgentVersionsQuery(QueryModel):
    model_config = _DEFERRED
    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] | None = None


_ALIAS = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z]([a-z0-9_-]*[a-z0-9])?$")]


class AgentAliasQuery(QueryModel):
    model_config = _DEFERRED
    alias: _ALIAS
    version: int


class DeleteAgentAliasQuery(QueryModel):
    model_config = _DEFERRED
    alias: _ALIAS

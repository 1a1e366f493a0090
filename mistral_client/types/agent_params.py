"""Plain-dict forms of the Agents and Conversations requests, and each method's keyword arguments.

Every parameter that takes a model also takes the matching dict; both are validated the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Required, Union

from typing_extensions import TypedDict

from .agents import CompletionArgs
from .chat import Prediction, ResponseFormat
from .conversations import (
    AgentHandoffEntry,
    FunctionCallEntry,
    FunctionResultEntry,
    MessageInputEntry,
    MessageOutputEntry,
    ToolCallConfirmation,
    ToolExecutionEntry,
)
from .params import (
    AnyToolParam,
    ContentChunkParam,
    MessageParam,
    PredictionParam,
    RequestOptionsParam,
    ResponseFormatParam,
    ToolChoiceInput,
)

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
ToolChoiceEnum = Literal["auto", "none", "any", "required"]
AgentVersionParam = Union[int, str]

# --- completion arguments -------------------------------------------------------------------------


class CompletionArgsParam(TypedDict, total=False):
    stop: str | Sequence[str] | None
    presence_penalty: float | None
    frequency_penalty: float | None
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    random_seed: int | None
    prediction: PredictionParam | Prediction | None
    response_format: ResponseFormatParam | ResponseFormat | None
    tool_choice: ToolChoiceEnum
    reasoning_effort: ReasoningEffort | None


CompletionArgsInput = Union[CompletionArgsParam, CompletionArgs]

# --- entries (what ``inputs`` takes) ----------------------------------------------------------------


class MessageInputEntryParam(TypedDict, total=False):
    type: Literal["message.input"]
    role: Required[Literal["user", "assistant"]]
    content: Required[str | Sequence[ContentChunkParam]]
    prefix: bool


class FunctionResultEntryParam(TypedDict, total=False):
    type: Literal["function.result"]
    tool_call_id: Required[str]
    result: Required[str]


EntryParam = Union[
    MessageInputEntryParam,
    FunctionResultEntryParam,
    MessageInputEntry,
    MessageOutputEntry,
    FunctionCallEntry,
    FunctionResultEntry,
    ToolExecutionEntry,
    AgentHandoffEntry,
    Mapping[str, Any],
]
#: A user message's text, or entries (dicts or entry models).
InputsParam = Union[str, Sequence[EntryParam]]


class ToolCallConfirmationParam(TypedDict):
    tool_call_id: str
    confirmation: Literal["allow", "deny"]


# --- client.agents --------------------------------------------------------------------------------


class AgentsCompletionParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.agents.complete`` and ``client.agents.stream``."""

    agent_id: Required[str]
    messages: Required[Sequence[MessageParam]]
    max_tokens: int | None
    stop: str | Sequence[str] | None
    random_seed: int | None
    metadata: Mapping[str, Any] | None
    response_format: ResponseFormatParam | ResponseFormat | None
    tools: Sequence[AnyToolParam] | None
    tool_choice: ToolChoiceInput
    presence_penalty: float | None
    frequency_penalty: float | None
    n: int | None
    prediction: PredictionParam | Prediction | None
    parallel_tool_calls: bool
    reasoning_effort: ReasoningEffort | None
    prompt_mode: Literal["reasoning"] | None
    guardrails: Sequence[Mapping[str, Any]] | None
    prompt_cache_key: str | None
    service_tier: Literal["auto", "standard_only"] | None


# --- client.beta.agents ---------------------------------------------------------------------------


class _AgentFields(RequestOptionsParam, total=False):
    instructions: str | None
    #: ``@tool`` functions, ``FunctionTool``s, tool dicts or models, built-in tools
    #: (``{"type": "web_search"}``).
    tools: Sequence[AnyToolParam] | None
    completion_args: CompletionArgsInput | None
    guardrails: Sequence[Mapping[str, Any]] | None
    description: str | None
    handoffs: Sequence[str] | None
    metadata: Mapping[str, Any] | None
    version_message: str | None


class AgentCreateParams(_AgentFields, total=False):
    """Keyword arguments of ``client.beta.agents.create``."""

    model: Required[str]
    name: Required[str]


class AgentUpdateParams(_AgentFields, total=False):
    """Keyword arguments of ``client.beta.agents.update`` besides ``agent_id``."""

    model: str | None
    name: str | None
    deployment_chat: bool | None


# --- client.beta.conversations ---------------------------------------------------------------------


class _ConversationFields(RequestOptionsParam, total=False):
    instructions: str | None
    completion_args: CompletionArgsInput | None
    guardrails: Sequence[Mapping[str, Any]] | None
    name: str | None
    description: str | None
    metadata: Mapping[str, Any] | None
    #: One of ``model`` and ``agent_id``.
    agent_id: str | None
    agent_version: AgentVersionParam | None
    model: str | None


class ConversationRunParams(_ConversationFields, total=False):
    """Keyword arguments of ``client.beta.conversations.run`` / ``run_stream`` besides ``tools``."""

    inputs: Required[InputsParam]


class ConversationStartParams(ConversationRunParams, total=False):
    """Keyword arguments of ``client.beta.conversations.start`` / ``start_stream``."""

    #: ``@tool`` functions (sent as their definitions), tool dicts or models, built-in tools.
    tools: Sequence[AnyToolParam] | None
    store: bool | None
    handoff_execution: Literal["client", "server"] | None


class ConversationAppendParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.beta.conversations.append`` / ``append_stream`` besides
    ``conversation_id``."""

    inputs: InputsParam | None
    store: bool
    handoff_execution: Literal["client", "server"]
    completion_args: CompletionArgsInput | None
    tool_confirmations: Sequence[ToolCallConfirmationParam | ToolCallConfirmation] | None


class ConversationRestartParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.beta.conversations.restart`` / ``restart_stream`` besides
    ``conversation_id``."""

    from_entry_id: Required[str]
    inputs: InputsParam | None
    store: bool
    handoff_execution: Literal["client", "server"]
    completion_args: CompletionArgsInput | None
    guardrails: Sequence[Mapping[str, Any]] | None
    metadata: Mapping[str, Any] | None
    agent_version: AgentVersionParam | None

"""Conversations types: entries, the responses, the streamed events and the requests.

A conversation is a list of entries, each a union member by ``type``: ``message.input``,
``message.output``, ``function.call``, ``function.result``, ``tool.execution`` (a built-in tool the
server ran) and ``agent.handoff``. An entry, content chunk or event of a type this SDK does not know
yet parses into :class:`UnknownEntry` / :class:`UnknownContentChunk` / :class:`UnknownEvent`,
never an error. Entries and responses can be built in Python as well as parsed (a store that
produces them sets ``id`` and ``created_at`` itself).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, StrictStr, Tag

from ._base import LenientModel, MistralModel, QueryModel, ResponseModel, TaggedModel
from ._unknown import Unrecognized, tagger
from .agents import AgentTool, AgentVersion, CompletionArgs
from .chat import AnyTool, DocumentURLChunk, ImageURLChunk, TextChunk, ThinkChunk, ToolReferenceChunk
from .requests import GuardrailConfig, _Request

#: A built-in tool's name (``tool.execution`` entries and events); an open enum.
BuiltInConnector = Union[
    Literal["web_search", "web_search_premium", "code_interpreter", "image_generation", "document_library"],
    str,
]
ConfirmationStatus = Union[Literal["pending", "allowed", "denied"], str]


#: Built on first use, not at import: most programs never touch these types.
_DEFERRED = ConfigDict(defer_build=True)

# --- content chunks ---------------------------------------------------------------------------------


class ToolFileChunk(TaggedModel):
    """A file a built-in tool made (an image from ``image_generation``, say)."""

    model_config = _DEFERRED
    type: Literal["tool_file"] = "tool_file"
    tool: BuiltInConnector
    file_id: str
    file_name: str | None = None
    file_type: str | None = None


class UnknownContentChunk(Unrecognized):
    """A content chunk of a type this SDK does not know yet (kept whole in ``model_extra``)."""


_CHUNK_TAGS = ("text", "image_url", "tool_file", "document_url", "thinking", "tool_reference")
_CHUNK_IMPLIED = (
    (("text",), "text"),
    (("image_url",), "image_url"),
    (("file_id", "tool"), "tool_file"),
    (("document_url",), "document_url"),
    (("thinking",), "thinking"),
)

#: A chunk of an entry's content, by ``type``.
EntryContentChunk = Annotated[
    Annotated[TextChunk, Tag("text")]
    | Annotated[ImageURLChunk, Tag("image_url")]
    | Annotated[ToolFileChunk, Tag("tool_file")]
    | Annotated[DocumentURLChunk, Tag("document_url")]
    | Annotated[ThinkChunk, Tag("thinking")]
    | Annotated[ToolReferenceChunk, Tag("tool_reference")]
    | Annotated[UnknownContentChunk, Tag("unknown")],
    Discriminator(tagger(_CHUNK_TAGS, _CHUNK_IMPLIED)),
]
EntryContent = Union[str, list[EntryContentChunk]]


def content_text(content: EntryContent | EntryContentChunk | None) -> str:
    """The plain text of an entry's content: a string, or its text chunks joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, TextChunk):
        return content.text
    if isinstance(content, list):
        return "".join(chunk.text for chunk in content if isinstance(chunk, TextChunk))
    return ""


# --- entries ---------------------------------------------------------------------------------------


class _Entry(TaggedModel):
    model_config = _DEFERRED
    object: Literal["entry"] = "entry"
    id: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None


class MessageInputEntry(_Entry):
    """A message put into the conversation (the user's, or an assistant message given as input)."""

    _essential = frozenset({"content"})
    type: Literal["message.input"] = "message.input"
    role: Literal["user", "assistant"] | str = "user"
    content: EntryContent
    prefix: bool = False

    @property
    def text(self) -> str:
        return content_text(self.content)


class MessageOutputEntry(_Entry):
    """A message the model (or agent) answered with."""

    _essential = frozenset({"content"})
    type: Literal["message.output"] = "message.output"
    role: Literal["assistant"] | str = "assistant"
    content: EntryContent
    agent_id: str | None = None
    model: str | None = None

    @property
    def text(self) -> str:
        return content_text(self.content)


class FunctionCallEntry(_Entry):
    """A call of a function tool: the caller runs it and appends a :class:`FunctionResultEntry`."""

    _essential = frozenset({"tool_call_id", "name", "arguments"})
    type: Literal["function.call"] = "function.call"
    tool_call_id: str
    name: str
    #: A JSON string (as the API sends it) or an already-decoded object.
    arguments: str | dict[str, Any]
    agent_id: str | None = None
    model: str | None = None
    confirmation_status: ConfirmationStatus | None = None


class FunctionResultEntry(_Entry):
    """A function call's result, as text, sent back with ``append`` (``run`` sends them itself)."""

    _essential = frozenset({"tool_call_id", "result"})
    type: Literal["function.result"] = "function.result"
    tool_call_id: str
    result: str


class ToolExecutionEntry(_Entry):
    """A built-in tool the server ran (web search, code interpreter...), with what it returned in ``info``."""

    type: Literal["tool.execution"] = "tool.execution"
    name: BuiltInConnector = ""
    arguments: str = ""
    info: dict[str, Any] = Field(default_factory=dict)
    agent_id: str | None = None
    model: str | None = None


class AgentHandoffEntry(_Entry):
    """One agent handing the conversation over to another."""

    type: Literal["agent.handoff"] = "agent.handoff"
    previous_agent_id: str = ""
    previous_agent_name: str = ""
    next_agent_id: str = ""
    next_agent_name: str = ""


class UnknownEntry(Unrecognized):
    """An entry of a type this SDK does not know yet (kept whole in ``model_extra``)."""


_ENTRY_IMPLIED = (
    (("tool_call_id", "result"), "function.result"),
    (("tool_call_id", "name"), "function.call"),
    (("next_agent_id",), "agent.handoff"),
    (("role", "content"), "message.input"),
    (("content",), "message.output"),
    (("name", "arguments"), "tool.execution"),
)

#: Any entry of a conversation (its history, or what ``inputs`` takes), by ``type``.
Entry = Annotated[
    Annotated[MessageInputEntry, Tag("message.input")]
    | Annotated[MessageOutputEntry, Tag("message.output")]
    | Annotated[FunctionCallEntry, Tag("function.call")]
    | Annotated[FunctionResultEntry, Tag("function.result")]
    | Annotated[ToolExecutionEntry, Tag("tool.execution")]
    | Annotated[AgentHandoffEntry, Tag("agent.handoff")]
    | Annotated[UnknownEntry, Tag("unknown")],
    Discriminator(
        tagger(
            (
                "message.input",
                "message.output",
                "function.call",
                "function.result",
                "tool.execution",
                "agent.handoff",
            ),
            _ENTRY_IMPLIED,
        )
    ),
]
#: An entry a response's ``outputs`` holds.
OutputEntry = Annotated[
    Annotated[MessageOutputEntry, Tag("message.output")]
    | Annotated[FunctionCallEntry, Tag("function.call")]
    | Annotated[ToolExecutionEntry, Tag("tool.execution")]
    | Annotated[AgentHandoffEntry, Tag("agent.handoff")]
    | Annotated[UnknownEntry, Tag("unknown")],
    Discriminator(tagger(("message.output", "function.call", "tool.execution", "agent.handoff"))),
]
MessageEntry = Annotated[
    Annotated[MessageInputEntry, Tag("message.input")]
    | Annotated[MessageOutputEntry, Tag("message.output")]
    | Annotated[UnknownEntry, Tag("unknown")],
    Discriminator(tagger(("message.input", "message.output"), ((("role", "content"), "message.input"),))),
]

# --- responses ------------------------------------------------------------------------------------


class ConversationUsageInfo(MistralModel):
    model_config = _DEFERRED
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    #: Tokens the built-in tools (connectors) used, and per connector.
    connector_tokens: int | None = None
    connectors: dict[str, int] | None = None

    def __add__(self, other: ConversationUsageInfo) -> ConversationUsageInfo:
        connectors = dict(self.connectors or {})
        for name, tokens in (other.connectors or {}).items():
            connectors[name] = connectors.get(name, 0) + tokens
        both = (self.connector_tokens, other.connector_tokens)
        return ConversationUsageInfo(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            connector_tokens=None if both == (None, None) else sum(t or 0 for t in both),
            connectors=connectors or None,
        )


def _last_text(entries: list[Any]) -> str:
    for entry in reversed(entries):
        if isinstance(entry, MessageOutputEntry):
            return entry.text
    return ""


class ConversationResponse(ResponseModel):
    """What ``start``, ``append`` and ``restart`` answer: the conversation's id and the new entries."""

    model_config = _DEFERRED
    _essential = frozenset({"conversation_id", "outputs"})
    object: str = "conversation.response"
    conversation_id: str
    outputs: list[OutputEntry] = Field(default_factory=list)
    usage: ConversationUsageInfo = Field(default_factory=ConversationUsageInfo)
    guardrails: list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        """The last ``message.output``'s text ("" if there is none)."""
        return _last_text(self.outputs)

    @property
    def function_calls(self) -> list[FunctionCallEntry]:
        """The function calls among the outputs, for the caller to run and answer."""
        return [entry for entry in self.outputs if isinstance(entry, FunctionCallEntry)]


class ConversationHistory(ResponseModel):
    """Every entry of a conversation (``get_history``)."""

    model_config = _DEFERRED
    _essential = frozenset({"conversation_id", "entries"})
    object: str = "conversation.history"
    conversation_id: str
    entries: list[Entry] = Field(default_factory=list)


class ConversationMessages(ResponseModel):
    """The messages of a conversation, without tool entries (``get_messages``)."""

    model_config = _DEFERRED
    _essential = frozenset({"conversation_id", "messages"})
    object: str = "conversation.messages"
    conversation_id: str
    messages: list[MessageEntry] = Field(default_factory=list)


class _Conversation(ResponseModel):
    model_config = _DEFERRED
    _essential = frozenset({"id"})
    object: str = "conversation"
    id: str
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ModelConversation(_Conversation):
    """A conversation with a model (``get``, ``list``)."""

    model: str = ""
    instructions: str | None = None
    tools: list[AgentTool] = Field(default_factory=list)
    completion_args: CompletionArgs = Field(default_factory=CompletionArgs)
    guardrails: list[GuardrailConfig] | None = None


class AgentConversation(_Conversation):
    """A conversation with an agent (``get``, ``list``)."""

    agent_id: str = ""
    agent_version: AgentVersion | None = None


def _conversation_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "agent" if "agent_id" in value else "model"
    return "agent" if isinstance(value, AgentConversation) else "model"


#: A conversation's metadata: with a model or with an agent.
Conversation = Annotated[
    Annotated[ModelConversation, Tag("model")] | Annotated[AgentConversation, Tag("agent")],
    Discriminator(_conversation_kind),
]


class RunResult(MistralModel):
    """What ``conversations.run`` returns: every turn's new entries in order (the function results
    it sent included), the usage summed over the turns."""

    model_config = _DEFERRED
    conversation_id: str
    entries: list[Entry] = Field(default_factory=list)
    usage: ConversationUsageInfo = Field(default_factory=ConversationUsageInfo)
    #: How many requests the run made.
    turns: int = 0

    @property
    def text(self) -> str:
        """The last ``message.output``'s text ("" if there is none)."""
        return _last_text(self.entries)


# --- stream events ---------------------------------------------------------------------------------


class _Event(LenientModel):
    model_config = _DEFERRED
    created_at: datetime | None = None


class _OutputEvent(_Event):
    #: The position of the entry this event belongs to among the response's outputs.
    output_index: int = 0
    id: str = ""


class ResponseStartedEvent(_Event):
    type: Literal["conversation.response.started"] = "conversation.response.started"
    conversation_id: str = ""


class ResponseDoneEvent(_Event):
    type: Literal["conversation.response.done"] = "conversation.response.done"
    usage: ConversationUsageInfo = Field(default_factory=ConversationUsageInfo)


class ResponseErrorEvent(_Event):
    """Raised by the stream as :class:`~mistral_client.ConversationResponseError`."""

    type: Literal["conversation.response.error"] = "conversation.response.error"
    message: str = ""
    code: int | None = None


class MessageOutputEvent(_OutputEvent):
    """A piece of a ``message.output`` entry's content."""

    _essential = frozenset({"content"})
    type: Literal["message.output.delta"] = "message.output.delta"
    content_index: int = 0
    model: str | None = None
    agent_id: str | None = None
    role: Literal["assistant"] | str = "assistant"
    # Left to right: a text piece (nearly every event) is taken as it is, the chunk union not tried.
    content: Annotated[str | EntryContentChunk, Field(union_mode="left_to_right")] = ""


class FunctionCallEvent(_OutputEvent):
    """A piece of a ``function.call`` entry: its arguments arrive in pieces, to be joined."""

    _essential = frozenset({"arguments"})
    type: Literal["function.call.delta"] = "function.call.delta"
    model: str | None = None
    agent_id: str | None = None
    name: str = ""
    tool_call_id: str = ""
    arguments: str = ""
    confirmation_status: ConfirmationStatus | None = None


class ToolExecutionStartedEvent(_OutputEvent):
    type: Literal["tool.execution.started"] = "tool.execution.started"
    model: str | None = None
    agent_id: str | None = None
    name: BuiltInConnector = ""
    arguments: str = ""


class ToolExecutionDeltaEvent(_OutputEvent):
    type: Literal["tool.execution.delta"] = "tool.execution.delta"
    name: BuiltInConnector = ""
    arguments: str = ""


class ToolExecutionDoneEvent(_OutputEvent):
    type: Literal["tool.execution.done"] = "tool.execution.done"
    name: BuiltInConnector = ""
    info: dict[str, Any] = Field(default_factory=dict)


class AgentHandoffStartedEvent(_OutputEvent):
    type: Literal["agent.handoff.started"] = "agent.handoff.started"
    previous_agent_id: str = ""
    previous_agent_name: str = ""


class AgentHandoffDoneEvent(_OutputEvent):
    type: Literal["agent.handoff.done"] = "agent.handoff.done"
    next_agent_id: str = ""
    next_agent_name: str = ""


class UnknownEvent(Unrecognized):
    """An event of a type this SDK does not know yet (kept whole in ``model_extra``)."""


KnownEvent = Union[
    ResponseStartedEvent,
    ResponseDoneEvent,
    ResponseErrorEvent,
    MessageOutputEvent,
    FunctionCallEvent,
    ToolExecutionStartedEvent,
    ToolExecutionDeltaEvent,
    ToolExecutionDoneEvent,
    AgentHandoffStartedEvent,
    AgentHandoffDoneEvent,
]
#: One event of a conversation stream, by ``type``.
ConversationEvent = Union[KnownEvent, UnknownEvent]

# --- requests -------------------------------------------------------------------------------------

#: What ``inputs`` takes: a user message's text, or entries.
ConversationInputs = Annotated[
    Annotated[StrictStr, Tag("text")] | Annotated[list[Entry], Tag("entries")],
    Discriminator(lambda value: "text" if isinstance(value, str) else "entries"),
]
HandoffExecution = Literal["client", "server"]


class ToolCallConfirmation(MistralModel):
    model_config = _DEFERRED
    tool_call_id: str
    confirmation: Literal["allow", "deny"]


class ConversationRequest(_Request):
    """``start`` / ``start_stream``: a new conversation, with a model or an agent."""

    model_config = _DEFERRED
    inputs: ConversationInputs
    stream: bool = False
    store: bool | None = None
    handoff_execution: HandoffExecution | None = None
    instructions: str | None = None
    tools: list[AnyTool] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    agent_id: StrictStr | None = None
    agent_version: AgentVersion | None = None
    model: StrictStr | None = None


class ConversationAppendRequest(_Request):
    """``append`` / ``append_stream``: new entries (a message, function results) and the answer."""

    model_config = _DEFERRED
    inputs: ConversationInputs | None = None
    stream: bool = False
    store: bool = True
    handoff_execution: HandoffExecution = "server"
    completion_args: CompletionArgs | None = None
    tool_confirmations: list[ToolCallConfirmation] | None = None


class ConversationRestartRequest(_Request):
    """``restart`` / ``restart_stream``: a new conversation branching off from an earlier entry."""

    model_config = _DEFERRED
    inputs: ConversationInputs | None = None
    stream: bool = False
    store: bool = True
    handoff_execution: HandoffExecution = "server"
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    metadata: dict[str, Any] | None = None
    from_entry_id: StrictStr
    agent_version: AgentVersion | None = None


class ListConversationsQuery(QueryModel):
    model_config = _DEFERRED
    page: int | None = None
    page_size: int | None = None
    metadata: dict[str, Any] | None = None

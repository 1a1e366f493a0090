"""Conversation streams: parsing each event, folding the events into a ``ConversationResponse``.

Events are parsed on the fast path (one pydantic-core call on the JSON, the union told apart by its
``type`` tag); only an event that fails it (a new type, an odd value) takes the lenient way. The
accumulator keeps one entry per ``output_index`` as its pieces arrive (text, function-call
arguments) and joins them once, in :meth:`ConversationAccumulator.build`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, cast, get_args

from pydantic import Field, TypeAdapter, ValidationError

from ._backend import APIRequest, AsyncBackend, Backend
from ._exceptions import ConversationResponseError
from ._streaming import AsyncEventStream, EventStream
from .types.chat import TextChunk
from .types.conversations import (
    AgentHandoffDoneEvent,
    AgentHandoffEntry,
    AgentHandoffStartedEvent,
    ConversationEvent,
    ConversationResponse,
    ConversationUsageInfo,
    FunctionCallEntry,
    FunctionCallEvent,
    KnownEvent,
    MessageOutputEntry,
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseErrorEvent,
    ResponseStartedEvent,
    ToolExecutionDeltaEvent,
    ToolExecutionDoneEvent,
    ToolExecutionEntry,
    ToolExecutionStartedEvent,
    UnknownEvent,
    content_text,
)

__all__ = [
    "AsyncConversationStream",
    "ConversationAccumulator",
    "ConversationStream",
    "conversation_error",
    "event_text",
    "parse_event",
]

_KNOWN: TypeAdapter[KnownEvent] = TypeAdapter(Annotated[KnownEvent, Field(discriminator="type")])
_validate_json = _KNOWN.validator.validate_json
#: Each known event class by its ``type`` (the union's members, read off it: one list to keep).
_BY_TYPE: dict[str, type[Any]] = {cls.model_fields["type"].default: cls for cls in get_args(KnownEvent)}


def parse_event(data: str | bytes) -> ConversationEvent:
    """One event's JSON into its type; an unknown ``type`` into :class:`UnknownEvent`."""
    try:
        return cast("ConversationEvent", _validate_json(data))
    except ValidationError:
        document = json.loads(data)  # not JSON: a ValueError, reported as a malformed event
        if not isinstance(document, dict):
            raise
        known = _BY_TYPE.get(document.get("type") or _implied_type(document))
        if known is None:
            return UnknownEvent.model_validate(document)
        # A known event with an odd value where the caller does not look: the lenient parse.
        return cast("ConversationEvent", known.model_validate(document))


#: The type an event with no ``type`` (the spec gives it a default) is, by its fields: first match.
_IMPLIED = (
    ("conversation_id", "conversation.response.started"),
    ("usage", "conversation.response.done"),
    ("code", "conversation.response.error"),
    ("tool_call_id", "function.call.delta"),
    ("next_agent_id", "agent.handoff.done"),
    ("previous_agent_id", "agent.handoff.started"),
    ("info", "tool.execution.done"),
    ("content", "message.output.delta"),
    ("arguments", "tool.execution.delta"),
    ("name", "tool.execution.done"),
)


def _implied_type(document: dict[str, Any]) -> str:
    return next((kind for key, kind in _IMPLIED if key in document), "")


def conversation_error(event: Any) -> ConversationResponseError | None:
    """The error a ``conversation.response.error`` event stands for (the record's ``stream_error``)."""
    if event.type != "conversation.response.error":
        return None
    return ConversationResponseError(event.message, code=event.code)


def event_text(event: Any) -> str:
    """The text a ``message.output.delta`` adds ("" for any other event)."""
    if event.type != "message.output.delta":
        return ""
    content = event.content
    return content if isinstance(content, str) else content_text(content)


class _Output:
    """One entry of the response being assembled from its events."""

    __slots__ = ("fields", "kind", "pieces")

    def __init__(self, kind: type[Any], fields: dict[str, Any], first: Any) -> None:
        self.kind = kind
        self.fields = fields
        self.pieces: list[Any] = [first]

    def build(self) -> Any:
        fields = self.fields
        if self.kind is MessageOutputEntry:
            fields["content"] = _joined_content(self.pieces)
        elif self.kind is not AgentHandoffEntry:  # a handoff has no pieces to join
            fields["arguments"] = "".join(self.pieces)
        return self.kind(**fields)


def _joined_content(pieces: list[Any]) -> Any:
    """Text pieces joined into one string; with chunks among them, a list of chunks (each run of
    text one ``TextChunk``)."""
    if all(isinstance(piece, str) for piece in pieces):
        return "".join(pieces)
    chunks: list[Any] = []
    text: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
        elif isinstance(piece, TextChunk):
            text.append(piece.text)
        else:
            if text:
                chunks.append(TextChunk(text="".join(text)))
                text = []
            chunks.append(piece)
    if text:
        chunks.append(TextChunk(text="".join(text)))
    return chunks


def _common(event: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"created_at": event.created_at}
    if event.id:
        fields["id"] = event.id
    return fields


class ConversationAccumulator:
    """A conversation stream's events folded into the :class:`ConversationResponse` the call
    would have answered whole."""

    __slots__ = ("_by_index", "_conversation_id", "_handlers", "_outputs", "_usage")

    def __init__(self) -> None:
        self._conversation_id = ""
        self._usage: ConversationUsageInfo | None = None
        self._outputs: list[_Output] = []
        self._by_index: dict[int, _Output] = {}
        self._handlers: dict[str, Callable[[Any], None]] = {
            "message.output.delta": self._message,
            "function.call.delta": self._function_call,
            "tool.execution.started": self._tool_started,
            "tool.execution.delta": self._tool_delta,
            "tool.execution.done": self._tool_done,
            "agent.handoff.started": self._handoff_started,
            "agent.handoff.done": self._handoff_done,
            "conversation.response.started": self._started,
            "conversation.response.done": self._done,
            "conversation.response.error": self._error,
        }

    def add(self, event: Any) -> None:
        kind = event.type
        if kind == "message.output.delta":  # nearly every event: the open message's next piece
            output = self._by_index.get(event.output_index)
            if output is not None and output.kind is MessageOutputEntry:
                output.pieces.append(event.content)
                return
        handler = self._handlers.get(kind)
        if handler is not None:  # an unknown event adds nothing
            handler(event)

    def build(self) -> ConversationResponse:
        return ConversationResponse(
            conversation_id=self._conversation_id,
            outputs=[output.build() for output in self._outputs],
            usage=self._usage if self._usage is not None else ConversationUsageInfo(),
        )

    # --- the events ---------------------------------------------------------------------------------

    def _at(self, event: Any, kind: type[Any]) -> _Output | None:
        output = self._by_index.get(event.output_index)
        return output if output is not None and output.kind is kind else None

    def _open(self, event: Any, kind: type[Any], fields: dict[str, Any], first: Any) -> None:
        output = _Output(kind, fields, first)
        self._outputs.append(output)
        self._by_index[event.output_index] = output

    def _message(self, event: MessageOutputEvent) -> None:
        output = self._at(event, MessageOutputEntry)
        if output is not None:
            output.pieces.append(event.content)
            return
        fields = _common(event)
        fields.update(role=event.role, model=event.model, agent_id=event.agent_id)
        self._open(event, MessageOutputEntry, fields, event.content)

    def _function_call(self, event: FunctionCallEvent) -> None:
        output = self._at(event, FunctionCallEntry)
        if output is None:
            fields = _common(event)
            fields.update(
                name=event.name,
                tool_call_id=event.tool_call_id,
                model=event.model,
                agent_id=event.agent_id,
                confirmation_status=event.confirmation_status,
            )
            self._open(event, FunctionCallEntry, fields, event.arguments)
            return
        output.pieces.append(event.arguments)
        # Later pieces may repeat the call's name and id, or leave them empty.
        if event.name and not output.fields["name"]:
            output.fields["name"] = event.name
        if event.tool_call_id and not output.fields["tool_call_id"]:
            output.fields["tool_call_id"] = event.tool_call_id
        if event.confirmation_status is not None:
            output.fields["confirmation_status"] = event.confirmation_status

    def _tool_started(self, event: ToolExecutionStartedEvent) -> None:
        fields = _common(event)
        fields.update(name=event.name, model=event.model, agent_id=event.agent_id)
        self._open(event, ToolExecutionEntry, fields, event.arguments)

    def _tool_delta(self, event: ToolExecutionDeltaEvent) -> None:
        output = self._at(event, ToolExecutionEntry)
        if output is None:
            self._open(event, ToolExecutionEntry, {**_common(event), "name": event.name}, event.arguments)
        else:
            output.pieces.append(event.arguments)

    def _tool_done(self, event: ToolExecutionDoneEvent) -> None:
        output = self._at(event, ToolExecutionEntry)
        if output is None:
            self._open(event, ToolExecutionEntry, {**_common(event), "name": event.name}, "")
            output = self._outputs[-1]
        output.fields.update(info=event.info, completed_at=event.created_at)

    def _handoff_started(self, event: AgentHandoffStartedEvent) -> None:
        fields = _common(event)
        fields.update(
            previous_agent_id=event.previous_agent_id, previous_agent_name=event.previous_agent_name
        )
        self._open(event, AgentHandoffEntry, fields, None)

    def _handoff_done(self, event: AgentHandoffDoneEvent) -> None:
        output = self._at(event, AgentHandoffEntry)
        if output is None:
            self._open(event, AgentHandoffEntry, _common(event), None)
            output = self._outputs[-1]
        output.fields.update(
            next_agent_id=event.next_agent_id,
            next_agent_name=event.next_agent_name,
            completed_at=event.created_at,
        )

    def _started(self, event: ResponseStartedEvent) -> None:
        self._conversation_id = event.conversation_id

    def _done(self, event: ResponseDoneEvent) -> None:
        self._usage = event.usage

    def _error(self, event: ResponseErrorEvent) -> None:
        # The HTTP backends raise it as they read it (with the request id); this covers the others.
        error = conversation_error(event)
        assert error is not None
        raise error


class ConversationStream(EventStream[ConversationEvent, ConversationResponse]):
    """A sync stream of :data:`~mistral_client.types.conversations.ConversationEvent` (``start_stream``,
    ``append_stream``, ``restart_stream``): iterate it, or ``text_deltas()``;
    ``get_final_response()`` is the :class:`~mistral_client.types.conversations.ConversationResponse`
    the events add up to."""

    def __init__(self, backend: Backend, request: APIRequest[ConversationEvent]) -> None:
        super().__init__(backend, request, ConversationAccumulator(), event_text)


class AsyncConversationStream(AsyncEventStream[ConversationEvent, ConversationResponse]):
    """The async :class:`ConversationStream` (asyncio or trio)."""

    def __init__(self, backend: AsyncBackend, request: APIRequest[ConversationEvent]) -> None:
        super().__init__(backend, request, ConversationAccumulator(), event_text)

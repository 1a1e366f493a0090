"""Conversations run in-process: the local backend's in-memory store, and each turn generated as a
chat completion of the conversation's entries with the local model.

What runs on Mistral's servers only (agents and their versions, built-in tools, guardrails, tool
confirmations) is refused with an :class:`~mistral_client.UnsupportedParameterError` naming it,
before anything is generated. A turn with ``store=False`` is answered and kept nowhere.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

from .._backend import REQUEST_CONTEXT, APIRequest
from .._conversation_stream import ConversationAccumulator
from .._exceptions import InvalidRequestError, NotFoundError, UnsupportedParameterError
from ..types.agents import CompletionArgs
from ..types.chat import ChatCompletionResponse, CompletionChunk
from ..types.conversations import (
    ConversationHistory,
    ConversationMessages,
    ConversationResponse,
    ConversationUsageInfo,
    FunctionCallEntry,
    FunctionCallEvent,
    FunctionResultEntry,
    MessageInputEntry,
    MessageOutputEntry,
    MessageOutputEvent,
    ModelConversation,
    ResponseDoneEvent,
    ResponseStartedEvent,
    content_text,
)
from ..types.requests import ChatCompletionRequest

#: The operations the store answers whole, and the streamed turns (the records' names).
START, APPEND, RESTART = "beta.conversations.start", "beta.conversations.append", "beta.conversations.restart"
STREAMS = {f"{START}_stream": START, f"{APPEND}_stream": APPEND, f"{RESTART}_stream": RESTART}
LIST, GET, DELETE = "beta.conversations.list", "beta.conversations.get", "beta.conversations.delete"
HISTORY, MESSAGES = "beta.conversations.get_history", "beta.conversations.get_messages"
OPERATIONS = (START, APPEND, RESTART, LIST, GET, DELETE, HISTORY, MESSAGES)

#: The completion arguments a turn passes on to the chat completion (tool_choice goes with the tools).
_SAMPLING = (
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "temperature",
    "top_p",
    "max_tokens",
    "random_seed",
    "prediction",
    "response_format",
    "reasoning_effort",
)

Complete = Callable[[ChatCompletionRequest, "threading.Event | None"], ChatCompletionResponse]
Stream = Callable[[ChatCompletionRequest, threading.Event], Iterator[CompletionChunk]]


def _now() -> datetime:
    return datetime.now(UTC)


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


@dataclasses.dataclass
class _Conversation:
    id: str
    model: str
    instructions: str | None
    tools: list[dict[str, Any]]
    completion_args: CompletionArgs
    name: str | None
    description: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    entries: list[Any] = dataclasses.field(default_factory=list)

    def card(self) -> ModelConversation:
        return ModelConversation.model_validate(
            {
                "id": self.id,
                "model": self.model,
                "instructions": self.instructions,
                "tools": self.tools,
                "completion_args": self.completion_args.model_dump(exclude_none=True),
                "name": self.name,
                "description": self.description,
                "metadata": self.metadata,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }
        )


@dataclasses.dataclass
class _Turn:
    """One start, append or restart: the conversation it adds to and what it sends the model."""

    conversation: _Conversation
    inputs: list[Any]
    args: CompletionArgs
    store: bool


class ConversationStore:
    """The conversations of one :class:`~mistral_client.local.LocalBackend`, in memory, for its life.

    ``complete`` and ``stream`` are the backend's chat completion (whole and streamed): a turn is one
    chat completion of the conversation's entries, function tools through the engine (a forced call
    when ``completion_args.tool_choice`` forces one).
    """

    def __init__(self, complete: Complete, stream: Stream) -> None:
        self._complete = complete
        self._stream = stream
        self._lock = threading.Lock()
        self._conversations: dict[str, _Conversation] = {}

    # --- whole answers ----------------------------------------------------------------------------

    def respond(self, request: APIRequest[Any], cancel: threading.Event | None) -> Any:
        operation = request.operation
        if operation in (START, APPEND, RESTART):
            turn = self._turn(operation, request)
            answer = self._complete(_chat_request(turn, stream=False), cancel)
            outputs, usage = _outputs(answer, turn.conversation.model)
            self._keep(turn, outputs)
            return ConversationResponse(conversation_id=turn.conversation.id, outputs=outputs, usage=usage)
        if operation == LIST:
            return self._list(request.query or {})
        conversation = self._get(request)
        if operation == GET:
            return conversation.card()
        if operation == DELETE:
            with self._lock:
                self._conversations.pop(conversation.id, None)
            return None
        if operation == HISTORY:
            return ConversationHistory(conversation_id=conversation.id, entries=list(conversation.entries))
        messages = [e for e in conversation.entries if isinstance(e, (MessageInputEntry, MessageOutputEntry))]
        return ConversationMessages(conversation_id=conversation.id, messages=messages)

    # --- streamed turns -----------------------------------------------------------------------------

    def stream(self, request: APIRequest[Any], cancel: threading.Event) -> Iterator[Any]:
        """The turn's events; its errors (an unknown conversation, a refused tool) raised here,
        before any event."""
        turn = self._turn(STREAMS[request.operation], request)
        chunks = self._stream(_chat_request(turn, stream=True), cancel)
        return self._events(turn, chunks)

    def _events(self, turn: _Turn, chunks: Iterator[CompletionChunk]) -> Iterator[Any]:
        model = turn.conversation.model
        accumulator = ConversationAccumulator()
        started = ResponseStartedEvent(conversation_id=turn.conversation.id, created_at=_now())
        accumulator.add(started)
        yield started
        message_id, texts, usage = _id("msg"), 0, None
        calls: list[Any] = []
        for chunk in chunks:
            for choice in chunk.choices[:1]:
                content = choice.delta.content
                text = content if isinstance(content, str) else content_text(cast(Any, content))
                if text:
                    event = MessageOutputEvent(id=message_id, content=text, model=model, created_at=_now())
                    accumulator.add(event)
                    texts += 1
                    yield event
                calls.extend(choice.delta.tool_calls or ())
            usage = chunk.usage or usage
        if not texts and not calls:  # an empty answer is still a message
            event = MessageOutputEvent(id=message_id, content="", model=model, created_at=_now())
            accumulator.add(event)
            yield event
        for index, call in enumerate(calls, start=1 if texts else 0):
            call_event = FunctionCallEvent(
                id=_id("fc"),
                output_index=index,
                tool_call_id=call.id or _id("call"),
                name=call.function.name,
                arguments=_arguments(call.function.arguments),
                model=model,
                created_at=_now(),
            )
            accumulator.add(call_event)
            yield call_event
        outputs = accumulator.build().outputs
        self._keep(turn, outputs)
        totals = (
            usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}) if usage else {}
        )
        yield ResponseDoneEvent(usage=ConversationUsageInfo(**totals), created_at=_now())

    # --- the store ----------------------------------------------------------------------------------

    def _get(self, request: APIRequest[Any]) -> _Conversation:
        conversation_id = request.path_params.get("conversation_id", "")
        with self._lock:
            conversation = self._conversations.get(conversation_id)
        if conversation is None:
            raise NotFoundError(
                f"Error code: 404 - no conversation {conversation_id!r} in this local backend "
                "(conversations live as long as the backend; store=False keeps none)",
                status_code=404,
            )
        return conversation

    def _list(self, query: Any) -> list[ModelConversation]:
        page, size = int(query.get("page") or 0), int(query.get("page_size") or 100)
        for name, value in (("page", page), ("page_size", size)):
            if value < 0:  # a negative slice would pick some other page's conversations
                raise InvalidRequestError(
                    f"Invalid request: {name}: must be 0 or more, got {value}",
                    errors=[(name, "must be 0 or more")],
                )
        wanted = _metadata_filter(query.get("metadata"))
        with self._lock:
            kept = [c for c in self._conversations.values() if _matches(c.metadata, wanted)]
        newest = sorted(kept, key=lambda c: c.created_at, reverse=True)
        return [c.card() for c in newest[page * size : (page + 1) * size]]

    def _keep(self, turn: _Turn, outputs: list[Any]) -> None:
        if not turn.store:
            return
        conversation = turn.conversation
        with self._lock:
            # Appended to what is stored now: another turn may have ended while this one generated.
            current = self._conversations.get(conversation.id, conversation)
            conversation.entries = [*current.entries, *turn.inputs, *outputs]
            conversation.updated_at = _now()
            self._conversations[conversation.id] = conversation

    def _turn(self, operation: str, request: APIRequest[Any]) -> _Turn:
        body: Any = request.body
        _refuse_unsupported(operation, body)
        if operation == START:
            now = _now()
            conversation = _Conversation(
                id=_id("conv"),
                model=body.model or "",
                instructions=body.instructions,
                tools=_function_tools(body.tools),
                completion_args=body.completion_args or CompletionArgs(),
                name=body.name,
                description=body.description,
                metadata=body.metadata,
                created_at=now,
                updated_at=now,
            )
            store = body.store is not False
        else:
            source = self._get(request)
            if operation == RESTART:  # a new conversation: the source's entries up to from_entry_id
                now = _now()
                conversation = dataclasses.replace(
                    source,
                    id=_id("conv"),
                    entries=_until(source.entries, body.from_entry_id),
                    created_at=now,
                    updated_at=now,
                    metadata=source.metadata if body.metadata is None else body.metadata,
                )
            else:
                conversation = dataclasses.replace(source)
            store = body.store is not False
        args = conversation.completion_args
        if operation != START and body.completion_args is not None:
            args = body.completion_args  # for this turn
        return _Turn(conversation, _input_entries(body.inputs), args, store)


def _refuse_unsupported(operation: str, body: Any) -> None:
    """What a turn asks for that only Mistral's servers do, refused before anything is generated.

    ``handoff_execution`` is not among them: it says who carries out a handoff from one agent to
    another (the server, or the caller given an ``agent.handoff`` entry). A local conversation has
    no agent (``agent_id`` is refused), so no handoff ever happens and either value gets the
    conversation it asked for: "client" changes nothing here, as on a model conversation on the API.
    """
    if operation == START and body.agent_id is not None:
        raise UnsupportedParameterError(
            "agent_id",
            "the local backend runs no agents (they live on Mistral's servers): pass model=, "
            "instructions= and tools= instead",
        )
    if operation in (START, RESTART):
        if body.agent_version is not None:
            raise UnsupportedParameterError(
                "agent_version", "the local backend runs no agents, so no agent versions"
            )
        if body.guardrails is not None:
            raise UnsupportedParameterError(
                "guardrails", "moderation guardrails run on Mistral's servers, not in the local backend"
            )
    if operation == APPEND and body.tool_confirmations:
        raise UnsupportedParameterError(
            "tool_confirmations", "the local backend runs no tools that ask for confirmation"
        )


def _function_tools(tools: list[Any] | None) -> list[dict[str, Any]]:
    definitions = []
    for tool in tools or ():
        if tool.type != "function":
            raise UnsupportedParameterError(
                "tools",
                f"{tool.type!r} is a built-in tool: it runs on Mistral's servers, not in the local "
                "backend (function tools run here)",
            )
        definitions.append(tool.model_dump(mode="json", exclude_none=True, by_alias=True))
    return definitions


def _metadata_filter(value: Any) -> dict[str, Any]:
    """``list``'s ``metadata`` query parameter (JSON text, as sent over HTTP) as a dict."""
    if value is None:
        return {}
    try:
        decoded = json.loads(value) if isinstance(value, (str, bytes)) else value
    except ValueError:
        decoded = value
    if not isinstance(decoded, dict):
        raise InvalidRequestError(
            f"Invalid request: metadata: must be an object, got {decoded!r}",
            errors=[("metadata", "must be an object")],
        )
    return decoded


def _matches(metadata: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    """Whether a conversation's metadata holds every key of the filter, with the same value (the
    spec leaves the parameter undescribed: a filter's pairs must all be in the conversation's,
    which may hold more). Values compare as the JSON sent: ``1`` matches neither ``"1"`` nor ``true``.
    """
    have = metadata or {}
    return all(key in have and _json(have[key]) == _json(value) for key, value in wanted.items())


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _until(entries: list[Any], entry_id: str) -> list[Any]:
    """The entries up to and including ``entry_id``: what a restart keeps."""
    for index, entry in enumerate(entries):
        if getattr(entry, "id", None) == entry_id:
            return entries[: index + 1]
    raise InvalidRequestError(
        f"Invalid request: from_entry_id: no entry {entry_id!r} in this conversation",
        errors=[("from_entry_id", f"no entry {entry_id!r}")],
    )


def _input_entries(inputs: Any) -> list[Any]:
    """The turn's inputs as the entries the conversation keeps (ids and times filled in)."""
    if inputs is None:
        return []
    if isinstance(inputs, str):
        inputs = [MessageInputEntry(role="user", content=inputs)]
    now = _now()
    entries = []
    for index, entry in enumerate(inputs):
        if not isinstance(
            entry, (MessageInputEntry, FunctionResultEntry, MessageOutputEntry, FunctionCallEntry)
        ):
            raise UnsupportedParameterError(
                "inputs", f"the local backend keeps no {getattr(entry, 'type', '?')!r} entries"
            )
        # As in chat: the model continues the last message, an assistant's; a prefix anywhere else
        # would have nothing to continue.
        last_assistant = index == len(inputs) - 1 and getattr(entry, "role", None) == "assistant"
        if isinstance(entry, MessageInputEntry) and entry.prefix and not last_assistant:
            raise UnsupportedParameterError(
                "inputs", "prefix=True is for the last input only, an assistant message to continue"
            )
        prefix = "msg" if isinstance(entry, (MessageInputEntry, MessageOutputEntry)) else "fc"
        entries.append(
            entry.model_copy(update={"id": entry.id or _id(prefix), "created_at": entry.created_at or now})
        )
    return entries


def _chat_request(turn: _Turn, *, stream: bool) -> ChatCompletionRequest:
    conversation = turn.conversation
    messages: list[dict[str, Any]] = []
    if conversation.instructions:
        messages.append({"role": "system", "content": conversation.instructions})
    for entry in [*conversation.entries, *turn.inputs]:
        if isinstance(entry, (MessageInputEntry, MessageOutputEntry)):
            messages.append({"role": entry.role, "content": _content(entry.content)})
        elif isinstance(entry, FunctionCallEntry):
            call = {
                "id": entry.tool_call_id,
                "type": "function",
                "function": {"name": entry.name, "arguments": _arguments(entry.arguments)},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)  # the calls of one answer, in one message
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif isinstance(entry, FunctionResultEntry):
            messages.append({"role": "tool", "tool_call_id": entry.tool_call_id, "content": entry.result})
    final = turn.inputs[-1] if turn.inputs else None
    if isinstance(final, MessageInputEntry) and final.prefix:
        messages[-1]["prefix"] = True  # this turn continues it (kept in the history, it is not again)
    body: dict[str, Any] = {"model": conversation.model, "messages": messages, "stream": stream}
    args = turn.args.model_dump(include=set(_SAMPLING), exclude_none=True, context=REQUEST_CONTEXT)
    body.update(args)
    if conversation.tools:
        body["tools"] = conversation.tools
        body["tool_choice"] = turn.args.tool_choice
    try:
        return ChatCompletionRequest.model_validate(body)
    except ValueError as exc:
        raise InvalidRequestError(f"Invalid request: {exc}", errors=[("inputs", str(exc))]) from None


def _content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    return [chunk.model_dump(mode="json", exclude_none=True, context=REQUEST_CONTEXT) for chunk in content]


def _arguments(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _outputs(answer: ChatCompletionResponse, model: str) -> tuple[list[Any], ConversationUsageInfo]:
    """A chat completion's answer as a turn's output entries: its text, then one entry per call."""
    message = answer.choices[0].message
    now = _now()
    outputs: list[Any] = []
    content = message.content
    text = content if isinstance(content, str) else content_text(cast(Any, content))
    calls = message.tool_calls or []
    if text or not calls:
        outputs.append(
            MessageOutputEntry(id=_id("msg"), created_at=now, completed_at=now, content=text, model=model)
        )
    for call in calls:
        outputs.append(
            FunctionCallEntry(
                id=_id("fc"),
                created_at=now,
                completed_at=now,
                tool_call_id=call.id or _id("call"),
                name=call.function.name,
                arguments=_arguments(call.function.arguments),
                model=model,
            )
        )
    usage = answer.usage
    if usage is None:  # the local engine counts every turn; a backend that did not, none
        return outputs, ConversationUsageInfo()
    return outputs, ConversationUsageInfo(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )

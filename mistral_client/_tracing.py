"""OpenTelemetry spans for chat, FIM, embeddings, audio and agent calls, after the GenAI semantic conventions.

Tracing is on when the application has set up OpenTelemetry: ``opentelemetry-api`` is imported and a
real tracer provider is set (or one is given to :func:`configure_tracing`). This module never imports
OpenTelemetry itself: with no provider, a call costs a look at its record and one dictionary lookup.
The spans are made by the wrapper every client puts around its backend (:mod:`._traced`). Each GenAI
call (its record names the operation: chat, text_completion, embeddings, transcription, speech...)
gets a CLIENT span named "{operation} {model}" with ``gen_ai.operation.name``, ``gen_ai.provider.name``,
``gen_ai.request.*`` (model, temperature, top_p, max_tokens, seed, stop sequences),
``gen_ai.response.id``/``model``/``finish_reasons``, ``gen_ai.usage.input_tokens``/``output_tokens``,
``mistral_ai.request.id`` (the server's ``x-request-id``), ``server.address``/``port``, and
``error.type`` on failure. Agent completions and conversation turns are ``invoke_agent`` spans,
named after the agent (or the model), with ``gen_ai.agent.id`` and ``gen_ai.conversation.id``;
creating an agent is ``create_agent``; each tool call a runner executes (``chat.tool_runner``,
``conversations.run``) is an INTERNAL ``execute_tool`` span (``gen_ai.tool.name``,
``gen_ai.tool.call.id``, ``error.type`` when the tool failed). A stream's span lasts until the
stream ends or is closed. Each retry is a
``mistral_ai.retry`` span event. Message content is recorded (``gen_ai.input.messages``,
``gen_ai.output.messages``) only when asked for: ``configure_tracing(capture_content=True)`` or
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ._version import __version__

if TYPE_CHECKING:
    from ._backend import APIRequest, APIResponse

T = TypeVar("T")

__all__ = ["configure_tracing"]

_PROVIDER = "mistral_ai"
_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


class _Config:
    enabled = True
    capture_content: bool | None = None  # None: the environment decides
    provider: Any = None
    tracer: tuple[Any, Any] | None = None  # (provider, its tracer)


_config = _Config()
#: The span of the call in progress, for the retry events the HTTP backends report.
_current_span: contextvars.ContextVar[Any] = contextvars.ContextVar("mistral_client_span", default=None)


def configure_tracing(
    *, enabled: bool = True, capture_content: bool | None = None, tracer_provider: Any = None
) -> None:
    """Tune the OpenTelemetry spans: turn them off, record message content (off by default: prompts
    and answers may hold personal data), or use ``tracer_provider`` instead of the global one."""
    _config.enabled = enabled
    _config.capture_content = capture_content
    _config.provider = tracer_provider


def _tracer() -> Any:
    """The tracer to use, or None when tracing is off."""
    if not _config.enabled:
        return None
    provider = _config.provider
    if provider is None:
        trace = sys.modules.get("opentelemetry.trace")
        if trace is None:  # the application never imported OpenTelemetry: nothing can be listening
            return None
        provider = trace.get_tracer_provider()
        if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
            return None
    cached = _config.tracer
    if cached is not None and cached[0] is provider:
        return cached[1]
    # Cached per provider: the SDK builds a new tracer (and its scope) on every get_tracer().
    tracer = provider.get_tracer("mistral_client", __version__)
    _config.tracer = (provider, tracer)
    return tracer


def _capture() -> bool:
    if _config.capture_content is not None:
        return _config.capture_content
    return os.environ.get(_CONTENT_ENV, "").strip().lower() in ("1", "true", "yes")


# --- what the traced backends (``_traced``) call ------------------------------------------------------


def tracer_for(request: APIRequest[Any]) -> Any:
    """The tracer for this request's span, or ``None``: tracing is off, or it is not a GenAI call."""
    endpoint = request.endpoint
    if endpoint is None or endpoint.span is None:
        return None
    return _tracer()


def retry_event(attempt: int, delay: float, error: BaseException | None) -> None:
    """A retry of the call in progress, as an event on its span (the HTTP backends call this)."""
    span = _current_span.get()
    if span is not None:
        span.add_event(
            "mistral_ai.retry",
            {"retry.attempt": attempt, "retry.delay_s": delay, "error.type": _error_type(error)},
        )


# --- spans ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def call_span(tracer: Any, server_address: str | None, request: APIRequest[Any]) -> Iterator[Any]:
    """A call's span, current while the backend answers; ended with the error if it fails (on success
    the caller ends it, with what the response or the stream tells)."""
    span = start_span(tracer, server_address, request)
    with active(span):
        try:
            yield span
        except BaseException as exc:
            fail(span, exc)
            raise


class active:
    """The span as OpenTelemetry's current span (so transport spans nest under it) and ours."""

    def __init__(self, span: Any) -> None:
        from opentelemetry import trace

        self._span = span
        self._use = trace.use_span(
            span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        )

    def __enter__(self) -> None:
        self._token = _current_span.set(self._span)
        self._use.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        self._use.__exit__(*exc_info)
        _current_span.reset(self._token)


def start_span(tracer: Any, server_address: str | None, request: APIRequest[Any]) -> Any:
    """The span of one call, started (the request's record names its GenAI operation)."""
    from opentelemetry.trace import SpanKind

    body = request.body
    assert request.endpoint is not None
    operation = request.endpoint.span
    model = getattr(body, "model", None) or ""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": _PROVIDER,
        "gen_ai.system": _PROVIDER,  # the attribute's name before semantic conventions 1.37
        "gen_ai.request.model": model,
    }
    subject = model
    if operation in _AGENT_OPERATIONS:
        subject = _agent_attributes(operation, request, attributes) or model
    # Conversations and agents hold their sampling parameters in ``completion_args``.
    sampling = getattr(body, "completion_args", None) or body
    for field, attribute in _REQUEST_FIELDS:
        value = getattr(sampling, field, None)
        if value is not None:
            attributes[attribute] = value
    stop = getattr(sampling, "stop", None)
    if stop:
        attributes["gen_ai.request.stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    encoding = getattr(body, "encoding_format", None)
    if encoding:
        attributes["gen_ai.request.encoding_formats"] = [str(encoding)]
    if server_address:
        attributes.update(_server(server_address))
    if _capture() and body is not None:
        attributes["gen_ai.input.messages"] = json.dumps(_input_messages(body), ensure_ascii=False)
    return tracer.start_span(f"{operation} {subject}".strip(), kind=SpanKind.CLIENT, attributes=attributes)


#: The GenAI operations of the Agents and Conversations APIs.
_AGENT_OPERATIONS = frozenset({"invoke_agent", "create_agent"})


def _agent_attributes(operation: str, request: APIRequest[Any], attributes: dict[str, Any]) -> str:
    """The agent's and the conversation's attributes of an agent call; what its span is named after
    (the agent, when the request names one)."""
    body = request.body
    conversation_id = request.path_params.get("conversation_id")
    if conversation_id:
        attributes["gen_ai.conversation.id"] = conversation_id
    if operation == "create_agent":
        name = getattr(body, "name", None) or ""
        attributes["gen_ai.agent.name"] = name
        return str(name)
    agent_id = getattr(body, "agent_id", None)
    if agent_id:
        attributes["gen_ai.agent.id"] = agent_id
    return str(agent_id or "")


@functools.lru_cache(maxsize=64)
def _server(base_url: str) -> dict[str, Any]:
    url = urlsplit(base_url)
    if not url.hostname:
        return {}
    return {"server.address": url.hostname, "server.port": url.port or (443 if url.scheme == "https" else 80)}


_REQUEST_FIELDS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("random_seed", "gen_ai.request.seed"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
)


def fail(span: Any, exc: BaseException) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", _error_type(exc))
    request_id = getattr(exc, "request_id", None)
    if request_id:
        span.set_attribute("mistral_ai.request.id", request_id)
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, str(exc)[:200]))
    span.end()


def _error_type(error: BaseException | None) -> str:
    if error is None:
        return "_OTHER"
    status = getattr(error, "status_code", None)
    return str(status) if isinstance(status, int) else type(error).__qualname__


def finish_response(span: Any, response: APIResponse[Any]) -> None:
    try:
        result = response.parse()  # parsed once; the caller gets this same object
    except Exception:  # reported to the caller when it parses; the span still says what came back
        result = None
    if response.request_id:
        span.set_attribute("mistral_ai.request.id", response.request_id)
    if result is not None:
        _set_result(span, result)
    span.end()


def _set_result(span: Any, result: Any) -> None:
    attributes: dict[str, Any] = {}
    if getattr(result, "object", None) == "agent":  # create_agent: the id is the agent's
        attributes["gen_ai.agent.id"] = result.id
        span.set_attributes(attributes)
        return
    for name, attribute in (("id", "gen_ai.response.id"), ("model", "gen_ai.response.model")):
        value = getattr(result, name, None)
        if value:
            attributes[attribute] = value
    conversation_id = getattr(result, "conversation_id", None)
    if conversation_id:
        attributes["gen_ai.conversation.id"] = conversation_id
    outputs = getattr(result, "outputs", None)
    if outputs is not None and _capture():
        attributes["gen_ai.output.messages"] = json.dumps(_entries_messages(outputs), ensure_ascii=False)
    usage = getattr(result, "usage", None)
    # Only a token usage: OCR's is pages (``usage_info``), and an unknown ``usage`` field is a dict.
    if usage is not None and isinstance(getattr(usage, "prompt_tokens", None), int):
        attributes["gen_ai.usage.input_tokens"] = usage.prompt_tokens
        attributes["gen_ai.usage.output_tokens"] = usage.completion_tokens
    choices = getattr(result, "choices", None)
    if choices:
        attributes["gen_ai.response.finish_reasons"] = [str(c.finish_reason or "") for c in choices]
        if _capture():
            outputs = [_output_message(c.message, c.finish_reason) for c in choices]
            attributes["gen_ai.output.messages"] = json.dumps(outputs, ensure_ascii=False)
    span.set_attributes(attributes)  # one lock and one validation pass in the SDK


class StreamWatch:
    """What a stream's span records as the chunks pass; ends the span once."""

    __slots__ = (
        "_ended",
        "_first",
        "_id",
        "_model",
        "_reasons",
        "_request_id",
        "_span",
        "_started",
        "_texts",
        "_usage",
    )

    def __init__(self, span: Any, request_id: str | None) -> None:
        self._span = span
        self._request_id = request_id
        self._started = time.perf_counter()
        self._first: float | None = None
        self._id = self._model = ""
        self._usage: Any = None
        self._reasons: dict[int, str] = {}
        self._texts: dict[int, list[str]] | None = {} if _capture() else None
        self._ended = False

    def add(self, chunk: Any) -> None:
        if self._first is None:
            self._first = time.perf_counter() - self._started
            self._id, self._model = chunk.id, chunk.model
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.finish_reason is not None:
                self._reasons[choice.index] = str(choice.finish_reason)
            if self._texts is not None and isinstance(choice.delta.content, str):
                self._texts.setdefault(choice.index, []).append(choice.delta.content)

    def end(self, error: BaseException | None) -> None:
        if self._ended:
            return
        self._ended = True
        span = self._span
        if self._request_id:
            span.set_attribute("mistral_ai.request.id", self._request_id)
        if self._id:
            span.set_attribute("gen_ai.response.id", self._id)
        if self._model:
            span.set_attribute("gen_ai.response.model", self._model)
        if self._first is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", self._first)
        if self._usage is not None:
            span.set_attribute("gen_ai.usage.input_tokens", self._usage.prompt_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", self._usage.completion_tokens)
        if self._reasons:
            span.set_attribute(
                "gen_ai.response.finish_reasons", [self._reasons[i] for i in sorted(self._reasons)]
            )
        if self._texts is not None:
            outputs = [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": "".join(self._texts[i])}],
                    "finish_reason": self._reasons.get(i, ""),
                }
                for i in sorted(self._texts)
            ]
            span.set_attribute("gen_ai.output.messages", json.dumps(outputs, ensure_ascii=False))
        if error is not None:
            fail(span, error)
        else:
            span.end()


class EventWatch(StreamWatch):
    """:class:`StreamWatch` for a stream of typed events (transcription, speech, a conversation's): the
    time to the first event, the model and usage the events carry, a conversation's id and, when content
    is captured, its message text (a transcription's or speech's content is not captured)."""

    __slots__ = ("_conversation_id", "_error", "_event_texts")

    def __init__(self, span: Any, request_id: str | None) -> None:
        super().__init__(span, request_id)
        self._texts = None  # no chat choices: a conversation's text is kept in _event_texts
        self._conversation_id = ""
        self._event_texts: list[str] | None = [] if _capture() else None
        self._error: BaseException | None = None

    def add(self, event: Any) -> None:
        if self._first is None:
            self._first = time.perf_counter() - self._started
        kind = getattr(event, "type", None)
        if kind == "message.output.delta":  # the per-token event of a conversation stream
            if not self._model and event.model:
                self._model = event.model
            if self._event_texts is not None and isinstance(event.content, str):
                self._event_texts.append(event.content)
            return
        if kind == "conversation.response.started":
            self._conversation_id = event.conversation_id
        elif kind == "conversation.response.error":
            # A backend other than the HTTP ones passes the event on, and the stream raises it above
            # this watch (ConversationAccumulator): the span fails with it all the same.
            from ._conversation_stream import conversation_error

            self._error = conversation_error(event)
        usage = getattr(event, "usage", None)
        if usage is not None:
            self._usage = usage
        model = getattr(event, "model", None)
        if model:
            self._model = model

    def end(self, error: BaseException | None) -> None:
        if not self._ended:
            if self._conversation_id:
                self._span.set_attribute("gen_ai.conversation.id", self._conversation_id)
            if self._event_texts:
                parts = [{"type": "text", "content": "".join(self._event_texts)}]
                messages = [{"role": "assistant", "parts": parts}]
                self._span.set_attribute("gen_ai.output.messages", json.dumps(messages, ensure_ascii=False))
        super().end(error if error is not None else self._error)


def stream_watch(request: APIRequest[Any], span: Any, request_id: str | None) -> StreamWatch:
    """The watch for this request's stream: typed events (the record names the events that end it),
    or chat chunks."""
    endpoint = request.endpoint
    if endpoint is not None and endpoint.final_events:
        return EventWatch(span, request_id)
    return StreamWatch(span, request_id)


def response_info(response: Any) -> dict[str, Any]:
    """A response's metadata, for the traced response that stands in for it."""
    info: dict[str, Any] = response._info()
    return info


# --- tools the runners execute (``execute_tool``) ----------------------------------------------------


@contextlib.contextmanager
def tool_span(tool: Any, name: str, arguments: Any, call_id: str | None) -> Iterator[Any]:
    """The ``execute_tool`` span of one tool call a runner executes (``None`` when tracing is off);
    ``tool`` is the ``FunctionTool`` (``None`` for a name no function answers)."""
    tracer = _tracer()
    if tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind

    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.provider.name": _PROVIDER,
        "gen_ai.tool.name": name,
        "gen_ai.tool.type": "function",
    }
    if call_id:
        attributes["gen_ai.tool.call.id"] = call_id
    description = getattr(tool, "description", None)
    if description:
        attributes["gen_ai.tool.description"] = description
    if _capture():
        text = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
        attributes["gen_ai.tool.call.arguments"] = text
    span = tracer.start_span(f"execute_tool {name}", kind=SpanKind.INTERNAL, attributes=attributes)
    with active(span):
        try:
            yield span
        except BaseException as exc:  # a cancellation, a KeyboardInterrupt: the tool did not finish
            fail(span, exc)
            raise
    span.end()


def tool_result(span: Any, result: str) -> None:
    if span is not None and _capture():
        span.set_attribute("gen_ai.tool.call.result", result)


def tool_failed(span: Any, kind: str, message: str) -> None:
    """The tool call failed (the runner sends the model the error as its result)."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", kind)
    span.set_status(Status(StatusCode.ERROR, message[:200]))


# --- content (opt-in) -------------------------------------------------------------------------------


def _input_messages(body: Any) -> list[dict[str, Any]]:
    """The request's input in the conventions' message shape: role and parts."""
    messages = getattr(body, "messages", None)
    if messages is not None:
        return [_message(m.model_dump(mode="json", exclude_none=True)) for m in messages]
    if "inputs" in type(body).model_fields:  # a conversation's entries (or a message's text)
        inputs = body.inputs
        if isinstance(inputs, str):
            return [{"role": "user", "parts": [{"type": "text", "content": inputs}]}]
        return _entries_messages(inputs or [])
    if getattr(body, "prompt", None) is not None:  # FIM
        parts = [{"type": "text", "content": body.prompt}]
        if getattr(body, "suffix", None):
            parts.append({"type": "text", "content": body.suffix})
        return [{"role": "user", "parts": parts}]
    document = getattr(body, "document", None)
    if document is not None:  # OCR: the document's kind, not its URL (it may hold the whole file)
        return [{"role": "user", "parts": [{"type": str(document.type)}]}]
    inputs = getattr(body, "input", None)
    one = isinstance(inputs, str) or hasattr(inputs, "messages")
    items = [inputs] if one else list(inputs or [])
    if items and not all(isinstance(item, str) for item in items):
        # A chat's moderation or classification: conversations, each a list of messages or
        # {"messages": [...]}, flattened.
        flat: list[Any] = []
        for item in items:
            conversation = getattr(item, "messages", item)
            flat += conversation if isinstance(conversation, list) else [conversation]
        return [_message(m.model_dump(mode="json", exclude_none=True)) for m in flat]
    return [{"role": "user", "parts": [{"type": "text", "content": str(t)} for t in items]}]


def _message(message: dict[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    content = message.get("content")
    if isinstance(content, str):
        parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for chunk in content:
            if chunk.get("type") == "text":
                parts.append({"type": "text", "content": chunk.get("text", "")})
            else:
                parts.append({"type": str(chunk.get("type"))})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": function.get("name"),
                "arguments": function.get("arguments"),
            }
        )
    if message.get("role") == "tool":
        return {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": message.get("tool_call_id"), "response": content}],
        }
    return {"role": message.get("role"), "parts": parts}


def _entries_messages(entries: list[Any]) -> list[dict[str, Any]]:
    """Conversation entries in the conventions' message shape."""
    out: list[dict[str, Any]] = []
    for entry in entries:
        kind = getattr(entry, "type", None)
        if kind in ("message.input", "message.output"):
            content = entry.content
            text = content if isinstance(content, str) else "".join(getattr(c, "text", "") for c in content)
            out.append({"role": entry.role, "parts": [{"type": "text", "content": text}]})
        elif kind == "function.call":
            call = {
                "type": "tool_call",
                "id": entry.tool_call_id,
                "name": entry.name,
                "arguments": entry.arguments,
            }
            out.append({"role": "assistant", "parts": [call]})
        elif kind == "function.result":
            result = {"type": "tool_call_response", "id": entry.tool_call_id, "response": entry.result}
            out.append({"role": "tool", "parts": [result]})
    return out


def _output_message(message: Any, finish_reason: Any) -> dict[str, Any]:
    out = _message(message.model_dump(mode="json", exclude_none=True))
    out["finish_reason"] = str(finish_reason or "")
    return out

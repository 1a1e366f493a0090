"""FakeBackend's answers: the queued reply kinds and the response, chunk, usage and error builders."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    status_error_class,
)
from ._conversations import completed, events_of, is_turn, response_body
from ._events import BYTES_ANSWERS, TEXT_ANSWERS, script_for, whole_operation

if TYPE_CHECKING:
    from . import Answer, FakeRequest


class Reply:
    """A queued answer; it turns into the result for whatever request it meets."""

    def result(self, request: FakeRequest, number: int) -> Any:
        raise NotImplementedError

    def chunks(self, request: FakeRequest, number: int) -> list[Any]:
        # A complete answer to a stream: the response, cut into the chunks (or events) the API would send.
        whole = self.result(_as_complete(request), number)
        if is_turn(request):  # a conversation's events
            return [parse_body(request, event) for event in events_of(whole)]
        script = script_for(request)
        if script is not None:
            return [parse_body(request, event) for event in script.split(whole)]
        return _response_chunks(whole, request)

    def stream_error(self) -> BaseException | None:
        return None


@dataclass
class _Completion(Reply):
    text: str | None
    tool_calls: Sequence[Mapping[str, Any]] | None
    finish_reason: str | None
    usage: Mapping[str, int] | None

    def result(self, request: FakeRequest, number: int) -> Any:
        if is_turn(request):
            body = response_body(
                request, number, text=self.text, tool_calls=self.tool_calls, usage=self.usage
            )
            return parse_body(request, body)
        answer = TEXT_ANSWERS.get(whole_operation(request))
        if answer is not None:  # a transcription's text, say
            return parse_body(request, answer(request, self.text or "", self.usage))
        endpoint = request.request.endpoint
        if endpoint is not None and endpoint.span is None and self.text is not None and not self.tool_calls:
            # Not a model call: the text is the JSON string the operation answers (a signed URL).
            return parse_body(request, self.text)
        _fits(request, _COMPLETIONS, "text or tool_calls")
        message: dict[str, Any] = {"role": "assistant", "content": self.text or ""}
        calls = _tool_calls(self.tool_calls)
        if calls:
            message["tool_calls"] = calls
        finish = self.finish_reason or ("tool_calls" if calls else "stop")
        body = {
            **_envelope(request, number, "chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": _usage(request, self.usage, [self.text or ""]),
        }
        return parse_body(request, body)


@dataclass
class _Body(Reply):
    body: Any  # a dict or a response model

    def result(self, request: FakeRequest, number: int) -> Any:
        if isinstance(self.body, Mapping):
            if is_turn(request):
                return parse_body(request, completed(request, number, self.body))
            return parse_body(request, dict(self.body))
        answer = BYTES_ANSWERS.get(whole_operation(request))
        if answer is not None and isinstance(self.body, (bytes, bytearray)):  # speech's audio, say
            return parse_body(request, answer(request, bytes(self.body), None))
        return self.body


@dataclass
class _Embeddings(Reply):
    vectors: Sequence[Sequence[float]]
    usage: Mapping[str, int] | None

    def result(self, request: FakeRequest, number: int) -> Any:
        _fits(request, ("embeddings.create",), "embeddings=")
        inputs = request.params.get("input")
        count = 1 if isinstance(inputs, str) else len(inputs or [])
        if count and len(self.vectors) != count:
            from . import FakeBackendError  # the public module, loaded by now

            raise FakeBackendError(
                f"FakeBackend: {len(self.vectors)} queued embeddings for a request with {count} inputs"
            )
        body = {
            **_envelope(request, number, "list"),
            "data": [
                {"object": "embedding", "index": i, "embedding": list(v)} for i, v in enumerate(self.vectors)
            ],
            "usage": _usage(request, self.usage, []),
        }
        return parse_body(request, body)


#: The operations a text (or tool calls) answers: what the queue's shortcuts build is a completion.
_COMPLETIONS = (
    "chat.complete",
    "chat.stream",
    "fim.complete",
    "fim.stream",
    "agents.complete",
    "agents.stream",
)


def _fits(request: FakeRequest, operations: Sequence[str], what: str) -> None:
    if request.operation not in operations:
        from . import FakeBackendError  # the public module, loaded by now

        raise FakeBackendError(
            f"FakeBackend: a {what} answer does not fit {request.operation}; queue its response as a "
            "dict (the JSON the API sends) or a response model"
        )


@dataclass
class ErrorReply(Reply):
    error: Any
    message: str | None
    retry_after: float | None

    def raise_it(self, request: FakeRequest) -> None:
        raise _make_error(self.error, request, self.message, self.retry_after)

    def result(self, request: FakeRequest, number: int) -> Any:
        self.raise_it(request)

    def chunks(self, request: FakeRequest, number: int) -> list[Any]:
        self.raise_it(request)
        return []


def to_reply(
    answer: Answer,
    text: str | None,
    tool_calls: Sequence[Mapping[str, Any]] | None,
    finish_reason: str | None,
    usage: Mapping[str, int] | None,
    embeddings: Sequence[Sequence[float]] | None,
) -> Reply:
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
        return ErrorReply(answer, None, None)
    if embeddings is not None:
        return _Embeddings(embeddings, usage)
    if answer is None or isinstance(answer, str):
        if answer is None and text is None and tool_calls is None:
            raise TypeError("add_response() needs an answer: text, tool_calls=, embeddings= or a body")
        return _Completion(answer if text is None else text, tool_calls, finish_reason, usage)
    return _Body(answer)


def stream_chunks(
    request: FakeRequest,
    number: int,
    pieces: Sequence[Any],
    tool_calls: Sequence[Mapping[str, Any]] | None,
    finish_reason: str | None,
    usage: Mapping[str, int] | None,
) -> list[Any]:
    """A streamed answer's chunks: the text pieces (or whole chunks), then the final chunk."""
    base = _envelope(request, number, "chat.completion.chunk")
    out: list[Any] = []
    texts: list[str] = []
    if not pieces or isinstance(pieces[0], str):
        out.append(_chunk(request, base, {"role": "assistant", "content": ""}))
    for piece in pieces:
        if isinstance(piece, str):
            texts.append(piece)
            out.append(_chunk(request, base, {"content": piece}))
        elif isinstance(piece, Mapping):
            out.append(parse_body(request, {**base, **piece}))
        else:  # a CompletionChunk
            out.append(piece)
    calls = _tool_calls(tool_calls)
    only_chunks = pieces and not texts and not calls and finish_reason is None
    if not only_chunks:  # chunks given whole carry their own ending
        delta: dict[str, Any] = {"tool_calls": calls} if calls else {}
        finish = finish_reason or ("tool_calls" if calls else "stop")
        out.append(_chunk(request, base, delta, finish, _usage(request, usage, texts)))
    return out


def _envelope(request: FakeRequest, number: int, kind: str) -> dict[str, Any]:
    return {"id": f"fake-{number}", "object": kind, "model": request.model or "", "created": 0}


def _usage(request: FakeRequest, given: Mapping[str, int] | None, texts: list[str]) -> dict[str, int]:
    if given is not None:
        usage = dict(given)
    else:
        # Not a tokenizer: a stable, plausible count (words) so that code reading usage has numbers.
        prompt = sum(len(str(m.get("content") or "").split()) for m in request.messages)
        prompt += len(str(request.params.get("prompt") or "").split())
        inputs = request.params.get("input")
        for item in [inputs] if isinstance(inputs, str) else inputs or []:
            prompt += len(str(item).split())
        usage = {"prompt_tokens": prompt, "completion_tokens": sum(len(t.split()) for t in texts)}
    usage.setdefault("prompt_tokens", 0)
    usage.setdefault("completion_tokens", 0)
    usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
    return usage


def _tool_calls(calls: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Accepts ``{"name", "arguments"}`` or the API's ``{"id", "function": {...}}`` form."""
    out = []
    for i, call in enumerate(calls or ()):
        function = dict(
            call.get("function") or {"name": call.get("name"), "arguments": call.get("arguments")}
        )
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            function["arguments"] = json.dumps(arguments if arguments is not None else {})
        out.append(
            {"id": call.get("id") or f"call_{i}", "type": "function", "function": function, "index": i}
        )
    return out


def parse_body(request: FakeRequest, body: Mapping[str, Any] | str) -> Any:
    # The request's own parser: the fake's answers go through the exact types real ones do.
    return request.request.parse(json.dumps(body))


def _chunk(
    request: FakeRequest,
    base: Mapping[str, Any],
    delta: Mapping[str, Any],
    finish_reason: str | None = None,
    usage: Mapping[str, int] | None = None,
) -> Any:
    body: dict[str, Any] = {
        **base,
        "choices": [{"index": 0, "delta": dict(delta), "finish_reason": finish_reason}],
    }
    if usage is not None:
        body["usage"] = dict(usage)
    return parse_body(request, body)


def _as_complete(request: FakeRequest) -> FakeRequest:
    """The request, parsing into the complete response type (to cut it into chunks after)."""
    from .._endpoints import CHAT_COMPLETE

    endpoint = request.request.endpoint
    whole = (endpoint.whole if endpoint is not None else None) or CHAT_COMPLETE
    return dataclasses.replace(request, request=dataclasses.replace(request.request, parse=whole.parse))


def as_stream(request: FakeRequest) -> FakeRequest:
    """The request, parsing stream chunks (a queued stream answering a complete call)."""
    from .._endpoints import CHAT_STREAM, STREAMED

    endpoint = request.request.endpoint
    streamed = STREAMED.get(endpoint, CHAT_STREAM) if endpoint is not None else CHAT_STREAM
    return dataclasses.replace(request, request=dataclasses.replace(request.request, parse=streamed.parse))


def _response_chunks(response: Any, request: FakeRequest) -> list[Any]:
    choice = response.choices[0] if response.choices else None
    message = choice.message if choice is not None else None
    text = message.content if message is not None and isinstance(message.content, str) else ""
    calls = (
        [c.model_dump(mode="json", exclude_none=True) for c in (message.tool_calls or [])] if message else []
    )
    return stream_chunks(
        request,
        0,
        [text] if text else [],
        calls or None,
        choice.finish_reason if choice is not None else None,
        response.usage.model_dump(exclude_none=True) if response.usage is not None else None,
    )


_STATUS_OF: dict[type[APIStatusError], int] = {
    BadRequestError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    UnprocessableEntityError: 422,
    RateLimitError: 429,
    InternalServerError: 500,
}


def _make_error(
    error: Any, request: FakeRequest, message: str | None, retry_after: float | None
) -> BaseException:
    if isinstance(error, BaseException):
        return error
    http_request = httpx2.Request(request.request.method, f"https://fake.invalid{request.request.path}")
    if isinstance(error, int) or (isinstance(error, type) and issubclass(error, APIStatusError)):
        if isinstance(error, int):
            status, error_class = error, status_error_class(error)
        else:
            status, error_class = _STATUS_OF.get(error, 500), error
        text = message or f"fake {status} error"
        headers = {"x-request-id": "fake-error"}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        response = httpx2.Response(status, json={"message": text}, headers=headers, request=http_request)
        exc = error_class(
            f"Error code: {status} - {text}",
            response=response,
            body={"message": text},
            request_id="fake-error",
        )
        if isinstance(exc, RateLimitError):
            exc.retry_after = retry_after
        return exc
    if isinstance(error, type) and issubclass(error, APIConnectionError):
        return error(message or "Connection error (fake).", request=http_request)
    if isinstance(error, type) and issubclass(error, BaseException):
        return error(message) if message else error()
    raise TypeError(f"add_error() takes an exception, an exception class or a status code, not {error!r}")

"""Test helpers for code that uses mistral_client: a fake backend with queued or computed answers.

    from mistral_client import Client
    from mistral_client.testing import FakeBackend

    fake = FakeBackend()
    fake.add_response("Paris")
    client = Client(backend=fake)
    assert client.chat.complete(model="m", messages=[...]).text == "Paris"
    assert fake.requests[0].params["messages"][0]["content"] == ...

One ``FakeBackend`` serves ``Client`` and ``AsyncClient`` alike. Answers are used in the order they
were queued, whatever the operation; when the queue is empty, ``responder`` (a function of the
:class:`FakeRequest`) answers. Requests go through the client's own validation first, so a call the
API would reject fails here too. The fake does not retry: an error is raised the first time.

The ``fake_backend`` pytest fixture comes with the package (a ``pytest11`` plugin), or import it
into a ``conftest.py``: ``from mistral_client.testing import fake_backend``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx2

from ._backend import (
    REQUEST_CONTEXT,
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
    Backend,
    RequestOptions,
    StreamResponse,
)
from ._exceptions import (
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

if TYPE_CHECKING:
    from ._pytest_plugin import fake_backend
    from .types._base import MistralModel

__all__ = ["FakeBackend", "FakeBackendError", "FakeRequest", "fake_backend"]

T = TypeVar("T")

#: What ``responder`` may return, and ``add_response`` takes: text, a JSON body (dict), a response
#: model, an exception, or a stream from :meth:`FakeBackend.stream`.
Answer = Any


class FakeBackendError(AssertionError):
    """The fake was asked something it has no answer for: a test mistake, not an API error."""


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake received, after the client validated it."""

    #: "chat.complete", "chat.stream", "fim.complete", "embeddings.create", "models.list", ...
    operation: str
    #: The validated body as the JSON the API would get (unset fields left out); for a GET, the
    #: path and query parameters; for an upload, the form fields and ``filename``.
    params: dict[str, Any]
    #: The validated request model (``None`` for a GET).
    body: MistralModel | None
    options: RequestOptions
    #: The whole request as the backend seam received it.
    request: APIRequest[Any] = field(repr=False)

    @property
    def model(self) -> str | None:
        value = self.params.get("model")
        return value if isinstance(value, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.params.get("messages") or [])


class _Reply:
    """A queued answer; it turns into the result for whatever request it meets."""

    def result(self, request: FakeRequest, number: int) -> Any:
        raise NotImplementedError

    def chunks(self, request: FakeRequest, number: int) -> list[Any]:
        # A complete answer to a stream: the response, cut into the chunks the API would send.
        return _response_chunks(self.result(_as_complete(request), number), request)

    def stream_error(self) -> BaseException | None:
        return None


@dataclass
class _Completion(_Reply):
    text: str | None
    tool_calls: Sequence[Mapping[str, Any]] | None
    finish_reason: str | None
    usage: Mapping[str, int] | None

    def result(self, request: FakeRequest, number: int) -> Any:
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
        return _parse(request, body)


@dataclass
class _Body(_Reply):
    body: Any  # a dict or a response model

    def result(self, request: FakeRequest, number: int) -> Any:
        if isinstance(self.body, Mapping):
            return _parse(request, dict(self.body))
        return self.body


@dataclass
class _Embeddings(_Reply):
    vectors: Sequence[Sequence[float]]
    usage: Mapping[str, int] | None

    def result(self, request: FakeRequest, number: int) -> Any:
        inputs = request.params.get("input")
        count = 1 if isinstance(inputs, str) else len(inputs or [])
        if count and len(self.vectors) != count:
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
        return _parse(request, body)


@dataclass
class _Error(_Reply):
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


@dataclass
class FakeStream(_Reply):
    """A streamed answer: text pieces and/or whole chunks, then the final chunk.

    ``error`` is raised after the pieces, as a connection dropped mid-stream would.
    """

    pieces: Sequence[Any]
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    finish_reason: str | None = None
    usage: Mapping[str, int] | None = None
    error: BaseException | None = None

    def chunks(self, request: FakeRequest, number: int) -> list[Any]:
        base = _envelope(request, number, "chat.completion.chunk")
        out: list[Any] = []
        texts: list[str] = []
        if not self.pieces or isinstance(self.pieces[0], str):
            out.append(_chunk(request, base, {"role": "assistant", "content": ""}))
        for piece in self.pieces:
            if isinstance(piece, str):
                texts.append(piece)
                out.append(_chunk(request, base, {"content": piece}))
            elif isinstance(piece, Mapping):
                out.append(_parse(request, {**base, **piece}))
            else:  # a CompletionChunk
                out.append(piece)
        calls = _tool_calls(self.tool_calls)
        only_chunks = self.pieces and not texts and not calls and self.finish_reason is None
        if not only_chunks:  # chunks given whole carry their own ending
            delta: dict[str, Any] = {"tool_calls": calls} if calls else {}
            finish = self.finish_reason or ("tool_calls" if calls else "stop")
            usage = _usage(request, self.usage, texts)
            out.append(_chunk(request, base, delta, finish, usage))
        return out

    def stream_error(self) -> BaseException | None:
        return self.error

    def result(self, request: FakeRequest, number: int) -> Any:
        # A stream answering a complete call: what the stream adds up to.
        from ._accumulate import Accumulator
        from .types.chat import ChatCompletionResponse

        if self.error is not None:
            raise self.error
        accumulator = Accumulator()
        for chunk in self.chunks(_as_stream(request), number):
            accumulator.add(chunk)
        merged = accumulator.build(ChatCompletionResponse)
        return _parse(request, merged.model_dump(mode="json", exclude_none=True))


class FakeBackend(Backend, AsyncBackend):
    """A backend for tests: answers from a queue, or from ``responder``; records every request.

    ``responder(request: FakeRequest)`` returns anything :meth:`add_response` takes (or a
    :meth:`stream`), or raises; it answers whenever the queue is empty.
    """

    def __init__(self, responder: Callable[[FakeRequest], Answer] | None = None) -> None:
        self.responder = responder
        #: Every request received, in order.
        self.requests: list[FakeRequest] = []
        self._queue: deque[_Reply] = deque()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:
        return f"<FakeBackend queued={len(self._queue)} requests={len(self.requests)}>"

    # --- queueing -------------------------------------------------------------------------------

    def add_response(
        self,
        answer: Answer = None,
        /,
        *,
        text: str | None = None,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        embeddings: Sequence[Sequence[float]] | None = None,
    ) -> FakeBackend:
        """Queue one answer: a text (chat, FIM), a JSON body (dict) or response model for any
        endpoint, ``tool_calls=[{"name": ..., "arguments": {...}}]``, or ``embeddings=[[...], ...]``
        (one vector per input). A text answer to a stream request is streamed in one piece."""
        self._queue.append(_reply(answer, text, tool_calls, finish_reason, usage, embeddings))
        return self

    def add_stream(
        self,
        pieces: Iterable[Any] = (),
        /,
        *,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        error: BaseException | None = None,
    ) -> FakeBackend:
        """Queue a streamed answer: text pieces (or whole chunks: dicts or ``CompletionChunk``),
        then a final chunk with ``tool_calls``, the finish reason and usage; ``error`` is raised
        after the pieces. A stream answering a non-streaming call is merged, as the API would."""
        self._queue.append(
            self.stream(pieces, tool_calls=tool_calls, finish_reason=finish_reason, usage=usage, error=error)
        )
        return self

    def add_error(
        self, error: Any, /, *, message: str | None = None, retry_after: float | None = None
    ) -> FakeBackend:
        """Queue an error: an exception instance, an exception class (``RateLimitError``,
        ``APIConnectionError``...) or an HTTP status code (``503``), raised by the next request."""
        self._queue.append(_Error(error, message, retry_after))
        return self

    @staticmethod
    def stream(
        pieces: Iterable[Any] = (),
        *,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        error: BaseException | None = None,
    ) -> FakeStream:
        """A streamed answer, for ``responder`` to return (:meth:`add_stream` queues one)."""
        return FakeStream(list(pieces), tool_calls, finish_reason, usage, error)

    @property
    def pending(self) -> int:
        """How many queued answers are still unused."""
        return len(self._queue)

    # --- answering ------------------------------------------------------------------------------

    def _next(self, request: APIRequest[Any]) -> tuple[FakeRequest, _Reply, int]:
        recorded = _record(request)
        with self._lock:
            self.requests.append(recorded)
            number = next(self._numbers)
            reply = self._queue.popleft() if self._queue else None
        if reply is None:
            if self.responder is None:
                raise FakeBackendError(
                    f"FakeBackend: no answer for request #{number} ({request.operation}); queue one with "
                    "add_response(), add_stream() or add_error(), or pass responder="
                )
            answer = self.responder(recorded)
            reply = answer if isinstance(answer, _Reply) else _reply(answer, None, None, None, None, None)
        return recorded, reply, number

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        recorded, reply, number = self._next(request)
        result = reply.result(recorded, number)
        return APIResponse(lambda: result, **_info(number))

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        recorded, reply, number = self._next(request)
        chunks = reply.chunks(recorded, number)
        return StreamResponse(_iterate(chunks, reply.stream_error()), lambda: None, **_info(number))

    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        return self.handle_request(request)

    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        recorded, reply, number = self._next(request)
        chunks = reply.chunks(recorded, number)

        async def close() -> None:
            pass

        events = _aiterate(chunks, reply.stream_error())
        return AsyncStreamResponse(cast("AsyncIterator[T]", events), close, **_info(number))


def __getattr__(name: str) -> Any:
    # The fixture lives with pytest, which only tests import.
    if name == "fake_backend":
        from ._pytest_plugin import fake_backend

        return fake_backend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- helpers ----------------------------------------------------------------------------------------


def _reply(
    answer: Answer,
    text: str | None,
    tool_calls: Sequence[Mapping[str, Any]] | None,
    finish_reason: str | None,
    usage: Mapping[str, int] | None,
    embeddings: Sequence[Sequence[float]] | None,
) -> _Reply:
    if isinstance(answer, _Reply):
        return answer
    if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
        return _Error(answer, None, None)
    if embeddings is not None:
        return _Embeddings(embeddings, usage)
    if answer is None or isinstance(answer, str):
        if answer is None and text is None and tool_calls is None:
            raise TypeError("add_response() needs an answer: text, tool_calls=, embeddings= or a body")
        return _Completion(answer if text is None else text, tool_calls, finish_reason, usage)
    return _Body(answer)


def _record(request: APIRequest[Any]) -> FakeRequest:
    if request.body is not None:
        params = request.body.model_dump(
            mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT
        )
    else:
        params = {**request.path_params, **(request.query or {})}
    if request.multipart is not None:  # files.upload: what the form carries, but the file itself
        params.update(request.multipart.fields, filename=request.multipart.filename)
    return FakeRequest(request.operation, params, request.body, request.options, request)


def _info(number: int) -> dict[str, Any]:
    return {"status_code": 200, "request_id": f"fake-request-{number}"}


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


def _parse(request: FakeRequest, body: Mapping[str, Any]) -> Any:
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
    return _parse(request, body)


def _as_complete(request: FakeRequest) -> FakeRequest:
    """The request, parsing into the complete response type (to cut it into chunks after)."""
    from .types.chat import ChatCompletionResponse

    parse = ChatCompletionResponse.model_validate_json
    return FakeRequest(
        request.operation, request.params, request.body, request.options, _with_parse(request, parse)
    )


def _as_stream(request: FakeRequest) -> FakeRequest:
    from .types.chat import CompletionChunk

    parse = CompletionChunk.model_validate_json
    return FakeRequest(
        request.operation, request.params, request.body, request.options, _with_parse(request, parse)
    )


def _with_parse(request: FakeRequest, parse: Callable[[str | bytes], Any]) -> APIRequest[Any]:
    original = request.request
    return APIRequest(
        operation=original.operation,
        method=original.method,
        path=original.path,
        parse=parse,
        body=original.body,
        path_params=original.path_params,
        query=original.query,
        options=original.options,
    )


def _response_chunks(response: Any, request: FakeRequest) -> list[Any]:
    choice = response.choices[0] if response.choices else None
    message = choice.message if choice is not None else None
    text = message.content if message is not None and isinstance(message.content, str) else ""
    calls = (
        [c.model_dump(mode="json", exclude_none=True) for c in (message.tool_calls or [])] if message else []
    )
    stream = FakeStream(
        [text] if text else [],
        tool_calls=calls or None,
        finish_reason=choice.finish_reason if choice is not None else None,
        usage=response.usage.model_dump(exclude_none=True),
    )
    return stream.chunks(request, 0)


def _iterate(chunks: list[Any], error: BaseException | None) -> Iterator[Any]:
    yield from chunks
    if error is not None:
        raise error


async def _aiterate(chunks: list[Any], error: BaseException | None) -> AsyncIterator[Any]:
    import anyio.lowlevel

    for chunk in chunks:
        await anyio.lowlevel.checkpoint()  # a real stream yields to the event loop between events
        yield chunk
    if error is not None:
        raise error


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

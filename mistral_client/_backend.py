"""The seam between a client and what answers it.

A client turns each call into an :class:`APIRequest` (validated, typed, with its options resolved)
and hands it to a backend, the way an ``httpx2.Client`` hands a request to its transport. A backend
answers with an :class:`APIResponse`, or for a stream a :class:`StreamResponse`
(:class:`AsyncStreamResponse`). The HTTP backends speak to the API or an OpenAI-compatible server,
``mistral_client.local.LocalBackend`` runs open weights in-process, and a test can plug in its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar, Union

import httpx2

if TYPE_CHECKING:
    from ._endpoints import Endpoint
    from ._retry import RetryPolicy
    from .types._base import MistralModel
    from .types.tokens import TokenCount

T = TypeVar("T")
R = TypeVar("R")
T_co = TypeVar("T_co", covariant=True)

#: The pydantic serialization context of a request body: models drop unknown (extra) fields in it.
REQUEST_CONTEXT = "mistral_client.request"


class UseDefault:
    """The type of :data:`USE_DEFAULT`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "USE_DEFAULT"


#: A timeout left to the backend: its own default (for the HTTP backends, that of their httpx2 client).
USE_DEFAULT = UseDefault()

#: A timeout in seconds, an ``httpx2.Timeout``, ``None`` for none, or :data:`USE_DEFAULT`.
TimeoutTypes = Union[float, httpx2.Timeout, None, UseDefault]


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Per-request options, already merged with the client's defaults."""

    timeout: TimeoutTypes = USE_DEFAULT
    max_retries: int = 2
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    #: The client's retry policy (``Client(retry_policy=...)``); ``None``: the backend's own.
    retry_policy: RetryPolicy | None = None


@dataclass(frozen=True, slots=True)
class ClientDefaults:
    """The options a client applies to every call unless the call overrides them."""

    timeout: TimeoutTypes
    max_retries: int
    retry_policy: RetryPolicy | None = None


@dataclass(frozen=True, slots=True)
class TokenCountRequest:
    """What :meth:`Backend.count_tokens` counts: a chat request's ``messages`` and ``tools`` (already
    validated, in the API's JSON form) or a FIM request's ``prompt`` and ``suffix``."""

    model: str
    messages: Sequence[Mapping[str, Any]] | None = None
    tools: Sequence[Mapping[str, Any]] | None = None
    prompt: str | None = None
    suffix: str | None = None


@dataclass(frozen=True, slots=True)
class Multipart:
    """A ``multipart/form-data`` body: text ``fields`` and at most one file part, streamed from ``file``.

    A field whose value is a sequence is sent as one part per value, under the same name, in order
    (an array of the spec's forms: ``timestamp_granularities``), as the official SDK sends them.
    ``file`` is a path, bytes or a binary file object, or ``None`` for a form without a file part (a
    transcription of a ``file_url``). The HTTP backends open a path only while they send, and read
    the file in chunks (the async one in a worker thread), so a large file is never held in memory
    and never blocks the event loop.
    """

    fields: Mapping[str, str | Sequence[str]]
    file_field: str = "file"
    filename: str = ""
    file: IO[bytes] | bytes | PurePath | None = None
    content_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class APIRequest(Generic[T]):
    """One call, as a backend receives it.

    ``operation`` names the endpoint ("chat.complete", "chat.stream", "fim.complete", "fim.stream",
    "embeddings.create", "models.list", "models.retrieve", "models.delete", "files.upload", ...,
    "batch.jobs.create", ...; "request" for every ``client.request`` call, told apart by ``method`` and
    ``path``) so a backend that is not HTTP can dispatch on it; ``endpoint`` is its
    record (method, path template, whether it streams...: see ``mistral_client._endpoints``);
    ``body`` is the validated request model (``None`` for a GET; for a multipart form, its validated
    text fields, which ``multipart`` carries as sent); ``parse`` turns a JSON document (the body, or
    one stream event) into the result type (for a download, the raw bytes).
    """

    operation: str
    method: str
    path: str
    parse: Callable[[str | bytes], T]
    body: MistralModel | None = None
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] | None = None
    options: RequestOptions = field(default_factory=RequestOptions)
    #: A multipart body (file uploads) instead of a JSON ``body``.
    multipart: Multipart | None = None
    #: The operation's record; ``None`` only for a request built by hand (a test's).
    endpoint: Endpoint[Any] | None = None

    @property
    def stream(self) -> bool:
        """Whether the answer is a stream of events (server-sent events over HTTP)."""
        return self.endpoint is not None and self.endpoint.stream


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The ``x-ratelimit-*`` headers of a response (``None`` where the server sent none)."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests: str | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: str | None = None
    #: Every ``x-ratelimit-*`` header as sent, for the ones not named above.
    raw: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        raw = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-ratelimit-")}

        def number(name: str) -> int | None:
            value = raw.get(name)
            try:
                return int(value) if value is not None else None
            except ValueError:
                return None

        return cls(
            limit_requests=number("x-ratelimit-limit-requests"),
            remaining_requests=number("x-ratelimit-remaining-requests"),
            reset_requests=raw.get("x-ratelimit-reset-requests"),
            limit_tokens=number("x-ratelimit-limit-tokens"),
            remaining_tokens=number("x-ratelimit-remaining-tokens"),
            reset_tokens=raw.get("x-ratelimit-reset-tokens"),
            raw=raw,
        )


class _ResponseInfo:
    """What every response tells besides its content."""

    __slots__ = ("elapsed", "headers", "http_response", "request_id", "retries_taken", "status_code")

    def __init__(
        self,
        *,
        status_code: int = 200,
        headers: httpx2.Headers | None = None,
        request_id: str | None = None,
        retries_taken: int = 0,
        elapsed: float = 0.0,
        http_response: httpx2.Response | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers if headers is not None else httpx2.Headers()
        self.request_id = request_id
        #: How many times the request was retried before this response.
        self.retries_taken = retries_taken
        #: Seconds from the first attempt's start until the response was in (a stream's: its headers).
        self.elapsed = elapsed
        #: The underlying ``httpx2.Response``, for HTTP backends.
        self.http_response = http_response

    @property
    def rate_limit(self) -> RateLimit:
        return RateLimit.from_headers(self.headers)

    def _info(self) -> dict[str, Any]:
        """This metadata as keyword arguments, for a response standing in for this one."""
        return {name: getattr(self, name) for name in _ResponseInfo.__slots__}


class APIResponse(_ResponseInfo, Generic[T_co]):
    """A complete response: its metadata, and :meth:`parse` for the typed result."""

    __slots__ = ("_parse", "_parsed")

    def __init__(self, parse: Callable[[], T_co], **info: Any) -> None:
        super().__init__(**info)
        self._parse = parse
        self._parsed: Any = _UNSET

    def parse(self) -> T_co:
        """The response as its pydantic type (parsed once, on first call)."""
        if self._parsed is _UNSET:
            parsed = self._parse()
            # Top-level response models carry the request id (see types.ResponseModel).
            if getattr(parsed, "_request_id", _UNSET) is None:
                parsed._request_id = self.request_id  # type: ignore[attr-defined]
            self._parsed = parsed
        result: T_co = self._parsed
        return result

    def _then(self, transform: Callable[[Any], R]) -> APIResponse[R]:
        """This response, its result passed through ``transform`` (``files.url``'s URL of the answer)."""
        return APIResponse(lambda: transform(self.parse()), **self._info())

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] request_id={self.request_id!r}>"


class StreamResponse(_ResponseInfo, Generic[T_co]):
    """An open stream: iterate it for the events; :meth:`close` releases it early."""

    __slots__ = ("_events", "_on_close")

    def __init__(self, events: Iterator[T_co], on_close: Callable[[], None], **info: Any) -> None:
        super().__init__(**info)
        self._events = events
        self._on_close = on_close

    def __iter__(self) -> Iterator[T_co]:
        return self._events

    def __next__(self) -> T_co:
        return next(self._events)

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        if close is not None:
            close()
        self._on_close()


class AsyncStreamResponse(_ResponseInfo, Generic[T_co]):
    """The async form of :class:`StreamResponse`."""

    __slots__ = ("_events", "_on_close")

    def __init__(
        self, events: AsyncIterator[T_co], on_close: Callable[[], Awaitable[None]], **info: Any
    ) -> None:
        super().__init__(**info)
        self._events = events
        self._on_close = on_close

    def __aiter__(self) -> AsyncIterator[T_co]:
        return self._events

    async def __anext__(self) -> T_co:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        close = getattr(self._events, "aclose", None)
        if close is not None:
            await close()
        await self._on_close()


class _Unset:
    __slots__ = ()


_UNSET = _Unset()


class _Declarations:
    """What the client asks of every backend besides answering requests, with the defaults of a backend
    that is not HTTP. A backend that wraps another (a proxy, a recorder) forwards these."""

    @property
    def remote_batches(self) -> bool:
        """Whether Batch API jobs (``client.batch.start`` / ``run`` / ``resume``) go to a server through
        this backend (the ``files.*`` and ``batch.jobs.*`` operations), rather than running in-process,
        each request through :meth:`~Backend.handle_request`. The HTTP backends: ``True``."""
        return False

    @property
    def retry_policy(self) -> RetryPolicy | None:
        """The policy this backend retries with, for work the client retries itself (bulk embeddings)
        when the client was given none; ``None``: the default :class:`~mistral_client.RetryPolicy`."""
        return None

    @property
    def server_address(self) -> str | None:
        """The server this backend talks to (a base URL), for tracing; ``None`` when in-process."""
        return None

    def count_tokens(self, request: TokenCountRequest) -> TokenCount | None:
        """Count a request's prompt tokens with this backend's own tokenizer (``client.tokens.count``);
        ``None``: the model is an API model, counted with mistral-common's tokenizers."""
        return None


class Backend(_Declarations, ABC):
    """What a sync :class:`~mistral_client.Client` sends its requests to."""

    @abstractmethod
    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        """Answer one non-streaming request, or raise a :class:`~mistral_client.MistralError`."""

    @abstractmethod
    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        """Start a stream; its events are ``T``. Errors before the first event are raised here."""

    def handle_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        """Write a binary response body into ``sink``; returns the bytes written.

        The HTTP backend streams it in chunks; this default reads the whole body first.
        """
        data = self.handle_request(request).parse()
        sink.write(data)
        return len(data)

    def close(self) -> None:
        """Release what the backend holds (connections, threads)."""


class AsyncBackend(_Declarations, ABC):
    """What an :class:`~mistral_client.AsyncClient` sends its requests to (:meth:`count_tokens`, CPU
    work, is called from a worker thread)."""

    @abstractmethod
    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        """Answer one non-streaming request, or raise a :class:`~mistral_client.MistralError`."""

    @abstractmethod
    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        """Start a stream; its events are ``T``. Errors before the first event are raised here."""

    async def handle_async_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        """Write a binary response body into ``sink``; returns the bytes written (see
        :meth:`Backend.handle_download`)."""
        data = (await self.handle_async_request(request)).parse()
        sink.write(data)
        return len(data)

    async def aclose(self) -> None:
        """Release what the backend holds."""

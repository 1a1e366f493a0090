"""What every endpoint group shares: the one door from a resource to its client.

A resource method names its operation's record and passes its keyword arguments; :meth:`_call`
builds the request (:mod:`mistral_client._requests`, shared by sync and async), sends it through the
client's transport (the backend, wrapped with tracing) and parses the answer; :meth:`_stream` makes
the stream object. A resource's ``with_raw_response`` is a copy in raw mode, where the same methods
return the :class:`~mistral_client.APIResponse` (for a stream: once it is open) instead: each method
is written once, and its raw form cannot drift from it.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, Protocol, Self, TypeVar, cast

from .._backend import APIResponse, AsyncBackend, AsyncStreamResponse, Backend, StreamResponse
from .._lazy import lazy_module

if TYPE_CHECKING:
    from .. import _endpoints as endpoints
    from .. import _requests as requests
    from .. import _streaming as streams
    from .._backend import APIRequest
    from .._client import AsyncClient, Client
    from .._endpoints import Endpoint
    from .._requests import Upload
    from ..types import chat as chat_types
else:
    endpoints = lazy_module("mistral_client._endpoints")
    requests = lazy_module("mistral_client._requests")
    streams = lazy_module("mistral_client._streaming")
    chat_types = lazy_module("mistral_client.types.chat")


class _SyncStream(Protocol):
    def _open(self) -> StreamResponse[Any]: ...


class _AsyncStream(Protocol):
    async def _open(self) -> AsyncStreamResponse[Any]: ...


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound=_SyncStream)
AS = TypeVar("AS", bound=_AsyncStream)
T = TypeVar("T")


class _Resource:
    #: Public methods that run a whole workflow (several requests, or none), with no raw form.
    workflows: ClassVar[frozenset[str]] = frozenset()
    _raw = False

    def _raw_copy(self) -> Self:
        """This resource (and its sub-resources) in raw mode: methods return the APIResponse."""
        raw = copy.copy(self)
        raw._raw = True
        for name, value in vars(self).items():
            if isinstance(value, _Resource):
                setattr(raw, name, value._raw_copy())
        return raw


class SyncAPIResource(_Resource):
    """An endpoint group of :class:`~mistral_client.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def _transport(self) -> Backend:
        """The client's one door to its backend (for work that sends many requests itself)."""
        return self._client._transport

    def _request(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> APIRequest[T]:
        return requests.build(endpoint, params, self._client._defaults, path=path, upload=upload)

    def _call(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        *,
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> T:
        """Send one call; its parsed result, or in raw mode the APIResponse (typed by ``raw()``)."""
        response = self._transport.handle_request(self._request(endpoint, params, path, upload))
        return cast("T", response) if self._raw else response.parse()

    def _call_then(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        then: Callable[[T], R],
        *,
        path: Mapping[str, object] | None = None,
    ) -> R:
        """:meth:`_call`, its result passed through ``then`` (in raw mode, when parsed)."""
        request = self._request(endpoint, params, path)
        response = self._transport.handle_request(request)._then(then)
        return cast("R", response) if self._raw else response.parse()

    def _stream(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        make: Callable[[Backend, APIRequest[T]], S],
        *,
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> S:
        """The stream object ``make`` builds (nothing sent yet); in raw mode, sent, as an APIResponse."""
        stream = make(self._transport, self._request(endpoint, params, path, upload))
        if not self._raw:
            return stream
        return cast("S", APIResponse(lambda: stream, **stream._open()._info()))


class AsyncAPIResource(_Resource):
    """An endpoint group of :class:`~mistral_client.AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @property
    def _transport(self) -> AsyncBackend:
        """The client's one door to its backend (for work that sends many requests itself)."""
        return self._client._transport

    def _request(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> APIRequest[T]:
        return requests.build(endpoint, params, self._client._defaults, path=path, upload=upload)

    async def _call(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        *,
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> T:
        """Send one call; its parsed result, or in raw mode the APIResponse (typed by ``async_raw()``)."""
        request = self._request(endpoint, params, path, upload)
        response = await self._transport.handle_async_request(request)
        return cast("T", response) if self._raw else response.parse()

    async def _call_then(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        then: Callable[[T], R],
        *,
        path: Mapping[str, object] | None = None,
    ) -> R:
        """:meth:`_call`, its result passed through ``then`` (in raw mode, when parsed)."""
        request = self._request(endpoint, params, path)
        response = await self._transport.handle_async_request(request)
        transformed = response._then(then)
        return cast("R", transformed) if self._raw else transformed.parse()

    def _stream(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any],
        make: Callable[[AsyncBackend, APIRequest[T]], AS],
        *,
        path: Mapping[str, object] | None = None,
        upload: Upload | None = None,
    ) -> AS:
        """The stream object ``make`` builds (nothing sent yet); in raw mode, an awaitable that sends it
        and gives the APIResponse."""
        stream = make(self._transport, self._request(endpoint, params, path, upload))
        if not self._raw:
            return stream

        async def opened() -> APIResponse[AS]:
            response = await stream._open()
            return APIResponse(lambda: stream, **response._info())

        return cast("AS", opened())


# --- typing the raw forms: the same parameters, an APIResponse of the same result ---------------------


def raw(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """A raw-mode resource's method, typed as what it returns there."""
    return method  # type: ignore[return-value]


def async_raw(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """A raw-mode async resource's coroutine method, typed as what it returns there."""
    return method  # type: ignore[return-value]


def async_raw_stream(method: Callable[P, R]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """A raw-mode async resource's stream method: awaited, it sends the request (see ``_stream``)."""
    return method  # type: ignore[return-value]


__all__ = [
    "AsyncAPIResource",
    "SyncAPIResource",
    "async_raw",
    "async_raw_stream",
    "chat_types",
    "endpoints",
    "raw",
    "requests",
    "streams",
]

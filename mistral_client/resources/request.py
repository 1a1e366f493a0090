"""``client.request``: any operation of the spec by its method and path, and its raw form.

The clients' own methods (mixed into ``Client`` and ``AsyncClient``), sent through the same door as
every resource's: the client's transport. The request is built and its answer decoded by
:mod:`mistral_client._raw`, shared by sync and async.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from typing_extensions import Unpack

from .._lazy import lazy_module

if TYPE_CHECKING:
    from .. import _raw
    from .._backend import APIResponse, AsyncBackend, Backend, ClientDefaults
    from ..types.params import RequestOptionsParam
else:
    _raw = lazy_module("mistral_client._raw")

T = TypeVar("T")


class ClientRequest:
    """``Client.request`` and ``Client.with_raw_response``."""

    _transport: Backend
    _defaults: ClientDefaults

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: type[T],
        **options: Unpack[RequestOptionsParam],
    ) -> T: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Any: ...
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: Any = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Any:
        """Send any operation of the API: ``client.request("GET", "/v1/workflows")``.

        ``path`` is the spec's (``/v1/...``; without its version it gets ``/v1``), with its parameters
        filled in; ``body`` is sent as JSON (a dict, a list or a pydantic model), ``query`` as query
        parameters. Returns the decoded JSON (``None`` for an empty body, the bytes of a body that is
        not JSON), or an instance of ``cast_to`` (a pydantic model, ``list[Model]``..., ``bytes``,
        ``str``). Retries, timeouts, errors and the backend are the client's, as for every method.
        """
        return self.with_raw_response.request(
            method, path, body=body, query=query, cast_to=cast_to, **options
        ).parse()

    @property
    def with_raw_response(self) -> ClientWithRawResponse:
        """The client's own method, :meth:`request`, returning the :class:`~mistral_client.APIResponse`
        (each group has its own: ``client.chat.with_raw_response``)."""
        return ClientWithRawResponse(self)


class ClientWithRawResponse:
    """``client.request`` returning the :class:`~mistral_client.APIResponse`: status, headers, request
    id; its ``parse()`` gives what ``client.request`` returns."""

    def __init__(self, client: ClientRequest) -> None:
        self._client = client

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: type[T],
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[T]: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[Any]: ...
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: Any = None,
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[Any]:
        client = self._client
        request = _raw.build(method, path, body, query, cast_to, options, client._defaults)
        return _raw.decoded(client._transport.handle_request(request), cast_to)


class AsyncClientRequest:
    """``AsyncClient.request`` and ``AsyncClient.with_raw_response``."""

    _transport: AsyncBackend
    _defaults: ClientDefaults

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: type[T],
        **options: Unpack[RequestOptionsParam],
    ) -> T: ...
    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Any: ...
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: Any = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Any:
        """Send any operation of the API: ``await client.request("GET", "/v1/workflows")`` (see
        :meth:`Client.request <mistral_client.Client.request>`)."""
        response = await self.with_raw_response.request(
            method, path, body=body, query=query, cast_to=cast_to, **options
        )
        return response.parse()

    @property
    def with_raw_response(self) -> AsyncClientWithRawResponse:
        """The client's own method, :meth:`request`, returning the :class:`~mistral_client.APIResponse`
        (each group has its own: ``client.chat.with_raw_response``)."""
        return AsyncClientWithRawResponse(self)


class AsyncClientWithRawResponse:
    """``client.request`` returning the :class:`~mistral_client.APIResponse`; awaited."""

    def __init__(self, client: AsyncClientRequest) -> None:
        self._client = client

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: type[T],
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[T]: ...
    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[Any]: ...
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: Mapping[str, object] | None = None,
        cast_to: Any = None,
        **options: Unpack[RequestOptionsParam],
    ) -> APIResponse[Any]:
        client = self._client
        request = _raw.build(method, path, body, query, cast_to, options, client._defaults)
        return _raw.decoded(await client._transport.handle_async_request(request), cast_to)

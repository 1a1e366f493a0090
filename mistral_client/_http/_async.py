"""The async HTTP backend (asyncio, trio): an ``httpx2.AsyncClient`` doing the I/O for :class:`_HTTPCore`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import IO, Any, TypeVar

import httpx2

from .._backend import (
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
)
from .._config import DEFAULT_BASE_URL, Dialect
from .._exceptions import (
    APIError,
)
from .._retry import RetryPolicy
from ._core import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    _first_delay,
    _HTTPCore,
    _retrying_kwargs,
)
from ._errors import _connection_error
from ._events import _adrain, _decoding_error, _reusable, _shielded_aclose, event_reader
from ._multipart import aopened, off_loop, reads_off_loop

T = TypeVar("T")


class AsyncHTTPBackend(_HTTPCore, AsyncBackend):
    """Sends requests over HTTP with an ``httpx2.AsyncClient`` (asyncio or trio)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx2.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        dialect: Dialect = "mistral",
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            default_headers=default_headers,
            retry_policy=retry_policy,
            dialect=dialect,
        )
        self._owns_client = http_client is None
        self._http_client = http_client
        if http_client is not None:
            self.use_client(http_client)

    @property
    def _client(self) -> httpx2.AsyncClient:
        # Made on first use, like the sync backend's; one event loop thread, so no lock.
        if self._http_client is None:
            self._http_client = httpx2.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS)
        return self._http_client

    async def aclose(self) -> None:
        if self._owns_client and self._http_client is not None:
            await self._http_client.aclose()

    async def _send(self, request: APIRequest[Any], *, stream: bool) -> tuple[httpx2.Response, int, float]:
        if request.multipart is None:
            return await self._attempts(request, stream=stream)
        async with aopened(request) as request:  # an upload's path: open while sent and retried
            return await self._attempts(request, stream=stream)

    async def _attempts(
        self, request: APIRequest[Any], *, stream: bool
    ) -> tuple[httpx2.Response, int, float]:
        started = time.perf_counter()
        http_request = self.build_request(self._client, request)
        if reads_off_loop(request):
            http_request = off_loop(self._client, http_request)
        policy = self.policy_for(request)

        async def attempt() -> httpx2.Response:
            try:
                response = await self._client.send(http_request, stream=stream)
            except self._transport_errors as exc:
                raise _connection_error(exc, http_request) from exc
            if response.status_code >= 400:
                try:
                    await response.aread()
                except self._transport_errors as exc:
                    raise _connection_error(exc, http_request) from exc
                finally:
                    await _shielded_aclose(response)
                self.log(http_request, response, time.perf_counter() - started, None)
                raise self.status_error(response, policy=policy)
            return response

        retries = 0
        max_retries = request.options.max_retries
        try:
            response = await attempt()
        except APIError as exc:
            if max_retries <= 0 or not policy.is_retryable(exc):
                raise
            import anyio
            from tenacity import AsyncRetrying

            # anyio.sleep, not asyncio.sleep: the client must run under trio too.
            await anyio.sleep(_first_delay(policy, exc))
            retrying = AsyncRetrying(sleep=anyio.sleep, **_retrying_kwargs(policy, max_retries))
            response = await retrying(attempt)
            retries = retrying.statistics.get("attempt_number", 1)
        self.log(http_request, response, time.perf_counter() - started, retries)
        try:
            self.check_deprecation(request, response)
        except BaseException:  # warnings turned into errors: do not leave a streamed body open
            await _shielded_aclose(response)
            raise
        return response, retries, started

    async def _open(
        self, request: APIRequest[T], *, stream: bool
    ) -> tuple[APIRequest[T], httpx2.Response, int, float]:
        """``_send`` in this server's dialect (see ``route``); returns the request as sent too."""
        request = self.route(request)
        return (request, *await self._send(request, stream=stream))

    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        request, response, retries, started = await self._open(request, stream=False)
        content = response.content
        return APIResponse(
            lambda: self.parse(request, response, content), **self.info(response, started, retries)
        )

    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        request, response, retries, started = await self._open(request, stream=True)
        return AsyncStreamResponse(
            self._events(request, response), response.aclose, **self.info(response, started, retries)
        )

    async def _events(self, request: APIRequest[T], response: httpx2.Response) -> AsyncIterator[T]:
        reader = event_reader(self, request, response)
        chunks = response.aiter_bytes()
        try:
            async for data in chunks:
                for item in reader.feed(data):
                    yield item
                if reader.done:
                    if _reusable(response):
                        await _adrain(chunks, self._http_errors)
                    return
            reader.end()
        except self._transport_errors as exc:
            raise _connection_error(exc, response.request) from exc
        except self._decoding_errors as exc:
            raise _decoding_error(exc, response) from exc
        finally:
            await _shielded_aclose(response)

    async def handle_async_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        """Stream a binary body into ``sink`` chunk by chunk (file downloads)."""
        _, response, _, _ = await self._open(request, stream=True)
        written = 0
        try:
            async for chunk in response.aiter_bytes():
                sink.write(chunk)
                written += len(chunk)
        except self._transport_errors as exc:
            raise _connection_error(exc, response.request) from exc
        finally:
            await _shielded_aclose(response)
        return written

"""The sync HTTP backend: an ``httpx2.Client`` doing the I/O for :class:`_HTTPCore`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any, TypeVar

import httpx2

from .._backend import (
    APIRequest,
    APIResponse,
    Backend,
    StreamResponse,
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
from ._events import _decoding_error, _drain, _reusable, event_reader
from ._multipart import opened

T = TypeVar("T")


class HTTPBackend(_HTTPCore, Backend):
    """Sends requests over HTTP with a sync ``httpx2.Client``."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx2.Client | None = None,
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
        self._lock = threading.Lock()

    @property
    def _client(self) -> httpx2.Client:
        # Made on first use: building its SSL context costs more than importing this whole package.
        client = self._http_client
        if client is None:
            with self._lock:
                if self._http_client is None:
                    self._http_client = httpx2.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS)
                client = self._http_client
        return client

    def close(self) -> None:
        if self._owns_client and self._http_client is not None:
            self._http_client.close()

    def _send(self, request: APIRequest[Any], *, stream: bool) -> tuple[httpx2.Response, int, float]:
        """Send with retries; returns a 2xx response (its body unread when streaming)."""
        if request.multipart is None:
            return self._attempts(request, stream=stream)
        with opened(request) as request:  # an upload's path: open while sent and retried
            return self._attempts(request, stream=stream)

    def _attempts(self, request: APIRequest[Any], *, stream: bool) -> tuple[httpx2.Response, int, float]:
        started = time.perf_counter()
        http_request = self.build_request(self._client, request)
        policy = self.policy_for(request)

        def attempt() -> httpx2.Response:
            try:
                response = self._client.send(http_request, stream=stream)
            except self._transport_errors as exc:
                raise _connection_error(exc, http_request) from exc
            if response.status_code >= 400:
                try:
                    response.read()
                except self._transport_errors as exc:
                    raise _connection_error(exc, http_request) from exc
                finally:
                    response.close()
                self.log(http_request, response, time.perf_counter() - started, None)
                raise self.status_error(response, policy=policy)
            return response

        retries = 0
        max_retries = request.options.max_retries
        try:
            response = attempt()
        except APIError as exc:
            if max_retries <= 0 or not policy.is_retryable(exc):
                raise
            from tenacity import Retrying

            time.sleep(_first_delay(policy, exc))
            retrying = Retrying(**_retrying_kwargs(policy, max_retries))
            response = retrying(attempt)
            retries = retrying.statistics.get("attempt_number", 1)
        self.log(http_request, response, time.perf_counter() - started, retries)
        try:
            self.check_deprecation(request, response)
        except BaseException:  # warnings turned into errors: do not leave a streamed body open
            response.close()
            raise
        return response, retries, started

    def _open(
        self, request: APIRequest[T], *, stream: bool
    ) -> tuple[APIRequest[T], httpx2.Response, int, float]:
        """``_send`` in this server's dialect (see ``route``); returns the request as sent too."""
        request = self.route(request)
        return (request, *self._send(request, stream=stream))

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        request, response, retries, started = self._open(request, stream=False)
        content = response.content
        return APIResponse(
            lambda: self.parse(request, response, content), **self.info(response, started, retries)
        )

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        request, response, retries, started = self._open(request, stream=True)
        return StreamResponse(
            self._events(request, response), response.close, **self.info(response, started, retries)
        )

    def _events(self, request: APIRequest[T], response: httpx2.Response) -> Iterator[T]:
        reader = event_reader(self, request, response)
        chunks = response.iter_bytes()
        try:
            for data in chunks:
                yield from reader.feed(data)
                if reader.done:
                    if _reusable(response):
                        _drain(chunks, self._http_errors)
                    return
            reader.end()
        except self._transport_errors as exc:
            raise _connection_error(exc, response.request) from exc
        except self._decoding_errors as exc:
            raise _decoding_error(exc, response) from exc
        finally:
            response.close()

    def handle_download(self, request: APIRequest[bytes], sink: IO[bytes]) -> int:
        """Stream a binary body into ``sink`` chunk by chunk (file downloads)."""
        _, response, _, _ = self._open(request, stream=True)
        written = 0
        try:
            for chunk in response.iter_bytes():
                sink.write(chunk)
                written += len(chunk)
        except self._transport_errors as exc:
            raise _connection_error(exc, response.request) from exc
        finally:
            response.close()
        return written

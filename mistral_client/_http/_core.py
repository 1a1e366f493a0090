"""What both HTTP backends share: URLs, headers, bodies, status errors, parsing, the retry policy.

Subclasses add only the I/O.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import PurePath
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from .. import _tracing
from .._backend import (
    REQUEST_CONTEXT,
    APIRequest,
    TimeoutTypes,
    UseDefault,
)
from .._config import Dialect, check_base_url, check_dialect
from .._exceptions import (
    APIError,
    APIStatusError,
    RateLimitError,
    status_error_class,
)
from .._logging import logger
from .._retry import RetryPolicy, retry_after
from .._version import __version__
from ._errors import _repaired, _server_message, _validation_error

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")


#: LLM calls can think for minutes; connecting should not take long.
DEFAULT_TIMEOUT = httpx2.Timeout(600.0, connect=5.0)
# Chosen by measurement on httpx2 (scenario (c), see CHANGELOG): as many connections as httpx's default
# (100) and all of them kept alive, so a burst of 100 concurrent calls reuses its connections instead of
# reopening 80 (httpx2's default keeps 20); the 5 s expiry, as a longer one gained nothing.
DEFAULT_LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0)
USER_AGENT = f"mistral-client-python/{__version__}"

_warned_deprecated_models: set[str] = set()

#: Mistral's FIM endpoint, which OpenAI-compatible servers lack (see the "openai" dialect).
FIM_PATH = "/v1/fim/completions"


def legacy_httpx(http_client: object) -> ModuleType | None:
    """The ``httpx`` module when ``http_client`` is one of its (legacy) clients, else ``None``.

    Looked up in ``sys.modules``, never imported: an app that holds an ``httpx`` client has imported
    it already, and one that has not must not pay for it.
    """
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(http_client, (httpx.Client, httpx.AsyncClient)):
        return httpx
    return None


#: How many parsed URLs a backend keeps (see ``_HTTPCore._url``).
_URL_CACHE_SIZE = 64


class _HTTPCore:
    """The HTTP logic both backends share; subclasses add only the I/O."""

    # The exception families the transport raises: httpx2's, plus httpx's for a legacy client
    # (see use_client). Tuples, so an ``except`` costs nothing more on the success path.
    _transport_errors: tuple[type[Exception], ...] = (httpx2.TransportError,)
    _decoding_errors: tuple[type[Exception], ...] = (httpx2.DecodingError,)
    _http_errors: tuple[type[Exception], ...] = (httpx2.HTTPError,)
    #: The ``httpx`` module when the user's client is a legacy ``httpx`` one.
    _legacy: ModuleType | None = None

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        default_headers: Mapping[str, str] | None,
        retry_policy: RetryPolicy | None,
        dialect: Dialect = "mistral",
    ) -> None:
        self.base_url = check_base_url(base_url, f"{type(self).__name__}(base_url=)")
        check_dialect(dialect, f"{type(self).__name__}(dialect=)")
        #: The request dialect this server speaks: ``"mistral"`` (the API's own) or ``"openai"``.
        self.dialect: Dialect = dialect
        self._translate: Callable[[APIRequest[Any]], APIRequest[Any]] | None = None
        if dialect == "openai":
            from ._openai_compat import translate  # imports the types: not needed for the API

            self._translate = translate
        self._retry_policy = retry_policy or RetryPolicy()
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        if default_headers:
            headers.update(default_headers)
        # Built once: the header sets of a GET, a JSON POST and a streamed POST.
        self._headers = headers
        self._json_headers = {**headers, "Content-Type": "application/json"}
        self._stream_headers = {**self._json_headers, "Accept": "text/event-stream"}
        # httpx2 normalises a dict of headers and parses a URL string on every request (about 14 us of
        # a 600 us call on localhost); its own Headers and URL objects it takes as they are, so they
        # are built once: the header sets here, each endpoint's URL on first use (see _url).
        self._parsed_headers: dict[str, httpx2.Headers] | None
        try:
            self._parsed_headers = {
                "get": httpx2.Headers(self._headers),
                "json": httpx2.Headers(self._json_headers),
                "stream": httpx2.Headers(self._stream_headers),
            }
        except (TypeError, ValueError):
            # A header httpx2 rejects (not a str, not ASCII) fails on each request, as it did before.
            self._parsed_headers = None
        self._urls: dict[str, httpx2.URL] = {}

    def use_client(self, http_client: object) -> None:
        """Adapt to the user's client: an ``httpx`` (legacy) one raises its own exception classes and
        knows only its own ``Timeout`` and ``USE_CLIENT_DEFAULT``."""
        legacy = legacy_httpx(http_client)
        if legacy is None:
            return
        self._legacy = legacy
        self._transport_errors = (httpx2.TransportError, legacy.TransportError)
        self._decoding_errors = (httpx2.DecodingError, legacy.DecodingError)
        self._http_errors = (httpx2.HTTPError, legacy.HTTPError)

    # --- what the backend declares (see Backend) ------------------------------------------------

    @property
    def remote_batches(self) -> bool:
        return True

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy used when a request carries none (the client was given no ``retry_policy``)."""
        return self._retry_policy

    @property
    def server_address(self) -> str:
        return self.base_url

    def policy_for(self, request: APIRequest[Any]) -> RetryPolicy:
        return request.options.retry_policy or self._retry_policy

    def __repr__(self) -> str:
        # Never the headers: they hold the API key.
        dialect = "" if self.dialect == "mistral" else f" dialect={self.dialect!r}"
        return f"<{type(self).__name__} base_url={self.base_url!r}{dialect}>"

    def route(self, request: APIRequest[T]) -> APIRequest[T]:
        """The request in this server's dialect (the API's own: as it is)."""
        translate = self._translate
        return request if translate is None else translate(request)

    # --- building -------------------------------------------------------------------------------

    def build_request(
        self, client: httpx2.Client | httpx2.AsyncClient, request: APIRequest[Any]
    ) -> httpx2.Request:
        if request.multipart is not None:
            return self.build_multipart_request(client, request)
        options = request.options
        content: bytes | None = None
        if request.body is None:
            kind = "get"
            headers: Any = self._headers
        elif request.stream:
            kind = "stream"
            headers = self._stream_headers
        else:
            kind = "json"
            headers = self._json_headers
        if request.body is not None:
            content = self.serialize_body(request)
        if options.extra_headers:
            headers = {**headers, **options.extra_headers}
        elif self._legacy is None and self._parsed_headers is not None:
            headers = self._parsed_headers[kind]  # a legacy httpx client knows only its own Headers
        params: Any = None
        if request.query or options.extra_query:
            params = {**(request.query or {}), **(options.extra_query or {})}
            params = {k: v for k, v in params.items() if v is not None}
        timeout = _timeout(options.timeout)
        url: Any = self.base_url + request.path
        if self._legacy is None:
            url = self._url(url)
        else:
            timeout = _legacy_timeout(self._legacy, timeout)
        return client.build_request(
            request.method,
            url,
            content=content,
            headers=headers,
            params=params,
            timeout=timeout,
        )

    def _url(self, url: str) -> httpx2.URL:
        """``url`` parsed, from a cache bounded so that per-object paths (``/v1/files/{id}``) cannot
        grow it without end: the fixed endpoints are the first to be called and stay in it."""
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx2.URL(url)
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[url] = parsed
        return parsed

    def build_multipart_request(
        self, client: httpx2.Client | httpx2.AsyncClient, request: APIRequest[Any]
    ) -> httpx2.Request:
        """A ``multipart/form-data`` request (file uploads, transcriptions). httpx2 streams a file
        object in chunks (and rewinds it for a retry); its length is sent up front when the file has
        one. A path must have been opened first (see ``_multipart.opened``)."""
        multipart = request.multipart
        assert multipart is not None
        options = request.options
        headers = {**self._headers, **options.extra_headers} if options.extra_headers else self._headers
        params = {k: v for k, v in (options.extra_query or {}).items() if v is not None} or None
        # Every part through ``files``: a text field as ``(None, value)`` renders as httpx2's own data
        # fields do, and a form without a file (a transcription's file_url) stays multipart, where
        # ``data=`` alone would be sent url-encoded.
        parts: list[tuple[str, Any]] = [
            (name, (None, item))
            for name, value in multipart.fields.items()
            for item in ([value] if isinstance(value, str) else value)
        ]
        if multipart.file is not None:
            assert not isinstance(multipart.file, PurePath), "open the upload's path before building"
            parts.append((multipart.file_field, (multipart.filename, multipart.file, multipart.content_type)))
        timeout = _timeout(options.timeout)
        if self._legacy is not None:
            timeout = _legacy_timeout(self._legacy, timeout)
        return client.build_request(
            request.method,
            self.base_url + request.path,
            files=parts,
            headers=headers,
            params=params,
            timeout=timeout,
        )

    @staticmethod
    def serialize_body(request: APIRequest[Any]) -> bytes:
        body = request.body
        assert body is not None
        extra = request.options.extra_body
        if not extra:
            # One pass in pydantic-core, no dict round trip.
            return body.model_dump_json(exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT).encode()
        data = body.model_dump(mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT)
        data.update(extra)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    # --- reading --------------------------------------------------------------------------------

    @staticmethod
    def request_id(response: httpx2.Response, body: Any = None) -> str | None:
        rid: str | None = response.headers.get("x-request-id")
        if rid is None and isinstance(body, dict):
            value = body.get("request_id")
            rid = value if isinstance(value, str) else None
        return rid

    def status_error(
        self,
        response: httpx2.Response,
        *,
        status_code: int | None = None,
        body: Any = None,
        policy: RetryPolicy | None = None,
    ) -> APIStatusError:
        """The precise error for an error response (its body already read)."""
        if body is None:
            try:
                body = json.loads(response.content) if response.content else None
            except ValueError:
                body = response.text or None
        status = status_code if status_code is not None else response.status_code
        message = f"Error code: {status}"
        server_message = _server_message(body)
        if server_message:
            message += f" - {server_message}"
        if (
            status in (404, 405)
            and self.dialect == "mistral"
            and response.request.url.path.endswith(FIM_PATH)
        ):
            message += (
                f" ({self.base_url} has no {FIM_PATH}: for an OpenAI-compatible server such as vLLM,"
                " llama.cpp or Ollama, make the client with dialect='openai', which sends FIM to"
                " /v1/completions)"
            )
        error_class = status_error_class(status)
        wait = retry_after(response.headers)
        limit = (policy or self._retry_policy).max_retry_after
        if wait is not None and wait > limit:
            message += (
                f" (the server asked to retry after {wait:.0f} s, more than max_retry_after="
                f"{limit:.0f} s, so it was not retried)"
            )
        error = error_class(message, response=response, body=body, request_id=self.request_id(response, body))
        error.status_code = status
        if isinstance(error, RateLimitError):
            error.retry_after = wait
        return error

    def parse(self, request: APIRequest[T], response: httpx2.Response, data: str | bytes) -> T:
        try:
            return request.parse(data)
        except ValueError as exc:  # pydantic's ValidationError, imported lazily
            error = exc
        try:
            return _repaired(request, data, error)
        except ValueError as exc:
            raise _validation_error(exc, response, data, self.request_id(response)) from None

    def check_deprecation(self, request: APIRequest[Any], response: httpx2.Response) -> None:
        stamp = response.headers.get("x-model-deprecation-timestamp")
        if stamp is None:
            return
        model = str(getattr(request.body, "model", "") or request.path_params.get("model_id", ""))
        if model in _warned_deprecated_models:
            return
        _warned_deprecated_models.add(model)
        warnings.warn(
            f"The model {model!r} is deprecated and will be retired on {stamp}.",
            DeprecationWarning,
            stacklevel=_caller_stacklevel(),
        )

    def log(
        self, request: httpx2.Request, response: httpx2.Response, elapsed: float, retries: int | None
    ) -> None:
        """One line per response (``retries`` is None for a failed attempt). Never headers: the key."""
        if logger.isEnabledFor(20):  # INFO; the check keeps the hot path free of formatting
            logger.info(
                "%s %s -> %d in %.3f s (request_id=%s%s)",
                request.method,
                request.url.path,
                response.status_code,
                elapsed,
                response.headers.get("x-request-id"),
                "" if retries is None else f", retries={retries}",
            )

    def info(self, response: httpx2.Response, started: float, retries: int) -> dict[str, Any]:
        return {
            "status_code": response.status_code,
            "headers": response.headers,
            "request_id": response.headers.get("x-request-id"),
            "retries_taken": retries,
            "elapsed": time.perf_counter() - started,
            "http_response": response,
        }


# The package root (this module is one level down): warnings point at the first frame outside it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside this package: the user's call, so that Python's
    default filters show the warning there (a fixed number breaks as call paths differ)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _timeout(timeout: TimeoutTypes) -> Any:
    """The seam's timeout as httpx2 takes it (the seam's own default is httpx2's client default)."""
    return httpx2.USE_CLIENT_DEFAULT if isinstance(timeout, UseDefault) else timeout


def _legacy_timeout(httpx: ModuleType, timeout: Any) -> Any:
    """An ``httpx2`` timeout setting as a legacy ``httpx`` client takes it (other values pass through)."""
    if isinstance(timeout, httpx2._client.UseClientDefault):
        return httpx.USE_CLIENT_DEFAULT
    if isinstance(timeout, httpx2.Timeout):
        t = timeout
        return httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
    return timeout


def _retrying_kwargs(policy: RetryPolicy, retries: int) -> dict[str, Any]:
    """tenacity's arguments for the retries that follow a failed first attempt.

    The first attempt runs outside tenacity, so a call that succeeds pays nothing for it (building
    a ``Retrying`` costs more than parsing a response). Retry ``k`` is tenacity's attempt ``k``.
    """
    from tenacity import retry_if_exception, stop_after_attempt

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        return policy.delay(state.attempt_number + 1, error)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        logger.info("retrying in %.2f s after %s", state.upcoming_sleep, type(error).__name__)
        _tracing.retry_event(state.attempt_number + 1, state.upcoming_sleep, error)

    return {
        "stop": stop_after_attempt(retries),
        "wait": wait,
        "retry": retry_if_exception(policy.is_retryable),
        "before_sleep": before_sleep,
        "reraise": True,
    }


def _first_delay(policy: RetryPolicy, error: APIError) -> float:
    delay = policy.delay(1, error)
    logger.info("retrying in %.2f s after %s", delay, type(error).__name__)
    _tracing.retry_event(1, delay, error)
    return delay

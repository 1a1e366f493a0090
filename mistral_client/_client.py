"""``Client`` and ``AsyncClient``: configuration, the endpoint groups, and the backend they call.

Every request a client makes goes through one door, its ``_transport``: the backend it was given (or
the HTTP one it made), wrapped with tracing (:mod:`._traced`). The endpoint groups (:mod:`.resources`)
build requests from the operations' records and send them there; so do streams, bulk work and batch
runs.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx2

from ._backend import USE_DEFAULT, AsyncBackend, Backend, ClientDefaults, TimeoutTypes
from ._config import (
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    Dialect,
    check_dialect,
    check_max_retries,
    check_timeout,
    normalize_base_url,
    resolve_api_key,
    resolve_base_url,
)
from ._exceptions import ConfigurationError
from ._http import AsyncHTTPBackend, HTTPBackend
from ._retry import RetryPolicy
from ._traced import AsyncTracedBackend, TracedBackend
from .resources import (
    Agents,
    AsyncAgents,
    AsyncAudio,
    AsyncBatch,
    AsyncBeta,
    AsyncChat,
    AsyncClassifiers,
    AsyncEmbeddings,
    AsyncFiles,
    AsyncFim,
    AsyncModels,
    AsyncOcr,
    AsyncTokens,
    Audio,
    Batch,
    Beta,
    Chat,
    Classifiers,
    Embeddings,
    Files,
    Fim,
    Models,
    Ocr,
    Tokens,
)
from .resources.request import AsyncClientRequest, ClientRequest

T = TypeVar("T")
Self = TypeVar("Self", bound="_ClientConfig")

_NOT_GIVEN: Any = object()


class _ClientConfig:
    """What both clients share: resolving the options, ``with_options``, the repr."""

    base_url: str
    _defaults: ClientDefaults

    def _configure(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes | None,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        has_backend: bool,
        dialect: Dialect = "mistral",
    ) -> str | None:
        check_max_retries(max_retries)
        check_timeout(timeout)
        check_dialect(dialect)
        if has_backend and dialect != "mistral":
            raise ConfigurationError(
                f"dialect={dialect!r} is how the HTTP backend speaks to a server; a backend= given "
                "takes no dialect (make an HTTPBackend(dialect=...) to pass as backend= instead)",
                setting="dialect",
                source="dialect=",
            )
        api_key = resolve_api_key(api_key, required=not has_backend)
        # Checked only for the HTTP backend: another backend does not use it (a stray MISTRAL_BASE_URL
        # must not break a local one).
        self.base_url = (
            normalize_base_url(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
            if has_backend
            else resolve_base_url(base_url)
        )
        # None means "the default": the backend's own (ours, or the one on the user's httpx client).
        self._defaults = ClientDefaults(
            timeout=USE_DEFAULT if timeout is None else timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
        )
        return api_key

    @property
    def timeout(self) -> TimeoutTypes:
        return self._defaults.timeout

    @property
    def max_retries(self) -> int:
        return self._defaults.max_retries

    def with_options(
        self: Self, *, timeout: TimeoutTypes | None = _NOT_GIVEN, max_retries: int | None = None
    ) -> Self:
        """A copy with other defaults that shares this client's backend (and connection pool)."""
        if max_retries is not None:
            check_max_retries(max_retries, "with_options(max_retries=)")
        if timeout is not _NOT_GIVEN:
            check_timeout(timeout, "with_options(timeout=)")
        clone = copy.copy(self)
        clone._defaults = ClientDefaults(
            timeout=self._defaults.timeout if timeout is _NOT_GIVEN else timeout,
            max_retries=self._defaults.max_retries if max_retries is None else max_retries,
            retry_policy=self._defaults.retry_policy,
        )
        clone._init_resources()
        return clone

    def _init_resources(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        # The API key is deliberately absent.
        return f"<{type(self).__name__} base_url={self.base_url!r} backend={type(self.backend).__name__}>"

    @property
    def backend(self) -> Any:
        raise NotImplementedError


class Client(_ClientConfig, ClientRequest):
    """The sync client.

    ``api_key`` falls back to ``MISTRAL_API_KEY``; ``base_url`` to ``MISTRAL_BASE_URL``, then
    ``https://api.mistral.ai`` (the server root; a trailing ``/v1`` is fine). ``timeout`` is seconds or an
    ``httpx2.Timeout``; by default 5 s to connect and 10 min to read. A passed ``http_client`` keeps its
    own timeout unless ``timeout`` is given too, and is not closed by :meth:`close`. ``backend`` replaces
    HTTP altogether, e.g. ``mistral_client.local.LocalBackend`` to run open weights in-process.
    ``retry_policy`` applies to every request, whatever the backend (the HTTP backends retry with it).
    ``dialect="openai"`` speaks to an OpenAI-compatible server (vLLM, llama.cpp, Ollama, ``transformers
    serve``): the requests are translated into OpenAI's field names and endpoints (FIM goes to
    ``/v1/completions``); the default, ``"mistral"``, sends them as the API defines them.
    """

    chat: Chat
    fim: Fim
    embeddings: Embeddings
    models: Models
    tokens: Tokens
    files: Files
    batch: Batch
    beta: Beta
    ocr: Ocr
    classifiers: Classifiers
    agents: Agents
    audio: Audio

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int = 2,
        http_client: httpx2.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        backend: Backend | None = None,
        retry_policy: RetryPolicy | None = None,
        dialect: Dialect = "mistral",
    ) -> None:
        api_key = self._configure(
            api_key, base_url, timeout, max_retries, retry_policy, backend is not None, dialect
        )
        self._backend: Backend = backend or HTTPBackend(
            api_key=api_key,
            base_url=self.base_url,
            http_client=http_client,
            default_headers=default_headers,
            retry_policy=retry_policy,
            dialect=dialect,
        )
        #: The one door every request goes through.
        self._transport: Backend = TracedBackend(self._backend)
        self._init_resources()

    def _init_resources(self) -> None:
        self.chat = Chat(self)
        self.fim = Fim(self)
        self.embeddings = Embeddings(self)
        self.models = Models(self)
        self.tokens = Tokens(self)
        self.files = Files(self)
        self.batch = Batch(self)
        self.beta = Beta(self)
        self.ocr = Ocr(self)
        self.classifiers = Classifiers(self)
        self.agents = Agents(self)
        self.audio = Audio(self)

    @property
    def backend(self) -> Backend:
        """The backend this client was given (or the HTTP backend it made)."""
        return self._backend

    def close(self) -> None:
        """Close the backend (not an ``http_client`` you passed in)."""
        self._backend.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_ClientConfig, AsyncClientRequest):
    """The async client, for asyncio and trio. Takes the same options as :class:`Client`."""

    chat: AsyncChat
    fim: AsyncFim
    embeddings: AsyncEmbeddings
    models: AsyncModels
    tokens: AsyncTokens
    files: AsyncFiles
    batch: AsyncBatch
    beta: AsyncBeta
    ocr: AsyncOcr
    classifiers: AsyncClassifiers
    agents: AsyncAgents
    audio: AsyncAudio

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int = 2,
        http_client: httpx2.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        backend: AsyncBackend | None = None,
        retry_policy: RetryPolicy | None = None,
        dialect: Dialect = "mistral",
    ) -> None:
        api_key = self._configure(
            api_key, base_url, timeout, max_retries, retry_policy, backend is not None, dialect
        )
        self._backend: AsyncBackend = backend or AsyncHTTPBackend(
            api_key=api_key,
            base_url=self.base_url,
            http_client=http_client,
            default_headers=default_headers,
            retry_policy=retry_policy,
            dialect=dialect,
        )
        #: The one door every request goes through.
        self._transport: AsyncBackend = AsyncTracedBackend(self._backend)
        self._init_resources()

    def _init_resources(self) -> None:
        self.chat = AsyncChat(self)
        self.fim = AsyncFim(self)
        self.embeddings = AsyncEmbeddings(self)
        self.models = AsyncModels(self)
        self.tokens = AsyncTokens(self)
        self.files = AsyncFiles(self)
        self.batch = AsyncBatch(self)
        self.beta = AsyncBeta(self)
        self.ocr = AsyncOcr(self)
        self.classifiers = AsyncClassifiers(self)
        self.agents = AsyncAgents(self)
        self.audio = AsyncAudio(self)

    @property
    def backend(self) -> AsyncBackend:
        """The backend this client was given (or the HTTP backend it made)."""
        return self._backend

    async def close(self) -> None:
        """Close the backend (not an ``http_client`` you passed in)."""
        await self._backend.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

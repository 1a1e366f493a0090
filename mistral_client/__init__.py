"""mistral_client: a fast, typed Python SDK for Mistral AI's API and open-weight models."""

from typing import TYPE_CHECKING

from ._backend import (
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
    Backend,
    RateLimit,
    RequestOptions,
    StreamResponse,
)
from ._client import AsyncClient, Client
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    MistralError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    UnsupportedParameterError,
)
from ._http import AsyncHTTPBackend, HTTPBackend
from ._retry import RetryPolicy
from ._tracing import configure_tracing
from ._version import __version__

if TYPE_CHECKING:
    from ._streaming import AsyncStream, Stream
    from .types.tokens import TokenCount


def __getattr__(name: str) -> object:
    # The stream classes pull in the pydantic types; load them when first asked for.
    if name in ("Stream", "AsyncStream"):
        from . import _streaming

        return getattr(_streaming, name)
    if name == "TokenCount":  # issue 12
        from .types.tokens import TokenCount

        return TokenCount
    raise AttributeError(f"module 'mistral_client' has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIRequest",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBackend",
    "AsyncClient",
    "AsyncHTTPBackend",
    "AsyncStream",
    "AsyncStreamResponse",
    "AuthenticationError",
    "Backend",
    "BadRequestError",
    "Client",
    "ConflictError",
    "HTTPBackend",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "Stream",
    "StreamResponse",
    "TokenCount",
    "UnprocessableEntityError",
    "UnsupportedParameterError",
    "__version__",
    "configure_tracing",
]

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
from ._bulk_errors import BatchJobError, EmbeddingBatchError
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
from ._progress import ProgressEvent
from ._retry import RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    from ._batch_run import AsyncBatchRunHandle, BatchItemError, BatchRunHandle, BatchRunItem, BatchRunResult
    from ._bulk import EmbeddingBatchResult
    from ._streaming import AsyncStream, Stream

#: Bulk work's result types pull in the pydantic types too.
_BATCH_RUN_NAMES = (
    "AsyncBatchRunHandle",
    "BatchItemError",
    "BatchRunHandle",
    "BatchRunItem",
    "BatchRunResult",
)


def __getattr__(name: str) -> object:
    # The stream classes pull in the pydantic types; load them when first asked for.
    if name in ("Stream", "AsyncStream"):
        from . import _streaming

        return getattr(_streaming, name)
    if name in _BATCH_RUN_NAMES:
        from . import _batch_run

        return getattr(_batch_run, name)
    if name == "EmbeddingBatchResult":
        from ._bulk import EmbeddingBatchResult

        return EmbeddingBatchResult
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
    "AsyncBatchRunHandle",
    "AsyncClient",
    "AsyncHTTPBackend",
    "AsyncStream",
    "AsyncStreamResponse",
    "AuthenticationError",
    "Backend",
    "BadRequestError",
    "BatchItemError",
    "BatchJobError",
    "BatchRunHandle",
    "BatchRunItem",
    "BatchRunResult",
    "Client",
    "ConflictError",
    "EmbeddingBatchError",
    "EmbeddingBatchResult",
    "HTTPBackend",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgressEvent",
    "RateLimit",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "Stream",
    "StreamResponse",
    "UnprocessableEntityError",
    "UnsupportedParameterError",
    "__version__",
]

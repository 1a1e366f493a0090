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
    AnnotationValidationError,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConversationResponseError,
    DocumentProcessingError,
    DocumentProcessingTimeoutError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    InvalidToolArgumentsError,
    LengthFinishReasonError,
    MaxToolIterationsError,
    MistralError,
    NotFoundError,
    OutputValidationError,
    PermissionDeniedError,
    RateLimitError,
    StructuredOutputError,
    UnprocessableEntityError,
    UnsupportedOperationError,
    UnsupportedParameterError,
)
from ._http import AsyncHTTPBackend, HTTPBackend
from ._lazy import lazy_attributes
from ._retry import RetryPolicy
from ._tracing import configure_tracing
from ._version import __version__
from .bulk._errors import BatchJobError, EmbeddingBatchError
from .bulk._progress import ProgressEvent

if TYPE_CHECKING:
    from ._audio_streams import AsyncSpeechStream, AsyncTranscriptionStream, SpeechStream, TranscriptionStream
    from ._conversation_run import AsyncRunStream, RunStream
    from ._conversation_stream import AsyncConversationStream, ConversationStream
    from ._schema import json_schema
    from ._streaming import AsyncParsedStream, AsyncStream, ParsedStream, Stream
    from ._tool_runner import AsyncToolRunner, ToolRunner
    from ._tools import FunctionTool, tool
    from .bulk._batch_results import BatchItemError, BatchRunItem, BatchRunResult
    from .bulk._batch_run import AsyncBatchRunHandle, BatchRunHandle
    from .bulk._embeddings import EmbeddingBatchResult
    from .types.parsed import ParsedChatCompletionResponse
    from .types.tokens import TokenCount

# Names whose modules pull in pydantic (and the API types): loaded when first asked for.
_LAZY = {
    "Stream": "._streaming",
    "AsyncStream": "._streaming",
    "ParsedStream": "._streaming",
    "AsyncParsedStream": "._streaming",
    "json_schema": "._schema",
    "TranscriptionStream": "._audio_streams",
    "AsyncTranscriptionStream": "._audio_streams",
    "SpeechStream": "._audio_streams",
    "AsyncSpeechStream": "._audio_streams",
    "tool": "._tools",
    "FunctionTool": "._tools",
    "ToolRunner": "._tool_runner",
    "AsyncToolRunner": "._tool_runner",
    "ParsedChatCompletionResponse": ".types.parsed",
    "TokenCount": ".types.tokens",
    "EmbeddingBatchResult": ".bulk._embeddings",
    "AsyncBatchRunHandle": ".bulk._batch_run",
    "BatchItemError": ".bulk._batch_results",
    "BatchRunHandle": ".bulk._batch_run",
    "BatchRunItem": ".bulk._batch_results",
    "BatchRunResult": ".bulk._batch_results",
    "ConversationStream": "._conversation_stream",
    "AsyncConversationStream": "._conversation_stream",
    "RunStream": "._conversation_run",
    "AsyncRunStream": "._conversation_run",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIRequest",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AnnotationValidationError",
    "AsyncBackend",
    "AsyncBatchRunHandle",
    "AsyncClient",
    "AsyncConversationStream",
    "AsyncHTTPBackend",
    "AsyncParsedStream",
    "AsyncRunStream",
    "AsyncSpeechStream",
    "AsyncStream",
    "AsyncStreamResponse",
    "AsyncToolRunner",
    "AsyncTranscriptionStream",
    "AuthenticationError",
    "Backend",
    "BadRequestError",
    "BatchItemError",
    "BatchJobError",
    "BatchRunHandle",
    "BatchRunItem",
    "BatchRunResult",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ConversationResponseError",
    "ConversationStream",
    "DocumentProcessingError",
    "DocumentProcessingTimeoutError",
    "EmbeddingBatchError",
    "EmbeddingBatchResult",
    "FunctionTool",
    "HTTPBackend",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidToolArgumentsError",
    "LengthFinishReasonError",
    "MaxToolIterationsError",
    "MistralError",
    "NotFoundError",
    "OutputValidationError",
    "ParsedChatCompletionResponse",
    "ParsedStream",
    "PermissionDeniedError",
    "ProgressEvent",
    "RateLimit",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "RunStream",
    "SpeechStream",
    "Stream",
    "StreamResponse",
    "StructuredOutputError",
    "TokenCount",
    "ToolRunner",
    "TranscriptionStream",
    "UnprocessableEntityError",
    "UnsupportedOperationError",
    "UnsupportedParameterError",
    "__version__",
    "configure_tracing",
    "json_schema",
    "tool",
]

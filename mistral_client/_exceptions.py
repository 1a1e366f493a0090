"""The exception tree. Every error this SDK raises derives from :class:`MistralError`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

import httpx2
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .types.chat import ChatCompletionResponse
    from .types.libraries import ProcessingStatus
    from .types.ocr import OCRResponse

#: The response a structured output came in: a chat completion, unless the error class says otherwise.
R = TypeVar("R", default="ChatCompletionResponse")

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AnnotationValidationError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConversationResponseError",
    "DocumentProcessingError",
    "DocumentProcessingTimeoutError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidToolArgumentsError",
    "LengthFinishReasonError",
    "MaxToolIterationsError",
    "MistralError",
    "NotFoundError",
    "OutputValidationError",
    "PermissionDeniedError",
    "RateLimitError",
    "StructuredOutputError",
    "UnprocessableEntityError",
    "UnsupportedOperationError",
    "UnsupportedParameterError",
]


class MistralError(Exception):
    """Base of every error raised by mistral_client."""


class ConfigurationError(MistralError, ValueError):
    """A client setting is unusable (a base URL that is not an http(s) URL, a negative timeout, no API
    key); raised when the client is built, before anything is sent.

    ``setting`` names it (``"base_url"``, ``"timeout"``, ``"max_retries"``, ``"api_key"``) and ``source``
    says where the value came from: the argument (``"base_url="``) or the environment variable
    (``"MISTRAL_BASE_URL"``); ``None`` when it was missing everywhere.
    """

    def __init__(self, message: str, *, setting: str, source: str | None) -> None:
        super().__init__(message)
        self.setting = setting
        self.source = source


class InvalidRequestError(MistralError, ValueError):
    """The call's arguments do not fit the API's request schema; nothing was sent.

    ``errors`` lists each problem as ``(field, message)``.
    """

    def __init__(self, message: str, *, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class UnsupportedParameterError(MistralError, ValueError):
    """A backend cannot honour a parameter (rather than silently ignoring it); nothing was run."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter


class UnsupportedOperationError(UnsupportedParameterError):
    """A backend does not serve an operation at all (the local backend and ``ocr.process``, say);
    nothing was run. ``operation`` and ``backend`` name them."""

    def __init__(self, operation: str, backend: str, reason: str = "") -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(operation, f"{backend} does not serve this operation{detail}")
        self.operation = operation
        self.backend = backend


class APIError(MistralError):
    """A request reached (or tried to reach) the API and did not succeed."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx2.Request | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.request_id = request_id


class APIConnectionError(APIError):
    """The server could not be reached, or the connection failed before the response was complete."""

    def __init__(self, message: str = "Connection error.", *, request: httpx2.Request | None = None) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, or waiting for the next bytes of the response)."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx2.Request | None = None) -> None:
        super().__init__(message, request=request)


class IncompleteStreamError(APIConnectionError):
    """A stream ended before the server sent its final ``[DONE]`` event (or a ``finish_reason`` for
    every choice): the output is truncated."""


class ConversationResponseError(APIError):
    """A conversation stream's ``conversation.response.error`` event: the server gave up on the
    answer part-way. ``code`` and ``error_message`` are the event's; the events before it were
    delivered."""

    def __init__(self, error_message: str, *, code: int | None, request_id: str | None = None) -> None:
        super().__init__(
            f"The conversation response failed (code {code}): {error_message}", request_id=request_id
        )
        self.code = code
        self.error_message = error_message


class APIResponseValidationError(APIError):
    """A response arrived but does not have the shape the API promises; ``field`` names where."""

    def __init__(
        self,
        message: str,
        *,
        field: str,
        response: httpx2.Response | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            request=response.request if response is not None else None,
            body=body,
            request_id=request_id,
        )
        self.field = field
        self.response = response
        self.status_code = response.status_code if response is not None else None


class APIStatusError(APIError):
    """The API answered with an error status (4xx or 5xx).

    ``response`` is the ``httpx2.Response`` over HTTP; a backend that is not HTTP raises these with
    ``status_code`` (and ``headers``) alone, and ``response`` is ``None``.
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        response: httpx2.Response | None = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        request = response.request if response is not None else None
        super().__init__(message, request=request, body=body, request_id=request_id)
        self.response = response
        if status_code is None:
            if response is None:
                raise TypeError("an APIStatusError needs response= or status_code=")
            status_code = response.status_code
        self.status_code = status_code
        #: The response's headers (``retry-after``, ``x-request-id``...); empty when there were none.
        self.headers: httpx2.Headers = response.headers if response is not None else httpx2.Headers(headers)


class BadRequestError(APIStatusError):
    """400"""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403"""


class NotFoundError(APIStatusError):
    """404"""


class ConflictError(APIStatusError):
    """409"""


class UnprocessableEntityError(APIStatusError):
    """422: the server rejected the request body; ``detail`` holds its per-field complaints."""

    @property
    def detail(self) -> list[dict[str, Any]]:
        """The spec's ``HTTPValidationError.detail``: ``[{"loc": [...], "msg": ..., "type": ...}]``."""
        if isinstance(self.body, dict) and isinstance(self.body.get("detail"), list):
            return [item for item in self.body["detail"] if isinstance(item, dict)]
        return []


class RateLimitError(APIStatusError):
    """429. ``retry_after`` is the wait the server asked for, in seconds, when it said."""

    retry_after: float | None = None


class InternalServerError(APIStatusError):
    """5xx"""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most precise error class for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


# --- structured outputs and tools -----------------------------------------------------------------


class StructuredOutputError(MistralError, Generic[R]):
    """A response arrived, but its content is not the structured output asked for.

    ``response`` is the whole response (usage included) and ``content`` the raw text that failed (a
    choice's, an OCR annotation's), so a cut-off or malformed answer can still be inspected, logged
    or retried.
    """

    def __init__(self, message: str, *, response: R, content: str) -> None:
        super().__init__(message)
        self.response = response
        self.content = content


class LengthFinishReasonError(StructuredOutputError):
    """The answer was cut off (``finish_reason`` ``length`` or ``model_length``) before its JSON ended."""


def cut_off_tokens(response: ChatCompletionResponse) -> str:
    """The tokens a cut-off answer used, for an error's message (a server may report no usage)."""
    usage = response.usage
    return "usage not reported" if usage is None else f"{usage.completion_tokens} completion tokens"


class OutputValidationError(StructuredOutputError):
    """The content is not JSON, or not valid for the requested type.

    ``errors`` lists each problem as ``(field, message)``, from pydantic's validation errors.
    """

    def __init__(
        self,
        message: str,
        *,
        response: ChatCompletionResponse,
        content: str,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message, response=response, content=content)
        self.errors = errors or []


class AnnotationValidationError(StructuredOutputError["OCRResponse"]):
    """An OCR annotation (``ocr.parse``) is not JSON, or not valid for its type.

    ``field`` says which: ``"document_annotation"`` or ``"pages.0.images.1.image_annotation"``;
    ``content`` is its raw text, ``response`` the whole :class:`~mistral_client.types.OCRResponse`
    (the markdown is still there), and ``errors`` lists each problem as ``(field, message)``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: OCRResponse,
        content: str,
        field: str,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message, response=response, content=content)
        self.field = field
        self.errors = errors or []


class InvalidToolArgumentsError(MistralError, ValueError):
    """A tool call's arguments are not a JSON object, or do not fit the tool's parameters.

    ``errors`` lists each problem as ``(field, message)``.
    """

    def __init__(self, message: str, *, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class MaxToolIterationsError(MistralError):
    """A tool runner asked the model ``max_iterations`` times and it still called tools.

    ``messages`` is the conversation so far (tool results included), ready to send again; for
    ``conversations.run``, the entries the run added, and ``conversation_id`` the conversation
    to ``append`` to.
    """

    def __init__(self, message: str, *, messages: Sequence[Any], conversation_id: str | None = None) -> None:
        super().__init__(message)
        self.messages = list(messages)
        self.conversation_id = conversation_id


# --- libraries ------------------------------------------------------------------------------------


class _DocumentWaitError(MistralError):
    def __init__(self, message: str, *, library_id: str, document_id: str, status: ProcessingStatus) -> None:
        super().__init__(message)
        self.library_id = library_id
        self.document_id = document_id
        #: The last status read.
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        fields = {"library_id": self.library_id, "document_id": self.document_id, "status": self.status}
        return (_rebuild_document_error, (type(self), str(self), fields))


class DocumentProcessingError(_DocumentWaitError):
    """A library document's processing failed (``error``, ``missing_content``) while
    ``documents.wait_until_processed`` waited for it; ``status`` is the status read, ``library_id``
    and ``document_id`` name the document. ``documents.reprocess`` tries again."""


class DocumentProcessingTimeoutError(_DocumentWaitError, TimeoutError):
    """A library document was still being processed when ``documents.wait_until_processed``'s
    ``timeout`` ran out. The processing goes on: ``status`` is the last status read; wait again to
    pick it up."""


def _rebuild_document_error(cls: type[_DocumentWaitError], message: str, fields: dict[str, Any]) -> Any:
    return cls(message, **fields)

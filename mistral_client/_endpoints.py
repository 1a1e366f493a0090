"""The API's operations, one record each: everything else reads them.

A record says what an operation is: its name (``APIRequest.operation``, what backends that are not
HTTP dispatch on), its HTTP method and path template, whether it answers with a stream of events,
the types of its body, query or form and of its response, its OpenTelemetry GenAI operation name
(``None``: not a GenAI call), and whether the Batch API accepts it. Request building
(:mod:`._requests`), the HTTP backends (stream headers), tracing, the Batch API helpers, the
:class:`~mistral_client.testing.FakeBackend` and the local backend's dispatch read these records;
adding an operation is adding its record (and its types and resource method).

This module imports the API types (pydantic): it loads with the first request, not with the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any, Generic, TypeVar

import pydantic

from ._tools import FunctionTool
from .types._base import MistralModel
from .types.batch import (
    BatchJob,
    CreateBatchJobRequest,
    DeleteBatchJobResponse,
    GetBatchJobQuery,
    ListBatchJobsQuery,
    ListBatchJobsResponse,
)
from .types.chat import ChatCompletionResponse, CompletionChunk, FIMCompletionResponse
from .types.embeddings import EmbeddingResponse
from .types.files import (
    CreateFileResponse,
    DeleteFileResponse,
    GetFileResponse,
    GetSignedUrlResponse,
    ListFilesQuery,
    ListFilesResponse,
    SignedUrlQuery,
    UploadFileForm,
)
from .types.models import DeleteModelResponse, ListModelsQuery, ModelCard, ModelList
from .types.requests import ChatCompletionRequest, EmbeddingRequest, FIMCompletionRequest

T = TypeVar("T")

Parser = Callable[[str | bytes], T]


@dataclass(frozen=True, eq=False)
class Endpoint(Generic[T]):
    """One operation of the API; ``T`` is what its response (or each event of its stream) parses into."""

    #: ``"chat.complete"``, ``"files.upload"``...: ``APIRequest.operation``.
    name: str
    method: str
    #: The path, with ``{name}`` for each path parameter: ``"/v1/files/{file_id}"``.
    path: str
    #: A JSON document (the body, or one stream event) into ``T``.
    parse: Parser[T]
    #: The JSON body's type, validated with unknown fields forbidden.
    body: type[MistralModel] | None = None
    #: The query's type (or, for a multipart upload, its text fields').
    query: type[MistralModel] | None = None
    #: The answer is a stream of server-sent events, each parsed by ``parse``.
    stream: bool = False
    #: A multipart ``form-data`` body: ``query``'s fields and one file part.
    multipart: bool = False
    #: ``gen_ai.operation.name`` of its span ("chat", "embeddings"...); ``None``: not a GenAI call.
    span: str | None = None
    #: The Batch API accepts it (``batch.run(endpoint=path)``), with ``whole``'s response per item.
    batch: bool = False
    #: For a stream: the operation answering the same call in one response (its parse builds the
    #: type the stream adds up to).
    whole: Endpoint[Any] | None = None
    #: The body's fields before validation, adjusted (``@tool`` functions become their definition).
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: A check of the validated body the schema cannot express; raises ``InvalidRequestError``.
    check: Callable[[Any], None] | None = None
    #: A parser that depends on the body (embeddings decode per ``output_dtype``).
    parse_for: Callable[[Any], Parser[T]] | None = None
    #: The path parameters' names, in the template's order.
    path_params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(part.split("}", 1)[0] for part in self.path.split("{")[1:])
        object.__setattr__(self, "path_params", names)

    def __repr__(self) -> str:
        return f"<Endpoint {self.name}: {self.method} {self.path}>"


# --- parsers and adjustments shared by several records ---------------------------------------------

#: One stream event's JSON straight into a chunk: pydantic-core's validator, without the Python frame
#: of ``model_validate_json`` (it runs once per chunk).
_parse_chunk: Parser[CompletionChunk] = CompletionChunk.__pydantic_validator__.validate_json


@cache
def _model_card_adapter() -> pydantic.TypeAdapter[ModelCard]:
    return pydantic.TypeAdapter(ModelCard)


def _parse_model_card(data: str | bytes) -> ModelCard:
    return _model_card_adapter().validate_json(data)


def _raw_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _tool_definitions(fields: dict[str, Any]) -> dict[str, Any]:
    tools = fields.get("tools")
    if tools:
        # A @tool function goes out as its definition, among the tool dicts and models.
        fields["tools"] = [item.definition if isinstance(item, FunctionTool) else item for item in tools]
    return fields


def _embedding_parser(body: EmbeddingRequest) -> Parser[EmbeddingResponse]:
    if body.output_dtype == "float":
        return EmbeddingResponse.model_validate_json
    # The vectors' decoding depends on it (ints, base64 bytes).
    return partial(EmbeddingResponse.model_validate_json, context={"output_dtype": body.output_dtype})


def _one_batch_source(body: CreateBatchJobRequest) -> None:
    if not body.input_files and not body.requests:
        from ._exceptions import InvalidRequestError

        raise InvalidRequestError(
            "Invalid request, nothing was sent: input_files or requests: one is required",
            errors=[("input_files", "input_files or requests is required")],
        )


# --- the records ------------------------------------------------------------------------------------

CHAT_COMPLETE: Endpoint[ChatCompletionResponse] = Endpoint(
    "chat.complete",
    "POST",
    "/v1/chat/completions",
    ChatCompletionResponse.model_validate_json,
    body=ChatCompletionRequest,
    span="chat",
    batch=True,
    prepare=_tool_definitions,
)
CHAT_STREAM: Endpoint[CompletionChunk] = Endpoint(
    "chat.stream",
    "POST",
    "/v1/chat/completions",
    _parse_chunk,
    body=ChatCompletionRequest,
    stream=True,
    span="chat",
    whole=CHAT_COMPLETE,
    prepare=_tool_definitions,
)
FIM_COMPLETE: Endpoint[FIMCompletionResponse] = Endpoint(
    "fim.complete",
    "POST",
    "/v1/fim/completions",
    FIMCompletionResponse.model_validate_json,
    body=FIMCompletionRequest,
    span="text_completion",
    batch=True,
)
FIM_STREAM: Endpoint[CompletionChunk] = Endpoint(
    "fim.stream",
    "POST",
    "/v1/fim/completions",
    _parse_chunk,
    body=FIMCompletionRequest,
    stream=True,
    span="text_completion",
    whole=FIM_COMPLETE,
)
EMBEDDINGS_CREATE: Endpoint[EmbeddingResponse] = Endpoint(
    "embeddings.create",
    "POST",
    "/v1/embeddings",
    EmbeddingResponse.model_validate_json,
    body=EmbeddingRequest,
    span="embeddings",
    batch=True,
    parse_for=_embedding_parser,
)
MODELS_LIST: Endpoint[ModelList] = Endpoint(
    "models.list", "GET", "/v1/models", ModelList.model_validate_json, query=ListModelsQuery
)
MODELS_RETRIEVE: Endpoint[ModelCard] = Endpoint(
    "models.retrieve", "GET", "/v1/models/{model_id}", _parse_model_card
)
MODELS_DELETE: Endpoint[DeleteModelResponse] = Endpoint(
    "models.delete", "DELETE", "/v1/models/{model_id}", DeleteModelResponse.model_validate_json
)
FILES_UPLOAD: Endpoint[CreateFileResponse] = Endpoint(
    "files.upload",
    "POST",
    "/v1/files",
    CreateFileResponse.model_validate_json,
    query=UploadFileForm,
    multipart=True,
)
FILES_LIST: Endpoint[ListFilesResponse] = Endpoint(
    "files.list", "GET", "/v1/files", ListFilesResponse.model_validate_json, query=ListFilesQuery
)
FILES_RETRIEVE: Endpoint[GetFileResponse] = Endpoint(
    "files.retrieve", "GET", "/v1/files/{file_id}", GetFileResponse.model_validate_json
)
FILES_DELETE: Endpoint[DeleteFileResponse] = Endpoint(
    "files.delete", "DELETE", "/v1/files/{file_id}", DeleteFileResponse.model_validate_json
)
FILES_DOWNLOAD: Endpoint[bytes] = Endpoint("files.download", "GET", "/v1/files/{file_id}/content", _raw_bytes)
FILES_URL: Endpoint[GetSignedUrlResponse] = Endpoint(
    "files.url",
    "GET",
    "/v1/files/{file_id}/url",
    GetSignedUrlResponse.model_validate_json,
    query=SignedUrlQuery,
)
BATCH_JOBS_CREATE: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.create",
    "POST",
    "/v1/batch/jobs",
    BatchJob.model_validate_json,
    body=CreateBatchJobRequest,
    check=_one_batch_source,
)
BATCH_JOBS_LIST: Endpoint[ListBatchJobsResponse] = Endpoint(
    "batch.jobs.list",
    "GET",
    "/v1/batch/jobs",
    ListBatchJobsResponse.model_validate_json,
    query=ListBatchJobsQuery,
)
BATCH_JOBS_GET: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.get", "GET", "/v1/batch/jobs/{job_id}", BatchJob.model_validate_json, query=GetBatchJobQuery
)
BATCH_JOBS_CANCEL: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.cancel", "POST", "/v1/batch/jobs/{job_id}/cancel", BatchJob.model_validate_json
)
BATCH_JOBS_DELETE: Endpoint[DeleteBatchJobResponse] = Endpoint(
    "batch.jobs.delete", "DELETE", "/v1/batch/jobs/{job_id}", DeleteBatchJobResponse.model_validate_json
)


def all_endpoints() -> Iterator[Endpoint[Any]]:
    """Every record of this module, in the order declared."""
    return (value for value in globals().values() if isinstance(value, Endpoint))


#: The records by operation name.
BY_NAME: Mapping[str, Endpoint[Any]] = {endpoint.name: endpoint for endpoint in all_endpoints()}
#: The operations the Batch API accepts, by the path ``batch.run(endpoint=...)`` names them with.
BATCHABLE: Mapping[str, Endpoint[Any]] = {e.path: e for e in BY_NAME.values() if e.batch}
#: Each stream's operation, by the operation answering the same call whole.
STREAMED: Mapping[Endpoint[Any], Endpoint[Any]] = {
    e.whole: e for e in BY_NAME.values() if e.whole is not None
}

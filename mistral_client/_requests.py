"""Turning a call's keyword arguments into an :class:`APIRequest`: shared by sync and async.

Arguments are validated against the spec's request schema here, before anything is sent, so bad
input fails on the caller's side with the field's name.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Callable, Mapping
from functools import cache, partial
from typing import IO, TYPE_CHECKING, Annotated, Any, Literal, TypeVar
from urllib.parse import quote

import pydantic

from ._backend import REQUEST_CONTEXT, APIRequest, Multipart, RequestOptions
from ._config import timeout_problem
from ._exceptions import InvalidRequestError
from ._tools import FunctionTool
from .types._base import MistralModel
from .types.batch import BatchJobStatus
from .types.chat import ChatCompletionResponse, CompletionChunk, FIMCompletionResponse
from .types.embeddings import EmbeddingResponse
from .types.files import FilePurpose, FileSource, FileVisibility, SampleType
from .types.models import DeleteModelResponse, ModelCard, ModelList
from .types.requests import ChatCompletionRequest, EmbeddingRequest, FIMCompletionRequest

if TYPE_CHECKING:
    from ._client import ClientDefaults

M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")

_OPTION_NAMES = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


def _split(params: Mapping[str, Any], defaults: ClientDefaults) -> tuple[dict[str, Any], RequestOptions]:
    """Separate the per-call options from the body fields; ``None`` body values count as unset."""
    fields = {k: v for k, v in params.items() if v is not None and k not in _OPTION_NAMES}
    if "stream" in fields:
        raise InvalidRequestError(
            "stream: not a parameter here; call .stream(...) for a streamed response",
            errors=[("stream", "use .stream(...)")],
        )
    max_retries = params.get("max_retries", defaults.max_retries)
    if not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidRequestError(
            f"max_retries: must be a non-negative integer, got {max_retries!r}",
            errors=[("max_retries", "must be a non-negative integer")],
        )
    timeout = params.get("timeout", defaults.timeout)
    problem = timeout_problem(timeout)
    if problem is not None:
        raise InvalidRequestError(f"timeout: {problem}", errors=[("timeout", problem)])
    options = RequestOptions(
        timeout=timeout,
        max_retries=max_retries,
        extra_headers=params.get("extra_headers"),
        extra_query=params.get("extra_query"),
        extra_body=params.get("extra_body"),
    )
    return fields, options


def validate(model: type[M], fields: Mapping[str, Any]) -> M:
    """Validate a request body, forbidding fields the spec does not define."""
    try:
        # The context tells types that are lenient in responses to hold requests to the spec.
        return model.model_validate(fields, extra="forbid", context=REQUEST_CONTEXT)
    except pydantic.ValidationError as exc:
        raise invalid_request(exc) from None


def invalid_request(exc: pydantic.ValidationError) -> InvalidRequestError:
    errors = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "<request>"
        message = "unknown parameter" if error["type"] == "extra_forbidden" else error["msg"]
        errors.append((field, message))
    detail = "; ".join(f"{field}: {message}" for field, message in errors)
    return InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors)


def _completion(
    operation: str, path: str, body: MistralModel, options: RequestOptions, parse: Callable[[str | bytes], T]
) -> APIRequest[T]:
    return APIRequest(operation=operation, method="POST", path=path, parse=parse, body=body, options=options)


#: One stream event's JSON straight into a chunk: pydantic-core's validator, without the Python
#: frame of ``model_validate_json`` (it runs once per chunk).
_parse_chunk: Callable[[str | bytes], CompletionChunk] = CompletionChunk.__pydantic_validator__.validate_json


def _chat_fields(
    params: Mapping[str, Any], defaults: ClientDefaults
) -> tuple[dict[str, Any], RequestOptions]:
    fields, options = _split(params, defaults)
    tools = fields.get("tools")
    if tools:
        # A @tool function goes out as its definition, among the tool dicts and models.
        fields["tools"] = [item.definition if isinstance(item, FunctionTool) else item for item in tools]
    return fields, options


def chat_complete(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[ChatCompletionResponse]:
    fields, options = _chat_fields(params, defaults)
    body = validate(ChatCompletionRequest, fields)
    return _completion(
        "chat.complete", "/v1/chat/completions", body, options, ChatCompletionResponse.model_validate_json
    )


def chat_stream(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[CompletionChunk]:
    fields, options = _chat_fields(params, defaults)
    body = validate(ChatCompletionRequest, {**fields, "stream": True})
    return _completion("chat.stream", "/v1/chat/completions", body, options, _parse_chunk)


def fim_complete(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[FIMCompletionResponse]:
    fields, options = _split(params, defaults)
    body = validate(FIMCompletionRequest, fields)
    return _completion(
        "fim.complete", "/v1/fim/completions", body, options, FIMCompletionResponse.model_validate_json
    )


def fim_stream(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[CompletionChunk]:
    fields, options = _split(params, defaults)
    body = validate(FIMCompletionRequest, {**fields, "stream": True})
    return _completion("fim.stream", "/v1/fim/completions", body, options, _parse_chunk)


def embeddings(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[EmbeddingResponse]:
    fields, options = _split(params, defaults)
    body = validate(EmbeddingRequest, fields)
    parse: Callable[[str | bytes], EmbeddingResponse] = EmbeddingResponse.model_validate_json
    if body.output_dtype != "float":  # the vectors' decoding depends on it (ints, base64 bytes)
        parse = partial(EmbeddingResponse.model_validate_json, context={"output_dtype": body.output_dtype})
    return APIRequest(
        operation="embeddings.create",
        method="POST",
        path="/v1/embeddings",
        parse=parse,
        body=body,
        options=options,
    )


def models_list(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[ModelList]:
    fields, options = _split(params, defaults)
    unknown = set(fields) - {"provider", "model"}
    if unknown:
        errors = [(name, "unknown parameter") for name in sorted(unknown)]
        detail = "; ".join(f"{name}: unknown parameter" for name, _ in errors)
        raise InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors)
    return APIRequest(
        operation="models.list",
        method="GET",
        path="/v1/models",
        parse=ModelList.model_validate_json,
        query=fields or None,
        options=options,
    )


@cache
def _model_card_adapter() -> pydantic.TypeAdapter[ModelCard]:
    return pydantic.TypeAdapter(ModelCard)


def _parse_model_card(data: str | bytes) -> ModelCard:
    return _model_card_adapter().validate_json(data)


def _model_path(model_id: str) -> dict[str, str]:
    if not isinstance(model_id, str) or not model_id:
        raise InvalidRequestError(
            f"model_id: must be a non-empty string, got {model_id!r}",
            errors=[("model_id", "must be a non-empty string")],
        )
    return {"model_id": model_id}


def models_retrieve(
    model_id: str, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[ModelCard]:
    _, options = _split(params, defaults)
    path_params = _model_path(model_id)
    return APIRequest(
        operation="models.retrieve",
        method="GET",
        path=f"/v1/models/{quote(model_id, safe='')}",
        parse=_parse_model_card,
        path_params=path_params,
        options=options,
    )


def models_delete(
    model_id: str, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[DeleteModelResponse]:
    _, options = _split(params, defaults)
    path_params = _model_path(model_id)
    return APIRequest(
        operation="models.delete",
        method="DELETE",
        path=f"/v1/models/{quote(model_id, safe='')}",
        parse=DeleteModelResponse.model_validate_json,
        path_params=path_params,
        options=options,
    )


# --- files and batch jobs (bulk work) ---------------------------------------------------------------
# Kept in one block: the Files and Batch APIs' requests, query checks and id paths.

from .types.batch import (  # noqa: E402 - this block's own imports, kept next to it
    BatchJob,
    CreateBatchJobRequest,
    DeleteBatchJobResponse,
    ListBatchJobsResponse,
)
from .types.files import (  # noqa: E402
    CreateFileResponse,
    DeleteFileResponse,
    GetFileResponse,
    GetSignedUrlResponse,
    ListFilesResponse,
)


class _Query(MistralModel):
    """Query parameters, checked like a body: unknown names and wrong types fail before sending."""

    model_config = pydantic.ConfigDict(extra="forbid")


class _FilesListQuery(_Query):
    page: Annotated[int, pydantic.Field(ge=0, strict=True)] | None = None
    page_size: Annotated[int, pydantic.Field(ge=1, strict=True)] | None = None
    include_total: pydantic.StrictBool | None = None
    sample_type: list[SampleType] | None = None
    source: list[FileSource] | None = None
    search: pydantic.StrictStr | None = None
    purpose: FilePurpose | None = None
    mimetypes: list[pydantic.StrictStr] | None = None


class _BatchListQuery(_Query):
    page: Annotated[int, pydantic.Field(ge=0, strict=True)] | None = None
    page_size: Annotated[int, pydantic.Field(ge=1, strict=True)] | None = None
    model: pydantic.StrictStr | None = None
    agent_id: pydantic.StrictStr | None = None
    metadata: dict[str, Any] | None = None
    created_after: datetime.datetime | None = None
    created_by_me: pydantic.StrictBool | None = None
    status: list[BatchJobStatus] | None = None
    order_by: Literal["created", "-created"] | None = None


class _UploadFields(_Query):
    purpose: FilePurpose | None = None
    expiry: Annotated[int, pydantic.Field(ge=1, strict=True)] | None = None
    visibility: FileVisibility | None = None


def _query(model: type[_Query], fields: Mapping[str, Any]) -> dict[str, Any] | None:
    checked = validate(model, fields)
    data = checked.model_dump(mode="json", exclude_none=True)
    for key, value in data.items():
        if isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, dict):
            data[key] = json.dumps(value, separators=(",", ":"))
    return data or None


def _id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(
            f"{name}: must be a non-empty string, got {value!r}",
            errors=[(name, "must be a non-empty string")],
        )
    return quote(value, safe="")


def _get(
    operation: str,
    path: str,
    parse: Callable[[str | bytes], T],
    options: RequestOptions,
    *,
    method: str = "GET",
    query: Mapping[str, Any] | None = None,
    path_params: Mapping[str, str] | None = None,
) -> APIRequest[T]:
    return APIRequest(
        operation=operation,
        method=method,
        path=path,
        parse=parse,
        query=query,
        path_params=path_params or {},
        options=options,
    )


def _raw_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def files_upload(
    file: IO[bytes] | bytes,
    filename: str,
    fields: Mapping[str, Any],
    params: Mapping[str, Any],
    defaults: ClientDefaults,
    *,
    rewindable: bool,
) -> APIRequest[CreateFileResponse]:
    _, options = _split(params, defaults)
    checked = validate(_UploadFields, {k: v for k, v in fields.items() if v is not None})
    form = {k: str(v) for k, v in checked.model_dump(mode="json", exclude_none=True).items()}
    if not rewindable:
        # A stream that cannot be rewound cannot be sent twice.
        options = dataclasses.replace(options, max_retries=0)
    return APIRequest(
        operation="files.upload",
        method="POST",
        path="/v1/files",
        parse=CreateFileResponse.model_validate_json,
        options=options,
        multipart=Multipart(fields=form, file_field="file", filename=filename, file=file),
    )


def files_list(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[ListFilesResponse]:
    fields, options = _split(params, defaults)
    return _get(
        "files.list",
        "/v1/files",
        ListFilesResponse.model_validate_json,
        options,
        query=_query(_FilesListQuery, fields),
    )


def files_retrieve(
    file_id: str, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[GetFileResponse]:
    _, options = _split(params, defaults)
    path = f"/v1/files/{_id('file_id', file_id)}"
    return _get(
        "files.retrieve", path, GetFileResponse.model_validate_json, options, path_params={"file_id": file_id}
    )


def files_delete(
    file_id: str, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[DeleteFileResponse]:
    _, options = _split(params, defaults)
    path = f"/v1/files/{_id('file_id', file_id)}"
    return _get(
        "files.delete",
        path,
        DeleteFileResponse.model_validate_json,
        options,
        method="DELETE",
        path_params={"file_id": file_id},
    )


def files_download(file_id: str, params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[bytes]:
    _, options = _split(params, defaults)
    path = f"/v1/files/{_id('file_id', file_id)}/content"
    return _get("files.download", path, _raw_bytes, options, path_params={"file_id": file_id})


def files_url(
    file_id: str, expiry: int | None, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[GetSignedUrlResponse]:
    _, options = _split(params, defaults)
    path = f"/v1/files/{_id('file_id', file_id)}/url"
    if expiry is not None and (type(expiry) is not int or not 1 <= expiry <= 168):
        raise InvalidRequestError(
            f"expiry: hours between 1 and 168, got {expiry!r}", errors=[("expiry", "hours between 1 and 168")]
        )
    query = {"expiry": expiry} if expiry is not None else None
    return _get(
        "files.url",
        path,
        GetSignedUrlResponse.model_validate_json,
        options,
        query=query,
        path_params={"file_id": file_id},
    )


def batch_create(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[BatchJob]:
    fields, options = _split(params, defaults)
    body = validate(CreateBatchJobRequest, fields)
    if not body.input_files and not body.requests:
        raise InvalidRequestError(
            "Invalid request, nothing was sent: input_files or requests: one is required",
            errors=[("input_files", "input_files or requests is required")],
        )
    return APIRequest(
        operation="batch.jobs.create",
        method="POST",
        path="/v1/batch/jobs",
        parse=BatchJob.model_validate_json,
        body=body,
        options=options,
    )


def batch_get(
    job_id: str, inline: bool | None, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[BatchJob]:
    _, options = _split(params, defaults)
    path = f"/v1/batch/jobs/{_id('job_id', job_id)}"
    if inline is not None and not isinstance(inline, bool):
        raise InvalidRequestError(
            f"inline: must be a bool, got {inline!r}", errors=[("inline", "must be a bool")]
        )
    query = {"inline": "true" if inline else "false"} if inline is not None else None
    return _get(
        "batch.jobs.get",
        path,
        BatchJob.model_validate_json,
        options,
        query=query,
        path_params={"job_id": job_id},
    )


def batch_list(params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[ListBatchJobsResponse]:
    fields, options = _split(params, defaults)
    query = _query(_BatchListQuery, fields)
    return _get(
        "batch.jobs.list", "/v1/batch/jobs", ListBatchJobsResponse.model_validate_json, options, query=query
    )


def batch_cancel(job_id: str, params: Mapping[str, Any], defaults: ClientDefaults) -> APIRequest[BatchJob]:
    _, options = _split(params, defaults)
    path = f"/v1/batch/jobs/{_id('job_id', job_id)}/cancel"
    return _get(
        "batch.jobs.cancel",
        path,
        BatchJob.model_validate_json,
        options,
        method="POST",
        path_params={"job_id": job_id},
    )


def batch_delete(
    job_id: str, params: Mapping[str, Any], defaults: ClientDefaults
) -> APIRequest[DeleteBatchJobResponse]:
    _, options = _split(params, defaults)
    path = f"/v1/batch/jobs/{_id('job_id', job_id)}"
    return _get(
        "batch.jobs.delete",
        path,
        DeleteBatchJobResponse.model_validate_json,
        options,
        method="DELETE",
        path_params={"job_id": job_id},
    )

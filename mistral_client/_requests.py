"""Turning a call's keyword arguments into an :class:`APIRequest`: shared by sync and async.

Arguments are validated against the spec's request schema here, before anything is sent, so bad
input fails on the caller's side with the field's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import pydantic

from ._backend import REQUEST_CONTEXT, APIRequest, RequestOptions
from ._exceptions import InvalidRequestError
from ._tools import FunctionTool
from .types._base import MistralModel
from .types.chat import ChatCompletionResponse, CompletionChunk, FIMCompletionResponse
from .types.embeddings import EmbeddingResponse
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
    options = RequestOptions(
        timeout=params.get("timeout", defaults.timeout),
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
    return APIRequest(
        operation="embeddings.create",
        method="POST",
        path="/v1/embeddings",
        parse=EmbeddingResponse.model_validate_json,
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

"""Turning a call's keyword arguments into an :class:`APIRequest`, from the operation's record.

Shared by every resource, sync and async, and by the bulk helpers. Arguments are validated against
the spec's request schema here, before anything is sent, so bad input fails on the caller's side
with the field's name.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import IO, Any, TypeVar
from urllib.parse import quote

import pydantic

from ._backend import REQUEST_CONTEXT, APIRequest, ClientDefaults, Multipart, RequestOptions
from ._config import timeout_problem
from ._endpoints import Endpoint
from ._exceptions import InvalidRequestError
from .types._base import MistralModel

M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")

#: The keyword arguments every method takes besides the operation's own fields.
OPTION_NAMES = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


@dataclasses.dataclass(frozen=True, slots=True)
class Upload:
    """The file part of a multipart request: a path (opened by the backend as it sends), bytes or a
    binary file object, its name, whether a retry can rewind it, and its media type."""

    file: IO[bytes] | bytes | PurePath
    filename: str
    rewindable: bool
    content_type: str = "application/octet-stream"


def build(
    endpoint: Endpoint[T],
    params: Mapping[str, Any],
    defaults: ClientDefaults,
    *,
    path: Mapping[str, object] | None = None,
    upload: Upload | None = None,
) -> APIRequest[T]:
    """The request for one call of ``endpoint``: ``params`` are its keyword arguments (fields and
    per-call options), ``path`` its path parameters, ``upload`` the file of a multipart operation."""
    fields, options = split_options(params, defaults)
    path_params = _path_params(endpoint, path or {})
    url = endpoint.path
    if path_params:
        url = url.format_map({k: quote(v, safe="") for k, v in path_params.items()})
    body: MistralModel | None = None
    query: dict[str, Any] | None = None
    multipart: Multipart | None = None
    if endpoint.body is not None:
        if endpoint.prepare is not None:
            fields = endpoint.prepare(fields)
        if endpoint.stream and "stream" in endpoint.body.model_fields:
            fields = {**fields, "stream": True}
        body = validate(endpoint.body, fields)
        if endpoint.check is not None:
            endpoint.check(body)
    elif endpoint.multipart:
        assert endpoint.query is not None
        if endpoint.stream and "stream" in endpoint.query.model_fields:
            fields = {**fields, "stream": True}
        body = validate(endpoint.query, fields)
        if endpoint.check is not None:
            endpoint.check(body)
        # extra_body goes into the form as more fields: the caller's business, as in a JSON body.
        form = _form_fields({**body.model_dump(mode="json", exclude_none=True), **(options.extra_body or {})})
        if upload is None:
            multipart = Multipart(fields=form)
        else:
            multipart = Multipart(form, "file", upload.filename, upload.file, upload.content_type)
            if not upload.rewindable:
                # A stream that cannot be rewound cannot be sent twice.
                options = dataclasses.replace(options, max_retries=0)
    elif endpoint.query is not None:
        query = _query(endpoint.query, fields)
    elif fields:
        raise _unknown(sorted(fields))
    parse = endpoint.parse_for(body) if endpoint.parse_for is not None else endpoint.parse
    return APIRequest(
        operation=endpoint.name,
        method=endpoint.method,
        path=url,
        parse=parse,
        body=body,
        path_params=path_params,
        query=query,
        options=options,
        multipart=multipart,
        endpoint=endpoint,
    )


def split_options(
    params: Mapping[str, Any], defaults: ClientDefaults
) -> tuple[dict[str, Any], RequestOptions]:
    """Separate the per-call options from the body fields; ``None`` body values count as unset."""
    fields = {k: v for k, v in params.items() if v is not None and k not in OPTION_NAMES}
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
        retry_policy=defaults.retry_policy,
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


def _unknown(names: list[str]) -> InvalidRequestError:
    errors = [(name, "unknown parameter") for name in names]
    detail = "; ".join(f"{name}: unknown parameter" for name in names)
    return InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors)


def _path_params(endpoint: Endpoint[Any], given: Mapping[str, object]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name in endpoint.path_params:
        value = given.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidRequestError(
                f"{name}: must be a non-empty string, got {value!r}",
                errors=[(name, "must be a non-empty string")],
            )
        checked[name] = value
    return checked


def _form_fields(data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """A validated form as the text of its parts: an array is one part per item, under the field's name
    (as the official SDK sends ``timestamp_granularities``); booleans are ``true``/``false``."""
    return {
        key: [_form_text(item) for item in value] if isinstance(value, list) else _form_text(value)
        for key, value in data.items()
    }


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _query(model: type[MistralModel], fields: Mapping[str, Any]) -> dict[str, Any] | None:
    return query_values(validate(model, fields).model_dump(mode="json", exclude_none=True)) or None


def query_values(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-mode query parameters as the API reads them: booleans lowercase, objects as JSON text
    (lists stay lists: one parameter per item)."""
    for key, value in data.items():
        if isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, dict):
            data[key] = json.dumps(value, separators=(",", ":"))
    return data

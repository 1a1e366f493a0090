"""``client.request``: any operation of the spec, by its method and path, through the client's one door.

The typed methods cover part of the API; this reaches the rest (workflows, observability,
connectors...) with everything a typed call gets: the client's key and base URL, its retries and
timeouts, the same error classes, tracing and backend. The call becomes an :class:`APIRequest` like
any other, with an ad-hoc record (:func:`build`) whose operation is always :data:`OPERATION`:

- a name made from the method and path would hold the ids the caller filled in (it could not be a
  key to dispatch on), and one equal to a typed operation's (``"chat.complete"``) would hand a
  backend that dispatches on it an untyped body where it expects the typed one;
- so a backend tells these calls by ``operation == "request"`` and reads ``request.method`` and
  ``request.path``, which every request carries (the local backend refuses them).

The answer is decoded by :func:`decoded`, which sees the response's headers: JSON (``None`` for an
empty body), the raw bytes of a body that is not JSON, or ``cast_to``'s type.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

import pydantic
import pydantic_core
from pydantic import ConfigDict, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from ._backend import REQUEST_CONTEXT, APIRequest, APIResponse, ClientDefaults
from ._endpoints import Endpoint
from ._exceptions import InvalidRequestError
from ._http._errors import _validation_error
from ._requests import OPTION_NAMES, query_values, split_options
from .types._base import MistralModel

#: ``APIRequest.operation`` of every ``client.request`` call.
OPERATION = "request"

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

# A path that starts with its API version (/v1/..., /v2/prompts): sent as given.
_VERSIONED = re.compile(r"/v\d+(?:/|$)")


class JSONBody(MistralModel):
    """A body given as is: sent as the JSON of ``value`` (a dict, a list, a pydantic model...),
    serialized the way the SDK sends its own models (unset fields left out, aliases, a model's unknown
    fields dropped)."""

    model_config = ConfigDict(extra="forbid")

    value: Any

    # Named as MistralModel's serializer, which it replaces: the value itself, not {"value": ...}.
    @model_serializer(mode="wrap")
    def _drop_extras_in_requests(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        return handler(self)["value"]

    @property
    def model(self) -> str | None:
        """The body's ``model`` (the deprecation warning names it), if it has one."""
        value = (
            self.value.get("model") if isinstance(self.value, Mapping) else getattr(self.value, "model", None)
        )
        return value if isinstance(value, str) else None


def build(
    method: str,
    path: str,
    body: object,
    query: Mapping[str, object] | None,
    cast_to: Any,
    options: Mapping[str, Any],
    defaults: ClientDefaults,
) -> APIRequest[bytes]:
    """The request for ``client.request(method, path, ...)``, checked before anything is sent."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise InvalidRequestError(
            f"{unknown[0]}: not a parameter of client.request: it takes body=, query=, cast_to= and the "
            f"per-call options ({', '.join(OPTION_NAMES)})",
            errors=[(name, "unknown parameter") for name in unknown],
        )
    _, request_options = split_options(options, defaults)
    verb = _method(method)
    url = _path(path)
    if cast_to is not None:
        _caster(cast_to)  # a type pydantic cannot validate into fails here, not after the call
    json_body: JSONBody | None = None
    if body is not None or request_options.extra_body:
        json_body = _body({} if body is None else body, bool(request_options.extra_body))
    endpoint: Endpoint[bytes] = Endpoint(
        OPERATION, verb, url, _as_bytes, body=JSONBody if json_body is not None else None
    )
    return APIRequest(
        operation=OPERATION,
        method=verb,
        path=url,
        parse=_as_bytes,
        body=json_body,
        query=_query(query),
        options=request_options,
        endpoint=endpoint,
    )


def decoded(response: APIResponse[bytes], cast_to: Any) -> APIResponse[Any]:
    """``response``, parsing into what ``client.request`` returns for ``cast_to``."""
    return APIResponse(lambda: _decode(response, cast_to), **response._info())


# --- the request ------------------------------------------------------------------------------------


def _invalid(name: str, problem: str) -> InvalidRequestError:
    return InvalidRequestError(f"{name}: {problem}", errors=[(name, problem)])


def _method(method: object) -> str:
    verb = method.upper() if isinstance(method, str) else method
    if verb not in METHODS:
        raise _invalid("method", f"one of {', '.join(sorted(METHODS))}, got {method!r}")
    assert isinstance(verb, str)
    return verb


def _path(path: object) -> str:
    """The path from the server root: as the spec writes it (``/v1/models``); a path without its version
    (``/models``, ``models``) gets ``/v1``, as a base URL ending in ``/v1`` loses it."""
    if not isinstance(path, str) or not path.strip("/ "):
        raise _invalid("path", f"the operation's path, such as '/v1/models', got {path!r}")
    if "://" in path or path.startswith("//"):
        # The API key goes to the client's base URL only.
        raise _invalid("path", f"a path on the client's server such as '/v1/models', not a URL: {path!r}")
    if "#" in path:
        raise _invalid(
            "path",
            f"no '#' part, got {path!r}: the spec's '#...' marks a variant of the same path "
            "('#stream' is the streamed form, which client.request does not read)",
        )
    if "{" in path or "}" in path:
        raise _invalid("path", f"fill in the path parameters, got {path!r} (use an f-string)")
    if not path.startswith("/"):
        path = "/" + path
    if not _VERSIONED.match(path):
        path = "/v1" + path
    return path


def _body(body: object, extra: bool) -> JSONBody:
    json_body = JSONBody(value=body)
    try:
        data = json_body.model_dump(mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT)
    except pydantic_core.PydanticSerializationError as exc:
        raise _invalid("body", f"not serializable as JSON: {exc}") from None
    if extra and not isinstance(data, dict):
        raise _invalid("extra_body", f"merges into a JSON object; the body is a {type(data).__name__}")
    return json_body


def _query(query: Mapping[str, object] | None) -> dict[str, Any] | None:
    if query is None:
        return None
    if not isinstance(query, Mapping) or not all(isinstance(key, str) for key in query):
        raise _invalid("query", f"a mapping of parameter names to values, got {query!r}")
    try:
        data = pydantic_core.to_jsonable_python({k: v for k, v in query.items() if v is not None})
    except pydantic_core.PydanticSerializationError as exc:
        raise _invalid("query", f"a value is not serializable: {exc}") from None
    return query_values(data) or None


# --- the answer -------------------------------------------------------------------------------------


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _caster(cast_to: Any) -> Any:
    try:
        return _cached_caster(cast_to)
    except TypeError:  # unhashable (an Annotated with a dict in it): built each time
        return _make_caster(cast_to)


@functools.lru_cache(maxsize=64)
def _cached_caster(cast_to: Any) -> Any:
    return _make_caster(cast_to)


def _make_caster(cast_to: Any) -> Any:
    """What validates a JSON document into ``cast_to``: a model's own ``model_validate_json`` (lenient
    for the SDK's response models), else a ``TypeAdapter``'s (``list[Agent]``, ``dict[str, int]``...)."""
    if isinstance(cast_to, type) and issubclass(cast_to, pydantic.BaseModel):
        return cast_to.model_validate_json
    try:
        return pydantic.TypeAdapter(cast_to).validate_json
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError, TypeError) as exc:
        raise _invalid(
            "cast_to", f"a pydantic model or a type pydantic can validate, got {cast_to!r}: {exc}"
        ) from None


def _is_json(response: APIResponse[Any]) -> bool:
    # No content type (a backend that is not HTTP): its answer is taken as JSON.
    content_type = response.headers.get("content-type")
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _decode(response: APIResponse[bytes], cast_to: Any) -> Any:
    content: Any = response.parse()
    if isinstance(content, (bytes, str)):
        data = _as_bytes(content)
    else:  # a backend answering with an object (a FakeBackend given a model or a list): as its JSON
        data = pydantic_core.to_json(content, by_alias=True)
    if cast_to is bytes:
        return data
    if cast_to is str:
        return data.decode()
    if cast_to is None:
        if not data:
            return None  # 204 No Content, or any empty body
        if not _is_json(response):
            return data  # a file, audio, a stream's events: the body as sent
        parse: Any = json.loads
    else:
        parse = _caster(cast_to)
    try:
        return parse(data)
    except ValueError as exc:  # json's JSONDecodeError, pydantic's ValidationError
        raise _validation_error(exc, response.http_response, data, response.request_id) from None

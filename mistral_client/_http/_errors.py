"""Turning what went wrong into the SDK's errors: server messages, errors sent inside a stream,
responses that do not parse, and transport failures (of httpx2 or a legacy ``httpx`` client)."""

from __future__ import annotations

import json
import sys
from typing import Any, TypeVar

import httpx2

from .._backend import (
    APIRequest,
)
from .._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
)

T = TypeVar("T")


def _error_status(error: Any) -> int:
    """The HTTP status an error sent inside a 200 stream stands for."""
    if isinstance(error, dict):
        for key in ("status", "status_code", "code"):
            value = error.get(key)
            try:
                status = int(value) if value is not None else 0
            except (TypeError, ValueError):
                continue
            if 400 <= status <= 599:
                return status
        kind = str(error.get("type", ""))
        for needle, status in (("rate", 429), ("auth", 401), ("permission", 403), ("invalid", 400)):
            if needle in kind:
                return status
    return 500


def _server_message(body: Any) -> str | None:
    if isinstance(body, str):
        return body[:500]
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        body = error
    elif isinstance(error, str):
        return error
    message = body.get("message")
    if isinstance(message, str):
        return message
    detail = body.get("detail")
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
        return "; ".join(parts) or None
    if isinstance(detail, str):
        return detail
    return None


def _repaired(request: APIRequest[T], data: str | bytes, error: ValueError) -> T:
    """The response parsed despite odd values where the caller does not look (see types._lenient), for
    parsers that are not lenient by themselves (the stream's bare validator, a union's adapter)."""
    from pydantic import ValidationError

    from ..types._lenient import repair, root_type

    root = root_type(request.parse) if isinstance(error, ValidationError) else None
    if root is None:
        raise error
    return repair(root, data, error, request.parse, is_json=True)  # type: ignore[arg-type]


def _validation_error(
    exc: ValueError, response: httpx2.Response | None, data: str | bytes, request_id: str | None
) -> APIResponseValidationError:
    errors = exc.errors() if hasattr(exc, "errors") else [{"loc": (), "msg": str(exc)}]
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or "<root>"
    try:
        body: Any = json.loads(data)
    except ValueError:
        body = data
    return APIResponseValidationError(
        f"Could not parse the response: {field}: {first['msg']}",
        field=field,
        response=response,
        body=body,
        request_id=request_id,
    )


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, httpx2.TimeoutException):
        return True
    httpx = sys.modules.get("httpx")  # a legacy client's timeouts; never imported here
    return httpx is not None and isinstance(exc, httpx.TimeoutException)


def _connection_error(exc: Exception, request: httpx2.Request | None) -> APIConnectionError:
    """Our error for a transport failure of httpx2, or of a legacy ``httpx`` client."""
    if _is_timeout(exc):
        return APITimeoutError(f"Request timed out: {type(exc).__name__}", request=request)
    return APIConnectionError(f"Connection error: {exc or type(exc).__name__}", request=request)

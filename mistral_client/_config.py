"""Reading and checking a client's settings: arguments first, then the environment.

A bad setting fails when the client is built, with a :class:`ConfigurationError` that names the
setting, the value and where the value came from (an argument or an environment variable), so a
typo in ``MISTRAL_BASE_URL`` is not mistaken for a network outage on every call.
"""

from __future__ import annotations

import math
import os
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx2

from ._backend import UseDefault
from ._exceptions import ConfigurationError

DEFAULT_BASE_URL = "https://api.mistral.ai"
BASE_URL_ENV = "MISTRAL_BASE_URL"
API_KEY_ENV = "MISTRAL_API_KEY"


def resolve_api_key(argument: str | None, *, required: bool) -> str | None:
    """``api_key=``, else ``MISTRAL_API_KEY``; with neither, an error when the HTTP backend needs one."""
    api_key = argument or os.environ.get(API_KEY_ENV) or None
    if api_key is None and required:
        raise ConfigurationError(
            "No API key: pass api_key=... to the client or set the MISTRAL_API_KEY environment variable.",
            setting="api_key",
            source=None,
        )
    return api_key


def resolve_base_url(argument: str | None) -> str:
    """The server root from ``base_url=``, else ``MISTRAL_BASE_URL``, else Mistral's, checked."""
    if argument:
        return check_base_url(argument, "base_url=")
    configured = os.environ.get(BASE_URL_ENV)
    if configured:
        return check_base_url(configured, BASE_URL_ENV)
    return DEFAULT_BASE_URL


def check_base_url(url: str, source: str) -> str:
    """``url`` as the server root (see :func:`normalize_base_url`), if it is an absolute http(s) URL."""
    if not isinstance(url, str):
        raise ConfigurationError(
            f"base_url (from {source}): a URL string, got {type(url).__name__}",
            setting="base_url",
            source=source,
        )
    stripped = url.strip()
    reason = _url_problem(stripped)
    if reason is not None:
        raise ConfigurationError(
            f"base_url {_shown(stripped)} (from {source}) {reason}",
            setting="base_url",
            source=source,
        )
    return normalize_base_url(stripped)


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        if parts.scheme and not parts.netloc and parts.path[:1].isdigit():  # "localhost:8000"
            return f"has no scheme: did you mean 'http://{url}'?"
        if not parts.scheme and not parts.netloc:
            return "is not an absolute http(s) URL: expected e.g. 'https://api.mistral.ai'"
        return f"has the scheme {parts.scheme!r}: only http and https are supported"
    if not parts.hostname:
        return "has no host"
    try:
        httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError) as exc:
        return f"is not a valid URL ({exc})"
    return None


def _shown(url: str) -> str:
    """The URL for a message, without a password it may carry."""
    try:
        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            url = urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        pass
    return repr(url)


def normalize_base_url(url: str) -> str:
    """The server root: no trailing slash, and no ``/v1`` (our paths carry it)."""
    url = url.rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


def check_max_retries(value: object, source: str = "max_retries=") -> int:
    if type(value) is not int or value < 0:
        raise ConfigurationError(
            f"max_retries (from {source}): a non-negative integer, got {value!r}",
            setting="max_retries",
            source=source,
        )
    return value


def timeout_problem(value: object) -> str | None:
    """Why ``value`` is not a timeout (seconds >= 0, an ``httpx2.Timeout``, or ``None``), else ``None``."""
    if value is None or isinstance(value, UseDefault):
        return None
    if isinstance(value, httpx2.Timeout):
        for name in ("connect", "read", "write", "pool"):
            problem = _seconds_problem(getattr(value, name))
            if problem is not None:
                return f"its {name} timeout {problem}"
        return None
    return _seconds_problem(value)


def _seconds_problem(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be seconds (a number), an httpx2.Timeout or None, got {value!r}"
    if math.isnan(value) or value < 0:
        return f"must be seconds >= 0, got {value!r}"
    return None


def check_timeout(value: object, source: str = "timeout=") -> None:
    problem = timeout_problem(value)
    if problem is not None:
        raise ConfigurationError(f"timeout (from {source}) {problem}", setting="timeout", source=source)


#: The request dialects the HTTP backends speak (see ``Client(dialect=)``).
Dialect = Literal["mistral", "openai"]
DIALECTS: tuple[Dialect, ...] = ("mistral", "openai")


def check_dialect(value: object, source: str = "dialect=") -> None:
    if value not in DIALECTS:
        raise ConfigurationError(
            f"dialect (from {source}): one of {', '.join(map(repr, DIALECTS))}, got {value!r}",
            setting="dialect",
            source=source,
        )

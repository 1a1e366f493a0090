"""The HTTP backends: the Mistral API, or any server that speaks its wire format.

Everything but the I/O lives in :class:`_HTTPCore` (``_core``), shared by :class:`HTTPBackend` (``_sync``)
and :class:`AsyncHTTPBackend` (``_async``): URL and header building, body serialization, status-to-error
mapping, response parsing and the retry policy. ``_errors`` turns failures into our errors, ``_events``
reads stream bodies, and ``_openai_compat`` translates requests into OpenAI's dialect (``dialect="openai"``).
"""

from .._config import DEFAULT_BASE_URL, normalize_base_url
from ._async import AsyncHTTPBackend
from ._core import _HTTPCore
from ._sync import HTTPBackend

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncHTTPBackend",
    "HTTPBackend",
    "_HTTPCore",
    "normalize_base_url",
]

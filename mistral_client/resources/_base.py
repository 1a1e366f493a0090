"""What every endpoint group shares: the client it calls, and the modules it loads on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import AsyncClient, Client


class _Deferred:
    """Stands in for a module until its first use imports it.

    The request builders and stream classes define the pydantic types, most of what an import
    would cost; constructing a client (or a CLI that never calls) should not pay for them.
    """

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self._module, "mistral_client")
        self.__dict__.update(vars(module))  # later lookups are plain attribute reads
        return getattr(module, name)


if TYPE_CHECKING:
    from .. import _requests as build
    from .. import _streaming as streams
    from ..types import chat as chat_types
else:
    build = _Deferred("._requests")
    streams = _Deferred("._streaming")
    chat_types = _Deferred(".types.chat")


class SyncAPIResource:
    """An endpoint group of :class:`~mistral_client.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client


class AsyncAPIResource:
    """An endpoint group of :class:`~mistral_client.AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client


__all__ = ["AsyncAPIResource", "SyncAPIResource", "build", "chat_types", "streams"]

"""``client.beta``: the API's beta endpoint groups (``libraries``...), each a resource of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import AsyncAPIResource, SyncAPIResource
from .libraries import AsyncLibraries, Libraries

if TYPE_CHECKING:
    from .._client import AsyncClient, Client


class Beta(SyncAPIResource):
    """``client.beta``: ``libraries`` (documents agents search, and who they are shared with)."""

    libraries: Libraries

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.libraries = Libraries(client)


class AsyncBeta(AsyncAPIResource):
    """``client.beta``: ``libraries`` (documents agents search, and who they are shared with)."""

    libraries: AsyncLibraries

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self.libraries = AsyncLibraries(client)

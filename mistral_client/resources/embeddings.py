"""``client.embeddings``: vectors for texts.

Each method is a thin shell: :mod:`mistral_client._requests` builds and validates the request (shared by
sync and async), the client's backend answers it. ``with_raw_response`` gives the same methods returning
an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, build

if TYPE_CHECKING:
    from .._backend import APIResponse
    from ..types.embeddings import EmbeddingResponse
    from ..types.params import EmbeddingParams


class Embeddings(SyncAPIResource):
    def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return self._client._request(build.embeddings(params, self._client._defaults))

    @property
    def with_raw_response(self) -> EmbeddingsWithRawResponse:
        return EmbeddingsWithRawResponse(self._client)


class EmbeddingsWithRawResponse(SyncAPIResource):
    def create(self, **params: Unpack[EmbeddingParams]) -> APIResponse[EmbeddingResponse]:
        return self._client._raw_request(build.embeddings(params, self._client._defaults))


class AsyncEmbeddings(AsyncAPIResource):
    async def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return await self._client._request(build.embeddings(params, self._client._defaults))

    @property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        return AsyncEmbeddingsWithRawResponse(self._client)


class AsyncEmbeddingsWithRawResponse(AsyncAPIResource):
    async def create(self, **params: Unpack[EmbeddingParams]) -> APIResponse[EmbeddingResponse]:
        return await self._client._raw_request(build.embeddings(params, self._client._defaults))

"""``client.embeddings``: vectors for texts.

Each method is a thin shell: :mod:`mistral_client._requests` builds and validates the request (shared by
sync and async), the client's backend answers it. ``with_raw_response`` gives the same methods returning
an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, build

if TYPE_CHECKING:
    from .._backend import APIResponse
    from .._bulk import EmbeddingBatchResult, EmbeddingManyParams
    from .._bulk_errors import EmbeddingBatchError
    from .._progress import ProgressArg
    from ..types.embeddings import EmbeddingResponse
    from ..types.params import EmbeddingParams


class Embeddings(SyncAPIResource):
    def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return self._client._request(build.embeddings(params, self._client._defaults))

    def create_many(
        self,
        *,
        model: str,
        inputs: Iterable[str],
        batch_size: int = 128,
        max_batch_tokens: int = 16_384,
        max_concurrency: int = 8,
        progress: ProgressArg = False,
        resume_from: EmbeddingBatchError | Mapping[int, list[float]] | None = None,
        **params: Unpack[EmbeddingManyParams],
    ) -> EmbeddingBatchResult:
        """Embed any number of texts: batched (by count and estimated tokens), ``max_concurrency``
        requests in flight on worker threads, retried with the client's policy and one backoff shared
        by the run, vectors in input order. See the "Bulk work" guide.

        Raises :class:`~mistral_client.EmbeddingBatchError` (with everything already embedded) when a
        batch still fails; ``resume_from=error`` then embeds only what is missing.
        """
        from .._bulk import create_many

        return create_many(
            self._client,
            model=model,
            inputs=inputs,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            max_concurrency=max_concurrency,
            progress=progress,
            resume_from=resume_from,
            params=params,
        )

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

    async def create_many(
        self,
        *,
        model: str,
        inputs: Iterable[str],
        batch_size: int = 128,
        max_batch_tokens: int = 16_384,
        max_concurrency: int = 8,
        progress: ProgressArg = False,
        resume_from: EmbeddingBatchError | Mapping[int, list[float]] | None = None,
        **params: Unpack[EmbeddingManyParams],
    ) -> EmbeddingBatchResult:
        """Embed any number of texts with up to ``max_concurrency`` requests in flight; see
        :meth:`Embeddings.create_many <mistral_client.resources.embeddings.Embeddings.create_many>`."""
        from .._bulk import async_create_many

        return await async_create_many(
            self._client,
            model=model,
            inputs=inputs,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            max_concurrency=max_concurrency,
            progress=progress,
            resume_from=resume_from,
            params=params,
        )

    @property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        return AsyncEmbeddingsWithRawResponse(self._client)


class AsyncEmbeddingsWithRawResponse(AsyncAPIResource):
    async def create(self, **params: Unpack[EmbeddingParams]) -> APIResponse[EmbeddingResponse]:
        return await self._client._raw_request(build.embeddings(params, self._client._defaults))

"""``client.embeddings``: vectors for texts.

``create`` names its operation's record and hands its arguments to the resource door (:mod:`._base`);
``create_many`` runs many such calls (:mod:`mistral_client.bulk`). ``with_raw_response`` gives
``create`` returning an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from ..bulk import _embeddings as bulk
    from ..bulk._embeddings import EmbeddingBatchResult, EmbeddingManyParams
    from ..bulk._errors import EmbeddingBatchError
    from ..bulk._progress import ProgressArg
    from ..types.embeddings import EmbeddingResponse
    from ..types.params import EmbeddingParams
else:
    bulk = lazy_module("mistral_client.bulk._embeddings")


class Embeddings(SyncAPIResource):
    workflows = frozenset({"create_many"})

    def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return self._call(endpoints.EMBEDDINGS_CREATE, params)

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
        return bulk.create_many(
            self,
            model=model,
            inputs=inputs,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            max_concurrency=max_concurrency,
            progress=progress,
            resume_from=resume_from,
            params=params,
        )

    @functools.cached_property
    def with_raw_response(self) -> EmbeddingsWithRawResponse:
        return EmbeddingsWithRawResponse(self)


class EmbeddingsWithRawResponse:
    """``client.embeddings.create`` returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, embeddings: Embeddings) -> None:
        self.create = raw(embeddings._raw_copy().create)


class AsyncEmbeddings(AsyncAPIResource):
    workflows = frozenset({"create_many"})

    async def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return await self._call(endpoints.EMBEDDINGS_CREATE, params)

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
        return await bulk.async_create_many(
            self,
            model=model,
            inputs=inputs,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            max_concurrency=max_concurrency,
            progress=progress,
            resume_from=resume_from,
            params=params,
        )

    @functools.cached_property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        return AsyncEmbeddingsWithRawResponse(self)


class AsyncEmbeddingsWithRawResponse:
    """``client.embeddings.create`` returning the :class:`~mistral_client.APIResponse`; awaited."""

    def __init__(self, embeddings: AsyncEmbeddings) -> None:
        self.create = async_raw(embeddings._raw_copy().create)

"""``client.models``: the models available, one model's card, deleting a fine-tuned one.

Each method names its operation's record and hands its arguments to the resource door
(:mod:`._base`). ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from ..types.models import DeleteModelResponse, ModelCard, ModelList
    from ..types.params import ModelsListParams, RequestOptionsParam


class Models(SyncAPIResource):
    def list(self, **params: Unpack[ModelsListParams]) -> ModelList:
        """The models available to you (``GET /v1/models``)."""
        return self._call(endpoints.MODELS_LIST, params)

    def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> ModelCard:
        """One model's card (``GET /v1/models/{model_id}``)."""
        return self._call(endpoints.MODELS_RETRIEVE, options, path={"model_id": model_id})

    def delete(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteModelResponse:
        """Delete a fine-tuned model (``DELETE /v1/models/{model_id}``)."""
        return self._call(endpoints.MODELS_DELETE, options, path={"model_id": model_id})

    @functools.cached_property
    def with_raw_response(self) -> ModelsWithRawResponse:
        return ModelsWithRawResponse(self)


class ModelsWithRawResponse:
    """``client.models``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, models: Models) -> None:
        models = models._raw_copy()
        self.list = raw(models.list)
        self.retrieve = raw(models.retrieve)
        self.delete = raw(models.delete)


class AsyncModels(AsyncAPIResource):
    async def list(self, **params: Unpack[ModelsListParams]) -> ModelList:
        """The models available to you (``GET /v1/models``)."""
        return await self._call(endpoints.MODELS_LIST, params)

    async def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> ModelCard:
        """One model's card (``GET /v1/models/{model_id}``)."""
        return await self._call(endpoints.MODELS_RETRIEVE, options, path={"model_id": model_id})

    async def delete(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteModelResponse:
        """Delete a fine-tuned model (``DELETE /v1/models/{model_id}``)."""
        return await self._call(endpoints.MODELS_DELETE, options, path={"model_id": model_id})

    @functools.cached_property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        return AsyncModelsWithRawResponse(self)


class AsyncModelsWithRawResponse:
    """``client.models``' methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, models: AsyncModels) -> None:
        models = models._raw_copy()
        self.list = async_raw(models.list)
        self.retrieve = async_raw(models.retrieve)
        self.delete = async_raw(models.delete)

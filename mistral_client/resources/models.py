"""``client.models``: the models available, one model's card, deleting a fine-tuned one.

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
    from ..types.models import DeleteModelResponse, ModelCard, ModelList
    from ..types.params import ModelsListParams, RequestOptionsParam


class Models(SyncAPIResource):
    def list(self, **params: Unpack[ModelsListParams]) -> ModelList:
        """The models available to you (``GET /v1/models``)."""
        return self._client._request(build.models_list(params, self._client._defaults))

    def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> ModelCard:
        """One model's card (``GET /v1/models/{model_id}``)."""
        return self._client._request(build.models_retrieve(model_id, options, self._client._defaults))

    def delete(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteModelResponse:
        """Delete a fine-tuned model (``DELETE /v1/models/{model_id}``)."""
        return self._client._request(build.models_delete(model_id, options, self._client._defaults))

    @property
    def with_raw_response(self) -> ModelsWithRawResponse:
        return ModelsWithRawResponse(self._client)


class ModelsWithRawResponse(SyncAPIResource):
    def list(self, **params: Unpack[ModelsListParams]) -> APIResponse[ModelList]:
        return self._client._raw_request(build.models_list(params, self._client._defaults))

    def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> APIResponse[ModelCard]:
        return self._client._raw_request(build.models_retrieve(model_id, options, self._client._defaults))

    def delete(
        self, model_id: str, **options: Unpack[RequestOptionsParam]
    ) -> APIResponse[DeleteModelResponse]:
        return self._client._raw_request(build.models_delete(model_id, options, self._client._defaults))


class AsyncModels(AsyncAPIResource):
    async def list(self, **params: Unpack[ModelsListParams]) -> ModelList:
        """The models available to you (``GET /v1/models``)."""
        return await self._client._request(build.models_list(params, self._client._defaults))

    async def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> ModelCard:
        """One model's card (``GET /v1/models/{model_id}``)."""
        return await self._client._request(build.models_retrieve(model_id, options, self._client._defaults))

    async def delete(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteModelResponse:
        """Delete a fine-tuned model (``DELETE /v1/models/{model_id}``)."""
        return await self._client._request(build.models_delete(model_id, options, self._client._defaults))

    @property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        return AsyncModelsWithRawResponse(self._client)


class AsyncModelsWithRawResponse(AsyncAPIResource):
    async def list(self, **params: Unpack[ModelsListParams]) -> APIResponse[ModelList]:
        return await self._client._raw_request(build.models_list(params, self._client._defaults))

    async def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> APIResponse[ModelCard]:
        return await self._client._raw_request(
            build.models_retrieve(model_id, options, self._client._defaults)
        )

    async def delete(
        self, model_id: str, **options: Unpack[RequestOptionsParam]
    ) -> APIResponse[DeleteModelResponse]:
        return await self._client._raw_request(build.models_delete(model_id, options, self._client._defaults))

"""The endpoint groups: ``client.chat``, ``client.fim``, ``client.embeddings``, ``client.models``.

Each method is a thin shell: :mod:`._requests` builds and validates the request (shared by sync and
async), the client's backend answers it. ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse` (headers, status, request id, rate limits, retries, timing).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

if TYPE_CHECKING:
    from ._backend import APIResponse
    from ._client import AsyncClient, Client
    from ._streaming import AsyncStream, Stream
    from .types.chat import ChatCompletionResponse, FIMCompletionResponse
    from .types.embeddings import EmbeddingResponse
    from .types.models import DeleteModelResponse, ModelCard, ModelList
    from .types.params import (
        ChatCompletionParams,
        EmbeddingParams,
        FIMCompletionParams,
        ModelsListParams,
        RequestOptionsParam,
    )


class _Deferred:
    """Stands in for a module until its first use imports it.

    The request builders and stream classes define the pydantic types, most of what an import
    would cost; constructing a client (or a CLI that never calls) should not pay for them.
    """

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self._module, __package__)
        self.__dict__.update(vars(module))  # later lookups are plain attribute reads
        return getattr(module, name)


if TYPE_CHECKING:
    from . import _requests as build
    from . import _streaming as streams
    from .types import chat as chat_types
else:
    build = _Deferred("._requests")
    streams = _Deferred("._streaming")
    chat_types = _Deferred(".types.chat")


class _Resource:
    def __init__(self, client: Client) -> None:
        self._client = client


class _AsyncResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client


# --- chat -----------------------------------------------------------------------------------------


class Chat(_Resource):
    def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        request = build.chat_complete(params, self._client._defaults)
        return self._client._request(request)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> Stream[ChatCompletionResponse]:
        """Stream a chat completion. Nothing is sent until the stream is entered or iterated."""
        request = build.chat_stream(params, self._client._defaults)
        return streams.Stream(self._client._backend, request, chat_types.ChatCompletionResponse)

    @property
    def with_raw_response(self) -> ChatWithRawResponse:
        return ChatWithRawResponse(self._client)


class ChatWithRawResponse(_Resource):
    def complete(self, **params: Unpack[ChatCompletionParams]) -> APIResponse[ChatCompletionResponse]:
        return self._client._raw_request(build.chat_complete(params, self._client._defaults))


class AsyncChat(_AsyncResource):
    async def complete(self, **params: Unpack[ChatCompletionParams]) -> ChatCompletionResponse:
        """Create a chat completion (``POST /v1/chat/completions``)."""
        request = build.chat_complete(params, self._client._defaults)
        return await self._client._request(request)

    def stream(self, **params: Unpack[ChatCompletionParams]) -> AsyncStream[ChatCompletionResponse]:
        """Stream a chat completion; use with ``async for`` or ``async with`` (no ``await``)."""
        request = build.chat_stream(params, self._client._defaults)
        return streams.AsyncStream(self._client._backend, request, chat_types.ChatCompletionResponse)

    @property
    def with_raw_response(self) -> AsyncChatWithRawResponse:
        return AsyncChatWithRawResponse(self._client)


class AsyncChatWithRawResponse(_AsyncResource):
    async def complete(self, **params: Unpack[ChatCompletionParams]) -> APIResponse[ChatCompletionResponse]:
        return await self._client._raw_request(build.chat_complete(params, self._client._defaults))


# --- FIM ------------------------------------------------------------------------------------------


class Fim(_Resource):
    def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        return self._client._request(build.fim_complete(params, self._client._defaults))

    def stream(self, **params: Unpack[FIMCompletionParams]) -> Stream[FIMCompletionResponse]:
        """Stream a FIM completion. Nothing is sent until the stream is entered or iterated."""
        request = build.fim_stream(params, self._client._defaults)
        return streams.Stream(self._client._backend, request, chat_types.FIMCompletionResponse)

    @property
    def with_raw_response(self) -> FimWithRawResponse:
        return FimWithRawResponse(self._client)


class FimWithRawResponse(_Resource):
    def complete(self, **params: Unpack[FIMCompletionParams]) -> APIResponse[FIMCompletionResponse]:
        return self._client._raw_request(build.fim_complete(params, self._client._defaults))


class AsyncFim(_AsyncResource):
    async def complete(self, **params: Unpack[FIMCompletionParams]) -> FIMCompletionResponse:
        """Fill in the middle between ``prompt`` and ``suffix`` (``POST /v1/fim/completions``)."""
        request = build.fim_complete(params, self._client._defaults)
        return await self._client._request(request)

    def stream(self, **params: Unpack[FIMCompletionParams]) -> AsyncStream[FIMCompletionResponse]:
        """Stream a FIM completion; use with ``async for`` or ``async with`` (no ``await``)."""
        request = build.fim_stream(params, self._client._defaults)
        return streams.AsyncStream(self._client._backend, request, chat_types.FIMCompletionResponse)

    @property
    def with_raw_response(self) -> AsyncFimWithRawResponse:
        return AsyncFimWithRawResponse(self._client)


class AsyncFimWithRawResponse(_AsyncResource):
    async def complete(self, **params: Unpack[FIMCompletionParams]) -> APIResponse[FIMCompletionResponse]:
        return await self._client._raw_request(build.fim_complete(params, self._client._defaults))


# --- embeddings -----------------------------------------------------------------------------------


class Embeddings(_Resource):
    def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return self._client._request(build.embeddings(params, self._client._defaults))

    @property
    def with_raw_response(self) -> EmbeddingsWithRawResponse:
        return EmbeddingsWithRawResponse(self._client)


class EmbeddingsWithRawResponse(_Resource):
    def create(self, **params: Unpack[EmbeddingParams]) -> APIResponse[EmbeddingResponse]:
        return self._client._raw_request(build.embeddings(params, self._client._defaults))


class AsyncEmbeddings(_AsyncResource):
    async def create(self, **params: Unpack[EmbeddingParams]) -> EmbeddingResponse:
        """Embed one text or a list of texts (``POST /v1/embeddings``)."""
        return await self._client._request(build.embeddings(params, self._client._defaults))

    @property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        return AsyncEmbeddingsWithRawResponse(self._client)


class AsyncEmbeddingsWithRawResponse(_AsyncResource):
    async def create(self, **params: Unpack[EmbeddingParams]) -> APIResponse[EmbeddingResponse]:
        return await self._client._raw_request(build.embeddings(params, self._client._defaults))


# --- models ---------------------------------------------------------------------------------------


class Models(_Resource):
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


class ModelsWithRawResponse(_Resource):
    def list(self, **params: Unpack[ModelsListParams]) -> APIResponse[ModelList]:
        return self._client._raw_request(build.models_list(params, self._client._defaults))

    def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParam]) -> APIResponse[ModelCard]:
        return self._client._raw_request(build.models_retrieve(model_id, options, self._client._defaults))

    def delete(
        self, model_id: str, **options: Unpack[RequestOptionsParam]
    ) -> APIResponse[DeleteModelResponse]:
        return self._client._raw_request(build.models_delete(model_id, options, self._client._defaults))


class AsyncModels(_AsyncResource):
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


class AsyncModelsWithRawResponse(_AsyncResource):
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

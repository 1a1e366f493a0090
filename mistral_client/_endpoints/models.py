"""The models operations."""

from __future__ import annotations

from functools import cache

import pydantic

from ..types.models import DeleteModelResponse, ListModelsQuery, ModelCard, ModelList
from ._record import Endpoint


@cache
def _model_card_adapter() -> pydantic.TypeAdapter[ModelCard]:
    return pydantic.TypeAdapter(ModelCard)


def parse_model_card(data: str | bytes) -> ModelCard:
    return _model_card_adapter().validate_json(data)


MODELS_LIST: Endpoint[ModelList] = Endpoint(
    "models.list", "GET", "/v1/models", ModelList.model_validate_json, query=ListModelsQuery
)
MODELS_RETRIEVE: Endpoint[ModelCard] = Endpoint(
    "models.retrieve", "GET", "/v1/models/{model_id}", parse_model_card
)
MODELS_DELETE: Endpoint[DeleteModelResponse] = Endpoint(
    "models.delete", "DELETE", "/v1/models/{model_id}", DeleteModelResponse.model_validate_json
)

"""Model cards returned by the models endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from ._base import MistralModel, QueryModel, ResponseModel


class ModelCapabilities(MistralModel):
    completion_chat: bool = False
    function_calling: bool = False
    reasoning: bool = False
    completion_fim: bool = False
    fine_tuning: bool = False
    vision: bool = False
    ocr: bool = False
    classification: bool = False
    moderation: bool = False
    audio: bool = False
    audio_transcription: bool = False
    audio_transcription_realtime: bool = False
    audio_speech: bool = False
    unified_resources: bool = False


class _ModelCardFields(ResponseModel):
    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str = "mistralai"
    capabilities: ModelCapabilities = Field(default_factory=ModelCapabilities)
    name: str | None = None
    description: str | None = None
    max_context_length: int = 32768
    aliases: list[str] = Field(default_factory=list)
    deprecation: str | None = None
    deprecation_replacement_model: str | None = None
    default_model_temperature: float | None = None
    internal: bool = False


class BaseModelCard(_ModelCardFields):
    type: Literal["base"] = "base"


class FTModelCard(_ModelCardFields):
    type: Literal["fine-tuned"] = "fine-tuned"
    job: str | None = None
    root: str | None = None
    archived: bool = False


class UnknownModelCard(_ModelCardFields):
    """A card of a ``type`` this SDK does not know yet, or from a server that sends no ``type``."""

    type: str | None = None


ModelCard = Union[
    Annotated[BaseModelCard | FTModelCard, Field(discriminator="type")],
    UnknownModelCard,
]


class ModelList(ResponseModel):
    _essential = frozenset({"data"})

    object: str = "list"
    data: list[ModelCard] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        # The spec's own example answers a bare list of cards.
        return {"data": data} if isinstance(data, list) else data


class DeleteModelResponse(ResponseModel):
    id: str
    object: str = "model"
    deleted: bool = True


class ListModelsQuery(QueryModel):
    """The query of ``GET /v1/models``."""

    provider: str | None = None
    model: str | None = None

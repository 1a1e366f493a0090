"""Embedding types."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import MistralModel, ResponseModel
from .chat import UsageInfo

EmbeddingDtype = Literal["float", "int8", "uint8", "binary", "ubinary"]
EncodingFormat = Literal["float", "base64"]


class EmbeddingResponseData(MistralModel):
    object: str = "embedding"
    #: Floats by default; a base64 string when ``encoding_format="base64"`` was asked for.
    embedding: list[float] | str
    index: int = 0


class EmbeddingResponse(ResponseModel):
    id: str = ""
    object: str = "list"
    model: str = ""
    usage: UsageInfo = Field(default_factory=UsageInfo)
    data: list[EmbeddingResponseData] = Field(default_factory=list)

    @property
    def embeddings(self) -> list[list[float]]:
        """The float vectors in input order."""
        ordered = sorted(self.data, key=lambda item: item.index)
        return [item.embedding for item in ordered if isinstance(item.embedding, list)]

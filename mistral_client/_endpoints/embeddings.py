"""The embeddings operation."""

from __future__ import annotations

from functools import partial

from ..types.embeddings import EmbeddingResponse
from ..types.requests import EmbeddingRequest
from ._record import Endpoint, Parser


def _embedding_parser(body: EmbeddingRequest) -> Parser[EmbeddingResponse]:
    if body.output_dtype == "float":
        return EmbeddingResponse.model_validate_json
    # The vectors' decoding depends on it (ints, base64 bytes).
    return partial(EmbeddingResponse.model_validate_json, context={"output_dtype": body.output_dtype})


EMBEDDINGS_CREATE: Endpoint[EmbeddingResponse] = Endpoint(
    "embeddings.create",
    "POST",
    "/v1/embeddings",
    EmbeddingResponse.model_validate_json,
    body=EmbeddingRequest,
    span="embeddings",
    batch=True,
    parse_for=_embedding_parser,
)

"""Embedding types."""

from __future__ import annotations

import base64
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    Field,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from ._base import MistralModel, ResponseModel
from .chat import UsageInfo

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

EmbeddingDtype = Literal["float", "int8", "uint8", "binary", "ubinary"]
EncodingFormat = Literal["float", "base64"]

#: The ``array`` typecode of each output_dtype's base64 payload (little-endian on the wire).
_TYPECODES = {"float": "f", "int8": "b", "uint8": "B", "binary": "b", "ubinary": "B"}
_INTEGER_DTYPES = frozenset({"int8", "uint8", "binary", "ubinary"})


def _vector(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """A base64 vector decoded; the values of an integer ``output_dtype`` kept as ints.

    The request's dtype comes in the validation context (``{"output_dtype": ...}``); without it a base64
    vector is float32, the API's default.
    """
    dtype = info.context.get("output_dtype", "float") if isinstance(info.context, dict) else "float"
    if isinstance(value, str):
        return _decode(value, dtype)
    if dtype in _INTEGER_DTYPES and isinstance(value, list):
        return _int_list(value)
    return handler(value)


def _decode(text: str, dtype: str) -> list[Any]:
    import array
    import sys

    values = array.array(_TYPECODES.get(dtype, "f"), base64.b64decode(text, validate=True))
    if sys.byteorder == "big":  # pragma: no cover - the wire is little-endian
        values.byteswap()
    return values.tolist()


@cache
def _number_adapter() -> TypeAdapter[list[StrictInt | StrictFloat]]:
    return TypeAdapter(list[StrictInt | StrictFloat])


def _int_list(value: list[Any]) -> list[int | float]:
    """The values as ints where they are whole: the spec allows any number in the vector, and a
    server may send ``3.0`` (or even ``0.5``) for an integer dtype; a non-number still fails."""
    numbers = _number_adapter().validate_python(value)
    return [int(x) if isinstance(x, float) and x.is_integer() else x for x in numbers]


class EmbeddingResponseData(MistralModel):
    _essential = frozenset({"embedding"})

    object: str = "embedding"
    #: The vector. Floats; for the integer ``output_dtype`` s (int8, uint8, binary, ubinary) Python ints
    #: (a value sent that is not whole stays a float), which ``list[float]`` admits (an ``int`` is
    #: acceptable wherever a ``float`` is, PEP 484). A base64 answer (``encoding_format="base64"``)
    #: arrives here decoded. Empty only if the server sent no vector for this item, which
    #: :attr:`EmbeddingResponse.embeddings` reports as an error.
    embedding: Annotated[list[float], WrapValidator(_vector)] = Field(default_factory=list)
    #: The position of this item's input; ``None`` if the server did not say.
    index: int | None = None


class EmbeddingResponse(ResponseModel):
    _essential = frozenset({"data"})

    id: str = ""
    object: str = "list"
    model: str = ""
    usage: UsageInfo = Field(default_factory=UsageInfo)
    data: list[EmbeddingResponseData] = Field(default_factory=list)

    @property
    def embeddings(self) -> list[list[float]]:
        """The vectors in input order, one per item of ``data``.

        Raises :class:`~mistral_client.APIResponseValidationError` naming the item if one came without its
        vector: dropping it would shift every later vector onto the wrong input.
        """
        return [item.embedding for item in self._ordered()]

    def to_numpy(self) -> npt.NDArray[np.float32]:
        """The vectors as one float32 array of shape ``(n, dim)``, in input order (needs numpy)."""
        try:
            import numpy as np
        except ImportError:
            raise ImportError(
                "EmbeddingResponse.to_numpy() needs numpy, which mistral_client does not install: "
                "pip install numpy"
            ) from None
        vectors = self.embeddings
        if len({len(v) for v in vectors}) > 1:
            from .._exceptions import APIResponseValidationError

            raise APIResponseValidationError(
                "The embeddings have different lengths: they do not make one array.",
                field="data",
                request_id=self.request_id,
            )
        if not vectors:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(vectors, dtype=np.float32)

    def _ordered(self) -> list[EmbeddingResponseData]:
        for position, item in enumerate(self.data):
            if "embedding" not in item.model_fields_set:
                from .._exceptions import APIResponseValidationError

                raise APIResponseValidationError(
                    f"Embedding item {position} came without its vector.",
                    field=f"data.{position}.embedding",
                    request_id=self.request_id,
                )
        indices = [item.index for item in self.data]
        # Sorted by index when every item has a distinct one; otherwise as sent (never dropped).
        if None not in indices and len(set(indices)) == len(indices):
            return sorted(self.data, key=lambda item: item.index or 0)
        return list(self.data)

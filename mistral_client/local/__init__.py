"""In-process inference on open-weight models (the ``local`` extra: torch, transformers, mistral-common).

    from mistral_client import Client
    from mistral_client.local import LocalBackend

    client = Client(backend=LocalBackend("path/to/model-dir"))

Importing this package is cheap: the classes that need torch load on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mistral_client._lazy import lazy_attributes
from mistral_client.local._backend import LocalBackend
from mistral_client.local._errors import LocalModelError
from mistral_client.local._types import (
    Completion,
    EmbeddingResult,
    FinishReason,
    GenerationEvent,
    GenerationParams,
    GenerationResult,
    ToolCall,
)

if TYPE_CHECKING:
    from mistral_client.local._embeddings import EmbeddingModel
    from mistral_client.local._engine import Engine
    from mistral_client.local._generation import PromptTooLongError
    from mistral_client.local._loader import LoadOptions
    from mistral_client.local._tokenizer import FIMNotSupportedError, PromptEncoder

# Public name -> module, imported on first attribute access so that torch loads only when used.
_LAZY = {
    "EmbeddingModel": "._embeddings",
    "Engine": "._engine",
    "PromptTooLongError": "._generation",
    "LoadOptions": "._loader",
    "FIMNotSupportedError": "._tokenizer",
    "PromptEncoder": "._tokenizer",
}

__all__ = [
    "Completion",
    "EmbeddingModel",
    "EmbeddingResult",
    "Engine",
    "FIMNotSupportedError",
    "FinishReason",
    "GenerationEvent",
    "GenerationParams",
    "GenerationResult",
    "LoadOptions",
    "LocalBackend",
    "LocalModelError",
    "PromptEncoder",
    "PromptTooLongError",
    "ToolCall",
]


__getattr__ = lazy_attributes(__name__, _LAZY)

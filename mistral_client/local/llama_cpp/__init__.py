"""The llama.cpp engine for GGUF files (the ``local-gguf`` extra: llama-cpp-python, no torch).

``LocalBackend("model.gguf", engine="llama.cpp")`` runs the quantized weights through llama.cpp's
low-level API: continuous batching over its multi-sequence batches, prompts encoded exactly as the
torch engine encodes them, constrained decoding with llguidance, embeddings from embedding models.
Importing this package is cheap: llama-cpp-python loads with the first model.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mistral_client.local.llama_cpp._embeddings import GGUFEmbeddingModel
    from mistral_client.local.llama_cpp._engine import LlamaCppEngine

_LAZY = {"GGUFEmbeddingModel": "_embeddings", "LlamaCppEngine": "_engine"}

__all__ = ["GGUFEmbeddingModel", "LlamaCppEngine", "available"]


def available() -> bool:
    """Whether llama-cpp-python is installed (without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

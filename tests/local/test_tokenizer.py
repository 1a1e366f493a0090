"""Prompt encoding with mistral-common's tokenizer files (shipped in its wheel) and the HF fallback."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mistral_common")

from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

from mistral_client.local._detokenizer import IncrementalDetokenizer
from mistral_client.local._model_files import ModelPathError, find_mistral_tokenizer, resolve_model_files
from mistral_client.local._tokenizer import (
    FIMNotSupportedError,
    MistralPromptEncoder,
    _fim_request_class,
    load_prompt_encoder,
)

from .conftest import SPM_V3, TEKKEN
from .conftest import mistral_common_data as _data_file

SPM_V7 = "mistral_instruct_tokenizer_241114.model.v7"


def mistral_common_data(name: str) -> Path:
    path = _data_file(name)
    if not path.is_file():
        pytest.skip(f"this mistral-common release does not ship {name}")
    return path


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "abc123def",
                "type": "function",
                "index": 0,  # streamed responses carry it; mistral-common rejects it
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "abc123def", "name": "get_weather", "content": "22C"},
    {"role": "assistant", "content": "It is", "prefix": True},
]


@pytest.mark.parametrize("name", [SPM_V3, SPM_V7, TEKKEN])
def test_chat_encoding_equals_mistral_common(name: str) -> None:
    encoder = MistralPromptEncoder(mistral_common_data(name))
    ids = encoder.encode_chat(CONVERSATION, TOOLS)
    expected_messages = json.loads(json.dumps(CONVERSATION))
    del expected_messages[2]["tool_calls"][0]["index"]
    del expected_messages[2]["content"]
    reference = MistralTokenizer.from_file(str(mistral_common_data(name)))
    expected = reference.encode_chat_completion(
        ChatCompletionRequest(messages=expected_messages, tools=TOOLS)
    )
    assert ids == expected.tokens
    assert encoder.tool_call_tokens is not None and encoder.tool_call_tokens.tool_calls in ids
    assert ids[0] == encoder.bos_token_id
    assert ids[-1] != 2  # a prefix message is continued, not closed with EOS


@pytest.mark.parametrize(("name", "tool_calls_id"), [(SPM_V3, 5), (TEKKEN, 9)])
def test_special_ids(name: str, tool_calls_id: int) -> None:
    encoder = MistralPromptEncoder(mistral_common_data(name))
    assert encoder.bos_token_id == 1
    assert encoder.eos_token_ids == {2}
    assert encoder.tool_call_tokens is not None
    assert encoder.tool_call_tokens.tool_calls == tool_calls_id
    # Neither file is v11+, so there is no [ARGS] token: tool calls come as a JSON list.
    assert encoder.tool_call_tokens.args is None


def test_v1_tokenizer_has_no_tool_calls_and_no_fim() -> None:
    encoder = MistralPromptEncoder(mistral_common_data("tokenizer.model.v1"))
    assert encoder.tool_call_tokens is None
    with pytest.raises(FIMNotSupportedError):
        encoder.encode_fim("def f(", "return 1")


@pytest.mark.parametrize("name", [SPM_V3, TEKKEN])
def test_fim_encoding(name: str) -> None:
    encoder = MistralPromptEncoder(mistral_common_data(name))
    ids = encoder.encode_fim("def f(", "    return 1")
    reference = MistralTokenizer.from_file(str(mistral_common_data(name)))
    assert ids == reference.encode_fim(_fim_request_class()(prompt="def f(", suffix="    return 1")).tokens


@pytest.mark.parametrize("name", [SPM_V3, SPM_V7, TEKKEN, "tokenizer.model.v1"])
def test_incremental_decoding_matches_full_decode(name: str) -> None:
    encoder = MistralPromptEncoder(mistral_common_data(name))
    texts = ["Hello wörld — 日本語 テキスト 🎉🧪 naïve café\n\tend  double  spaces"]
    sequences = [encoder._raw.encode(t, bos=False, eos=False) for t in texts]
    # Random ids hit byte-fallback pieces and split multi-byte characters in every way.
    rng = random.Random(0)
    sequences += [[rng.randrange(encoder._raw.n_words) for _ in range(80)] for _ in range(30)]
    for ids in sequences:
        detok = IncrementalDetokenizer(encoder.decode)
        deltas = [detok.push(t) for t in ids]
        deltas.append(detok.flush())
        assert "".join(deltas) == encoder.decode(ids)


def test_tokenizer_file_discovery(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    (tmp_path / "tokenizer.model").write_bytes(b"")
    assert find_mistral_tokenizer(tmp_path) is None  # a Llama tokenizer.model is not Mistral's
    (tmp_path / "config.json").write_text('{"model_type": "mistral"}')
    assert find_mistral_tokenizer(tmp_path) == tmp_path / "tokenizer.model"
    shutil.copy(mistral_common_data(SPM_V3), tmp_path / "tokenizer.model.v3")
    (tmp_path / "tokenizer.model.v7").write_bytes(b"")
    assert find_mistral_tokenizer(tmp_path) == tmp_path / "tokenizer.model.v7"
    (tmp_path / "tekken.json").write_text("{}")
    assert find_mistral_tokenizer(tmp_path) == tmp_path / "tekken.json"


def test_model_path_resolution(tmp_path: Path) -> None:
    with pytest.raises(ModelPathError):
        resolve_model_files(tmp_path / "missing")
    with pytest.raises(ModelPathError, match="neither"):
        resolve_model_files(tmp_path)
    (tmp_path / "model.gguf").write_bytes(b"")
    files = resolve_model_files(tmp_path)
    assert (files.directory, files.gguf_file) == (tmp_path, "model.gguf")
    assert resolve_model_files(tmp_path / "model.gguf").gguf_file == "model.gguf"
    (tmp_path / "other.gguf").write_bytes(b"")
    with pytest.raises(ModelPathError, match="several"):
        resolve_model_files(tmp_path)


def test_mistral_mode_without_a_tokenizer_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="tekken"):
        load_prompt_encoder(resolve_model_files(tmp_path), "mistral")

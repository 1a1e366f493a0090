"""`mistral-client --local PATH`: the same commands on the tiny local test model."""

from __future__ import annotations

import json
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

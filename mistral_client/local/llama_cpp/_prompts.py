"""Prompt encoding for a GGUF model without transformers: the GGUF's own tokenizer and chat template.

A Mistral tokenizer file beside the GGUF (``tekken.json``, ``tokenizer.model.v*``) is used as the torch
engine uses it: mistral-common encodes the prompt. Otherwise the chat template stored in the GGUF
(``tokenizer.chat_template``) is rendered as transformers renders it, and the text is tokenized by
llama.cpp with special tokens parsed, as ``tokenizer(text, add_special_tokens=False)`` does: the
token ids are those the torch engine feeds the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mistral_client.local._model_files import ModelFiles
from mistral_client.local._tokenizer import (
    FIMNotSupportedError,
    Message,
    MistralPromptEncoder,
    PromptEncoder,
    TokenizerMode,
    ToolSpec,
    _hf_message,
)
from mistral_client.local.llama_cpp._chat_template import render_chat

if TYPE_CHECKING:
    from mistral_client.local.llama_cpp._model import GGUFModel

#: transformers' special-token attributes, as the template sees them, and llama.cpp's names for them.
_SPECIAL_TOKENS = {"bos_token": "bos", "eos_token": "eos", "sep_token": "sep", "pad_token": "pad"}


class GGUFPromptEncoder(PromptEncoder):
    """Chat prompts from the GGUF's chat template, tokens from llama.cpp's vocabulary."""

    tool_call_tokens = None
    parses_tagged_tool_calls = True

    def __init__(self, model: GGUFModel) -> None:
        self._model = model
        self._template = model.meta("tokenizer.chat_template")
        self.bos_token_id = model.special_id("bos")
        self.eos_token_ids = frozenset(
            t for t in (model.special_id("eos"), model.special_id("eot")) if t is not None
        )
        self._special_tokens = {
            name: model.piece(token)
            for name, kind in _SPECIAL_TOKENS.items()
            if (token := model.special_id(kind)) is not None
        }

    def encode_chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec] | None = None) -> list[int]:
        if not self._template:
            raise ValueError("this model's GGUF file has no chat template; it cannot encode chat requests")
        continue_final = (
            bool(messages) and messages[-1].get("role") == "assistant" and bool(messages[-1].get("prefix"))
        )
        text = render_chat(
            self._template,
            [_hf_message(m) for m in messages],
            tools=tools,
            add_generation_prompt=not continue_final,
            continue_final_message=continue_final,
            special_tokens=self._special_tokens,
        )
        # The template already wrote BOS and friends; adding them again would double them.
        return self._model.tokenize(text, add_special=False, parse_special=True)

    def encode_fim(self, prompt: str, suffix: str | None = None) -> list[int]:
        raise FIMNotSupportedError(
            "fill-in-the-middle needs a Mistral tokenizer file (tekken.json or tokenizer.model.v*) "
            "beside the GGUF file"
        )

    def decode(self, token_ids: Sequence[int]) -> str:
        return self._model.detokenize(token_ids)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenize(text, add_special=False, parse_special=True))


def load_prompt_encoder(files: ModelFiles, model: GGUFModel, mode: TokenizerMode = "auto") -> PromptEncoder:
    """mistral-common when a Mistral tokenizer file is beside the GGUF (or required), else the GGUF's own."""
    if mode == "mistral" or (mode == "auto" and files.mistral_tokenizer is not None):
        if files.mistral_tokenizer is None:
            raise FileNotFoundError(f"no tekken.json or tokenizer.model.v* in {files.directory}")
        return MistralPromptEncoder(files.mistral_tokenizer)
    return GGUFPromptEncoder(model)

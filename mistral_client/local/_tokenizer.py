"""Prompt encoding: Mistral API chat/FIM requests (plain wire-format dicts) to token ids.

A directory that ships a Mistral tokenizer file is encoded with mistral-common, exactly as Mistral's
own serving stack does; any other Hugging Face chat model falls back to its chat template.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from mistral_client.local._model_files import ModelFiles
from mistral_client.local._response_parsing import ResponseTemplateParsing
from mistral_client.local._tool_calls import ToolCallTokens

logger = logging.getLogger("mistral_client.local")

Message = Mapping[str, Any]
ToolSpec = Mapping[str, Any]
TokenizerMode = Literal["auto", "mistral", "hf"]

# mistral-common's request models forbid unknown keys, while API payloads may carry extras
# (``index`` on tool calls, ``None`` placeholders); keep only what each role accepts.
_MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content"}),
    "user": frozenset({"role", "content"}),
    "assistant": frozenset({"role", "content", "tool_calls", "prefix"}),
    "tool": frozenset({"role", "content", "tool_call_id", "name"}),
}


class FIMNotSupportedError(ValueError):
    """Fill-in-the-middle needs a Mistral tokenizer (v2+) that defines the FIM control tokens."""


class PromptEncoder(ABC):
    """Encodes requests and decodes generated tokens for one model."""

    #: Ids that end generation.
    eos_token_ids: frozenset[int]
    bos_token_id: int | None
    #: Special ids of Mistral tool-call output, or ``None`` when the tokenizer has no such token.
    tool_call_tokens: ToolCallTokens | None
    #: Whether tool calls come as ``<tool_call>`` JSON blocks in the text (chat-template models).
    parses_tagged_tool_calls: bool = False

    @abstractmethod
    def encode_chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec] | None = None) -> list[int]:
        """Token ids of a chat prompt, ready for generation of the assistant's reply.

        A last assistant message with ``"prefix": True`` is continued rather than answered.
        """

    @abstractmethod
    def encode_fim(self, prompt: str, suffix: str | None = None) -> list[int]:
        """Token ids of a fill-in-the-middle prompt."""

    @abstractmethod
    def decode(self, token_ids: Sequence[int]) -> str:
        """Text of ``token_ids``, special tokens dropped."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` encodes to, without special tokens."""

    @property
    def supports_tools(self) -> bool:
        """Whether prompts show the model the request's tools, and its calls come back as ``tool_calls``."""
        return self.tool_call_tokens is not None

    @property
    def supports_fim(self) -> bool:
        """Whether :meth:`encode_fim` works: a Mistral tokenizer with FIM control tokens."""
        try:
            self.encode_fim("a", "b")
        except FIMNotSupportedError:
            return False
        return True

    def response_parsing(
        self, prompt: Sequence[int], tools: Sequence[ToolSpec] | None
    ) -> ResponseTemplateParsing | None:
        """How to read this prompt's output back into a message, when the tokenizer declares it.

        ``None``: tool calls are found the default way (``[TOOL_CALLS]`` tokens, ``<tool_call>`` blocks).
        """
        return None


class MistralPromptEncoder(PromptEncoder):
    """Encoding through mistral-common, from a ``tekken.json`` / ``tokenizer.model.v*`` file."""

    def __init__(self, tokenizer_file: str | Path) -> None:
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        self._mistral = MistralTokenizer.from_file(str(tokenizer_file))
        # The raw tokenizer's API shifted across mistral-common releases; it is handled as untyped.
        self._raw: Any = self._mistral.instruct_tokenizer.tokenizer
        self._decode = _ignoring_special_tokens(self._raw)
        self.version: str = str(self._raw.version.value)
        self.bos_token_id = int(self._raw.bos_id)
        self.eos_token_ids = frozenset({int(self._raw.eos_id)})
        self.tool_call_tokens = self._tool_call_tokens()

    def encode_chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec] | None = None) -> list[int]:
        from mistral_common.protocol.instruct.request import ChatCompletionRequest

        request: ChatCompletionRequest[Any] = ChatCompletionRequest(
            messages=[_mistral_message(m) for m in messages],
            tools=[_mistral_tool(t) for t in tools] if tools else None,
        )
        return list(self._mistral.encode_chat_completion(request).tokens)

    def encode_fim(self, prompt: str, suffix: str | None = None) -> list[int]:
        from mistral_common.exceptions import TokenizerException

        try:
            request = _fim_request_class()(prompt=prompt, suffix=suffix)
            return list(self._mistral.encode_fim(request).tokens)
        except TokenizerException as exc:
            raise FIMNotSupportedError(f"this model's tokenizer ({self.version}) has no FIM: {exc}") from exc

    def decode(self, token_ids: Sequence[int]) -> str:
        return str(self._decode(list(token_ids)))

    def count_tokens(self, text: str) -> int:
        return len(self._raw.encode(text, bos=False, eos=False))

    def _special_id(self, token: str) -> int | None:
        # Older mistral-common releases (1.5) only have ``get_control_token``.
        lookup = getattr(self._raw, "get_special_token", None) or self._raw.get_control_token
        try:
            token_id = int(lookup(token))
        except (ValueError, KeyError):
            return None
        # SentencePiece answers unknown pieces with the unk id instead of raising.
        return None if token_id == self._raw.unk_id else token_id

    def _tool_call_tokens(self) -> ToolCallTokens | None:
        tool_calls = self._special_id("[TOOL_CALLS]")
        if tool_calls is None:
            return None
        return ToolCallTokens(tool_calls, self._special_id("[ARGS]"), self._special_id("[CALL_ID]"))


class HFPromptEncoder(PromptEncoder):
    """Encoding through a Hugging Face tokenizer and its chat template."""

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer
        self.bos_token_id = tokenizer.bos_token_id
        self.eos_token_ids = frozenset({tokenizer.eos_token_id} - {None})
        self.tool_call_tokens = None
        self.parses_tagged_tool_calls = True
        self._response_template = _response_template(tokenizer)
        self._special = _special_tokens_pattern(tokenizer) if self._response_template is not None else None
        self._renders_tools: bool | None = None

    @classmethod
    def from_files(cls, files: ModelFiles) -> HFPromptEncoder:
        from transformers import AutoTokenizer

        kwargs: dict[str, Any] = {"local_files_only": True}
        if files.gguf_file is not None:
            kwargs["gguf_file"] = files.gguf_file
        return cls(AutoTokenizer.from_pretrained(str(files.directory), **kwargs))

    def encode_chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec] | None = None) -> list[int]:
        if not getattr(self._tok, "chat_template", None):
            raise ValueError("this model's tokenizer has no chat template; it cannot encode chat requests")
        continue_final = (
            bool(messages) and messages[-1].get("role") == "assistant" and bool(messages[-1].get("prefix"))
        )
        text = self._tok.apply_chat_template(
            [_hf_message(m) for m in messages],
            tools=[dict(t) for t in tools] if tools else None,
            add_generation_prompt=not continue_final,
            continue_final_message=continue_final,
            tokenize=False,
        )
        # The template already wrote BOS and friends; adding them again would double them.
        return list(self._tok(text, add_special_tokens=False)["input_ids"])

    @property
    def supports_tools(self) -> bool:
        """Whether the chat template writes the tools into the prompt (many ignore them); calls come
        back from ``<tool_call>`` blocks or the tokenizer's response template."""
        if self._renders_tools is None:
            probe = {
                "type": "function",
                "function": {"name": "probe_tool_x7", "parameters": {"type": "object"}},
            }
            try:
                text = self._tok.apply_chat_template(
                    [{"role": "user", "content": "hi"}],
                    tools=[probe],
                    add_generation_prompt=True,
                    tokenize=False,
                )
            except Exception:  # no template, or one that cannot render tools
                text = ""
            self._renders_tools = "probe_tool_x7" in str(text)
        return self._renders_tools

    def encode_fim(self, prompt: str, suffix: str | None = None) -> list[int]:
        raise FIMNotSupportedError(
            "fill-in-the-middle needs a Mistral tokenizer file (tekken.json or tokenizer.model.v*) "
            "in the model directory"
        )

    def decode(self, token_ids: Sequence[int]) -> str:
        # No space clean-up: it rewrites text at window edges and would break incremental decoding.
        return str(
            self._tok.decode(list(token_ids), skip_special_tokens=True, clean_up_tokenization_spaces=False)
        )

    def count_tokens(self, text: str) -> int:
        return len(self._tok(text, add_special_tokens=False)["input_ids"])

    def response_parsing(
        self, prompt: Sequence[int], tools: Sequence[ToolSpec] | None
    ) -> ResponseTemplateParsing | None:
        template = self._response_template
        if template is None:
            return None
        # The parser reads the prompt too: templates often open the assistant turn (``<think>``...).
        prefix = self._decode_raw(prompt)
        new_parser = functools.partial(
            self._tok.get_response_parser, template, prefix=prefix, tools=[dict(t) for t in tools or ()]
        )
        return ResponseTemplateParsing(new_parser, self._decode_raw, self._strip_special)

    def _decode_raw(self, token_ids: Sequence[int]) -> str:
        """Text with special tokens kept: a response template's delimiters may be special tokens."""
        return str(
            self._tok.decode(list(token_ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)
        )

    def _strip_special(self, text: str) -> str:
        """Parsed text as :meth:`decode` would give it: no special tokens reach the user."""
        return self._special.sub("", text) if self._special is not None and text else text


def _response_template(tokenizer: Any) -> Any:
    """The tokenizer's declared ``response_template``, if this transformers can parse with it.

    A template the parser rejects is reported once and ignored: the model still works, with tool
    calls found the default way.
    """
    template = getattr(tokenizer, "response_template", None)
    if template is None or not hasattr(tokenizer, "get_response_parser"):
        return None
    try:
        tokenizer.get_response_parser(template, prefix="")
    except Exception as exc:
        logger.warning("ignoring the tokenizer's response_template, which transformers rejects: %s", exc)
        return None
    return template


def _special_tokens_pattern(tokenizer: Any) -> re.Pattern[str] | None:
    """Every special token of the tokenizer, longest first: what ``skip_special_tokens`` drops."""
    decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
    tokens = {str(t) for t in getattr(tokenizer, "all_special_tokens", ())}
    tokens.update(str(t.content) for t in decoder.values() if getattr(t, "special", False))
    tokens.discard("")
    if not tokens:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))


def load_prompt_encoder(files: ModelFiles, mode: TokenizerMode = "auto") -> PromptEncoder:
    """The encoder for a model: mistral-common when a Mistral tokenizer file is there (or required)."""
    if mode == "mistral" or (mode == "auto" and files.mistral_tokenizer is not None):
        if files.mistral_tokenizer is None:
            raise FileNotFoundError(f"no tekken.json or tokenizer.model.v* in {files.directory}")
        return MistralPromptEncoder(files.mistral_tokenizer)
    return HFPromptEncoder.from_files(files)


def _fim_request_class() -> Any:
    # mistral-common 1.5 kept FIMRequest among the tokenizer types; later releases moved it.
    for module in ("mistral_common.protocol.fim.request", "mistral_common.tokens.instruct.request"):
        with contextlib.suppress(ImportError):
            return importlib.import_module(module).FIMRequest
    raise ImportError("this mistral-common release has no FIMRequest")


def _ignoring_special_tokens(raw: Any) -> Callable[[list[int]], str]:
    """``raw.decode`` that drops special tokens, in every mistral-common release."""
    if "special_token_policy" not in inspect.signature(raw.decode).parameters:
        if hasattr(raw, "special_token_policy"):
            # mistral-common 1.5's Tekkenizer raises on special tokens unless told otherwise.
            raw.special_token_policy = type(raw.special_token_policy).IGNORE
        return cast("Callable[[list[int]], str]", raw.decode)
    policy = inspect.signature(raw.decode).parameters["special_token_policy"].default
    return functools.partial(raw.decode, special_token_policy=type(policy).IGNORE)


def _mistral_message(message: Message) -> dict[str, Any]:
    role = message.get("role")
    keys = _MESSAGE_KEYS.get(str(role))
    if keys is None:
        raise ValueError(f"unsupported message role: {role!r}")
    out = {k: v for k, v in message.items() if k in keys and v is not None}
    if "tool_calls" in out:
        out["tool_calls"] = [_mistral_tool_call(c) for c in out["tool_calls"]]
    return out


def _mistral_tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = function.get("arguments", "{}")
    out: dict[str, Any] = {
        "type": "function",
        "function": {
            "name": function.get("name"),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }
    if call.get("id"):
        out["id"] = call["id"]
    return out


def _mistral_tool(tool: ToolSpec) -> dict[str, Any]:
    function = tool.get("function") or {}
    return {
        "type": "function",
        "function": {
            k: v for k, v in function.items() if k in {"name", "description", "parameters", "strict"}
        },
    }


def _hf_message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message["role"], "content": _text_content(message.get("content"))}
    if message.get("tool_calls"):
        out["tool_calls"] = [_hf_tool_call(c) for c in message["tool_calls"]]
    for key in ("tool_call_id", "name"):
        if message.get(key) is not None:
            out[key] = message[key]
    return out


def _hf_tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        # HF templates render arguments with ``tojson``; a JSON string would be encoded twice.
        with contextlib.suppress(json.JSONDecodeError):
            function["arguments"] = json.loads(arguments)
    out = {"type": "function", "function": function}
    if call.get("id"):
        out["id"] = call["id"]
    return out


def _text_content(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for chunk in content:
        if not isinstance(chunk, Mapping) or chunk.get("type") != "text":
            raise ValueError("only text content is supported for models without a Mistral tokenizer")
        parts.append(str(chunk.get("text", "")))
    return "".join(parts)

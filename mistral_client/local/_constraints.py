"""Grammar-constrained decoding with llguidance: JSON modes and forced tool calls.

A request's constraint is a grammar string, compiled and checked once in the caller's thread (a schema
the compiler rejects fails before any generation); each batch row then gets its own matcher, which
writes the allowed-token bitmask before every sampling step. The mask is applied here with plain
tensor ops (llguidance's torch helper is wrapped in ``torch.compile``, seconds on its first call).
Only :class:`RowConstraint` uses torch (imported there): the llama.cpp engine builds and checks
grammars here and masks its numpy logits itself.

JSON is compiled without free whitespace (``", "`` and ``": "`` separators only), so a weak model
cannot loop on spaces or newlines; EOS is allowed only where the grammar accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mistral_client.local._tool_calls import ToolCallTokens

#: Bounded whitespace: JSON separators are fixed strings, nothing else is free.
JSON_OPTIONS: Any = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
#: A forced tool call allows parallel calls, up to this many: a weak model cannot loop on new calls.
MAX_FORCED_CALLS = 4


class GrammarError(ValueError):
    """The grammar compiler rejected a schema or grammar."""


def json_grammar(schema: Mapping[str, Any] | None) -> str:
    """Grammar of a JSON value valid for ``schema`` (any JSON object when ``None``)."""
    import llguidance

    try:
        return str(
            llguidance.LLMatcher.grammar_from_json_schema(dict(schema or {"type": "object"}), JSON_OPTIONS)
        )
    except ValueError as exc:
        raise GrammarError(str(exc)) from None


def tool_call_grammar(
    tools: Sequence[Mapping[str, Any]],
    tokens: ToolCallTokens | None,
    chat_template: bool,
    max_calls: int = MAX_FORCED_CALLS,
) -> str:
    """Grammar of 1 to ``max_calls`` calls to ``tools`` (wire-format function tools), in the model's format.

    Mistral tokenizers v2-v7: ``[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]``; v11+:
    ``[TOOL_CALLS]name[ARGS]{...}`` per call; chat-template models: ``<tool_call>`` JSON blocks.
    """
    functions = [t.get("function") or {} for t in tools]
    if not functions:
        raise GrammarError("tool_choice forces a tool call, but the request has no tools")
    if tokens is not None and tokens.args is not None:
        calls = " | ".join(
            f"{json.dumps(f['name'])} <[{tokens.args}]> %json {_json(_parameters(f))}" for f in functions
        )
        return _lark(f"start: {_up_to(f'<[{tokens.tool_calls}]> call', max_calls)}\ncall: {calls}\n")
    call_schema = {"anyOf": [_call_schema(f) for f in functions]}
    if tokens is not None:
        array = {"type": "array", "items": call_schema, "minItems": 1, "maxItems": max_calls}
        return _lark(f"start: <[{tokens.tool_calls}]> %json {_json(array)}\n")
    if chat_template:
        return _lark(
            f"start: {_up_to('call', max_calls)}\n"
            f'call: "<tool_call>\\n" %json {_json(call_schema)} "\\n</tool_call>" "\\n"?\n'
        )
    raise GrammarError("this model's tokenizer has no tool-call format to force")


def _up_to(item: str, times: int) -> str:
    """``item`` one to ``times`` times, in lark."""
    rule = item
    for _ in range(times - 1):
        rule = f"{item} ({rule})?"
    return rule


def _lark(text: str) -> str:
    import llguidance

    return str(llguidance.LLMatcher.grammar_from_lark(text))


def _parameters(function: Mapping[str, Any]) -> dict[str, Any]:
    params = function.get("parameters")
    return dict(params) if isinstance(params, Mapping) and params else {"type": "object"}


def _call_schema(function: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"name": {"const": function["name"]}, "arguments": _parameters(function)},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def _json(schema: dict[str, Any]) -> str:
    """A schema for lark's ``%json``, with the bounded-whitespace options."""
    return _compact({**schema, "x-guidance": JSON_OPTIONS})


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def check_grammar(grammar: str, tokenizer: Any) -> None:
    """Raise :class:`GrammarError` naming the problem when the grammar does not compile."""
    import llguidance

    is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar, tokenizer)
    if is_error:
        raise GrammarError(messages[0] if messages else "the grammar does not compile")


def new_matcher(tokenizer: Any, grammar: str) -> Any:
    """An llguidance matcher of ``grammar`` at its start; :class:`GrammarError` if it does not compile."""
    import llguidance

    matcher = llguidance.LLMatcher(tokenizer, grammar, log_level=0)
    if matcher.is_error():
        raise GrammarError(matcher.get_error())
    return matcher


class RowConstraint:
    """One batch row's matcher and its mask buffer."""

    __slots__ = ("_bits", "_matcher", "_shifts", "_vocab")

    def __init__(self, tokenizer: Any, grammar: str) -> None:
        import torch

        self._matcher = new_matcher(tokenizer, grammar)
        self._vocab = int(tokenizer.vocab_size)
        self._bits = torch.zeros((self._vocab + 31) // 32, dtype=torch.int32)
        self._shifts = torch.arange(32, dtype=torch.int32)

    def apply(self, scores: Any) -> None:
        """Set the logits of disallowed tokens to -inf, in place (``scores``: a ``[vocab]`` tensor)."""
        bits = self._bits
        self._matcher.unsafe_compute_mask_ptr(bits.data_ptr(), bits.numel() * 4)
        allowed = ((bits.unsqueeze(1) >> self._shifts) & 1).view(-1)[: self._vocab].bool()
        if scores.shape[-1] > self._vocab:  # the model's padded vocabulary beyond the tokenizer's
            scores[self._vocab :] = float("-inf")
        target = scores[: self._vocab]
        if target.device != allowed.device:
            allowed = allowed.to(target.device)
        target.masked_fill_(~allowed, float("-inf"))

    def consume(self, token: int) -> None:
        self._matcher.consume_token(token)


def llg_tokenizer(encoder: Any, vocab_size: int) -> Any:
    """An llguidance tokenizer for a prompt encoder (Mistral tokenizer or Hugging Face fast tokenizer)."""
    import llguidance

    raw = getattr(encoder, "_raw", None)
    eos = sorted(encoder.eos_token_ids)
    if raw is None:
        import llguidance.hf

        return llguidance.hf.from_tokenizer(encoder._tok, n_vocab=vocab_size, eos_token=eos)
    return llguidance.LLTokenizer(
        llguidance.TokenizerWrapper(_MistralVocabulary(raw)), n_vocab=vocab_size, eos_token=eos
    )


class _MistralVocabulary:
    """The byte strings of a mistral-common tokenizer (Tekken or SentencePiece), as llguidance reads them.

    Special tokens are written ``<NAME>`` (llguidance's form for them), ``[INST]`` as ``<INST>``.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.bos_token_id = int(raw.bos_id)
        self.eos_token_id = int(raw.eos_id)
        self.tokens: list[bytes] = []
        self.special_token_ids: list[int] = []
        model = getattr(raw, "_model", None)
        sp = model if hasattr(model, "is_byte") else None  # SentencePiece (Tekken's is tiktoken's)
        self._sp = sp
        self._marker: list[int] = sp.encode("\n") if sp is not None else []
        for i in range(int(raw.n_words)):
            if raw.is_special(i) or (sp is not None and sp.is_unknown(i)):
                piece = str(raw.id_to_piece(i))
                name = m.group(1) if (m := re.fullmatch(r"[\[<](.*)[\]>]", piece)) else piece
                self.special_token_ids.append(i)
                self.tokens.append(f"<{name}>".encode())
            elif sp is not None:
                self.tokens.append(_sentencepiece_bytes(sp, i))
            else:
                from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy

                self.tokens.append(bytes(raw.id_to_byte_piece(i, SpecialTokenPolicy.RAISE)))

    def __call__(self, text: str | bytes) -> list[int]:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if self._sp is None:
            return list(self._raw.encode(text, bos=False, eos=False))
        # SentencePiece prepends a space ("▁") to every encode; llguidance needs the exact bytes.
        # Encode behind a newline (a byte-fallback token, which merges with nothing) and drop it.
        marker = self._marker
        ids: list[int] = self._sp.encode("\n" + text)
        return ids[len(marker) :] if ids[: len(marker)] == marker else ids


def _sentencepiece_bytes(sp: Any, i: int) -> bytes:
    piece = str(sp.id_to_piece(i))
    if sp.is_byte(i):  # "<0x0A>"
        return bytes([int(piece[3:5], 16)])
    return piece.replace("\u2581", " ").encode()

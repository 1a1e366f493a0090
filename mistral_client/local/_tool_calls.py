"""Parsing of Mistral ``[TOOL_CALLS]`` output into tool calls.

Mistral models write tool calls in one of two shapes (the same ones mistral-common encodes, and
that its experimental ``mistral_common.experimental.tools`` decodes):

* tokenizers v2 to v7: ``[TOOL_CALLS][{"name": "f", "arguments": {...}, "id"?: "..."}, ...]``
* tokenizers v11+:     ``[TOOL_CALLS]f[ARGS]{...}`` (or ``f[CALL_ID]id[ARGS]{...}``), repeated per call

We parse at token level because ``[TOOL_CALLS]``, ``[ARGS]`` and ``[CALL_ID]`` are special tokens
that never appear in decoded text.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mistral_client.local._detokenizer import Decode
from mistral_client.local._types import ToolCall

_ID_ALPHABET = string.ascii_letters + string.digits
_VALID_ID = re.compile(r"^[a-zA-Z0-9]{9}$")


class ToolCallParseError(ValueError):
    """The model's tool-call output is not in a recognised shape."""


@dataclass(frozen=True)
class ToolCallTokens:
    """Special token ids that delimit tool calls; ``None`` when the tokenizer lacks one."""

    tool_calls: int
    args: int | None = None
    call_id: int | None = None


def new_tool_call_id(rng: random.Random) -> str:
    """A 9-character alphanumeric id, the form the Mistral API uses and validates."""
    return "".join(rng.choice(_ID_ALPHABET) for _ in range(9))


def parse_tool_call_tokens(
    token_ids: Sequence[int], tokens: ToolCallTokens, decode: Decode, rng: random.Random
) -> list[ToolCall]:
    """Parse generated tokens starting at the first ``[TOOL_CALLS]`` token.

    Raises :class:`ToolCallParseError` when the output is malformed.
    """
    calls: list[ToolCall] = []
    for segment in _split(token_ids, tokens.tool_calls):
        if tokens.args is not None and tokens.args in segment:
            calls.append(_parse_v11_segment(segment, tokens.args, tokens.call_id, decode, rng))
        else:
            calls.extend(parse_tool_call_json(decode(segment), rng))
    if not calls:
        raise ToolCallParseError("no tool call after [TOOL_CALLS]")
    return calls


def parse_finished_tool_calls(
    token_ids: Sequence[int], tokens: ToolCallTokens, decode: Decode, rng: random.Random
) -> list[ToolCall]:
    """The calls an output cut short (by ``max_tokens``) finished writing: all but an unfinished last.

    ``[TOOL_CALLS]f[ARGS]{...}`` segments count when their arguments are a whole JSON object; a
    v2-v7 list counts the items before the one the cut left open. Never raises.
    """
    calls: list[ToolCall] = []
    for segment in _split(token_ids, tokens.tool_calls):
        if tokens.args is not None and tokens.args in segment:
            try:
                calls.append(_parse_v11_segment(segment, tokens.args, tokens.call_id, decode, rng))
            except ToolCallParseError:
                break
        else:
            calls.extend(_finished_json_items(decode(segment), rng))
    return calls


def _finished_json_items(text: str, rng: random.Random) -> list[ToolCall]:
    """The whole ``{"name", "arguments"}`` objects at the start of a JSON list (or the one object)."""
    decoder = json.JSONDecoder()
    text = text.strip()
    single = text.startswith("{")
    pos = 0 if single else 1
    if not single and not text.startswith("["):
        return []
    calls: list[ToolCall] = []
    while pos < len(text):
        while text[pos : pos + 1].isspace():
            pos += 1
        try:
            item, pos = decoder.raw_decode(text, pos)
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                break
            calls.append(_make_call(item["name"], item.get("arguments", {}), item.get("id"), rng))
        except (json.JSONDecodeError, ToolCallParseError):
            break
        rest = text[pos:].lstrip()
        if single or not rest.startswith(","):
            break
        pos = len(text) - len(rest) + 1
    return calls


def parse_tool_call_json(text: str, rng: random.Random) -> list[ToolCall]:
    """Parse the v2-v7 payload: a JSON list of ``{"name", "arguments", "id"?}`` (or one such object)."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolCallParseError(f"tool calls are not valid JSON: {exc}") from exc
    items = payload if isinstance(payload, list) else [payload]
    calls = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ToolCallParseError("each tool call must be an object with a string 'name'")
        calls.append(_make_call(item["name"], item.get("arguments", {}), item.get("id"), rng))
    return calls


def parse_template_tool_calls(items: Any, rng: random.Random) -> list[ToolCall]:
    """Calls from the ``tool_calls`` list of a message parsed by a response template.

    Templates shape each call as ``{"type": "function", "function": {"name", "arguments"}}`` (an
    ``id`` beside them when the model writes one); a bare ``{"name", "arguments"}`` is accepted too.
    Raises :class:`ToolCallParseError` when an item has no usable name or arguments.
    """
    if not isinstance(items, list):
        raise ToolCallParseError("the parsed tool_calls are not a list")
    calls = []
    for item in items:
        function = item.get("function", item) if isinstance(item, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise ToolCallParseError("each parsed tool call must have a string 'name'")
        call_id = item.get("id", function.get("id"))
        calls.append(_make_call(function["name"].strip(), function.get("arguments", {}), call_id, rng))
    return calls


def _parse_v11_segment(
    segment: Sequence[int], args_id: int, call_id_id: int | None, decode: Decode, rng: random.Random
) -> ToolCall:
    """``name[ARGS]{...}`` or ``name[CALL_ID]id[ARGS]{...}``."""
    args_at = list(segment).index(args_id)
    head, args = segment[:args_at], segment[args_at + 1 :]
    call_id = None
    if call_id_id is not None and call_id_id in head:
        id_at = list(head).index(call_id_id)
        head, call_id = head[:id_at], decode(head[id_at + 1 :]).strip()
    try:
        arguments = json.loads(decode(args))
    except json.JSONDecodeError as exc:
        raise ToolCallParseError(f"tool call arguments are not valid JSON: {exc}") from exc
    return _make_call(decode(head).strip(), arguments, call_id, rng)


def _make_call(name: str, arguments: Any, call_id: Any, rng: random.Random) -> ToolCall:
    if isinstance(arguments, str):
        # Some fine-tunes emit arguments already encoded; accept them when they hold an object.
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ToolCallParseError("tool call arguments are not a JSON object") from exc
    if not isinstance(arguments, dict):
        raise ToolCallParseError("tool call arguments must be a JSON object")
    if not name:
        raise ToolCallParseError("tool call has an empty name")
    # The API requires 9-char alphanumeric ids; keep the model's only when it already is one.
    valid = isinstance(call_id, str) and _VALID_ID.match(call_id)
    return ToolCall(
        id=call_id if valid else new_tool_call_id(rng),
        name=name,
        arguments=json.dumps(arguments, ensure_ascii=False),
    )


def _split(token_ids: Sequence[int], separator: int) -> list[Sequence[int]]:
    segments: list[Sequence[int]] = []
    start = 0
    for i, tok in enumerate(token_ids):
        if tok == separator:
            if i > start:
                segments.append(token_ids[start:i])
            start = i + 1
    if len(token_ids) > start:
        segments.append(token_ids[start:])
    return segments


#: Where chat-template models (Qwen, Hermes, SmolLM3...) write a call: ``<tool_call>{json}</tool_call>``.
TOOL_CALL_TAG = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)


def parse_tagged_tool_calls(text: str, rng: random.Random) -> tuple[str, list[ToolCall]]:
    """``(content before the first call, calls)`` from ``<tool_call>`` JSON blocks.

    Raises :class:`ToolCallParseError` when a block is not a ``{"name", "arguments"}`` object or text
    follows an unclosed block.
    """
    start = text.find(TOOL_CALL_TAG)
    if start < 0:
        raise ToolCallParseError("no <tool_call> block")
    blocks = _TAGGED.findall(text, start)
    if not blocks or _TAGGED.sub("", text[start:]).strip():
        raise ToolCallParseError("malformed <tool_call> blocks")
    calls: list[ToolCall] = []
    for block in blocks:
        calls.extend(parse_tool_call_json(block, rng))
    return text[:start].rstrip(), calls


def parse_finished_tagged_calls(text: str, rng: random.Random) -> tuple[str, list[ToolCall]]:
    """``(content before the first call, calls)`` of an output cut short: its closed ``<tool_call>``
    blocks, up to the first that does not parse; the unclosed one the cut left is not a call. Never raises."""
    start = text.find(TOOL_CALL_TAG)
    if start < 0:
        return text, []
    calls: list[ToolCall] = []
    for block in _TAGGED.findall(text, start):
        try:
            calls.extend(parse_tool_call_json(block, rng))
        except ToolCallParseError:
            break
    return text[:start].rstrip(), calls

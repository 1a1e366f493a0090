"""Counting a request's prompt tokens offline: mistral-common for API models, the model's own
tokenizer on the local backend. Shared by the sync and async ``tokens`` resources."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._backend import REQUEST_CONTEXT
from ._exceptions import InvalidRequestError, MistralError
from ._model_tokenizers import describe, resolve
from .types.tokens import TokenCount

_INSTALL_HINT = (
    "Counting tokens offline needs mistral-common: pip install 'mistral-client[tokens]' "
    "(a light extra: no torch)"
)
_TOOL_CALL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")


def count(
    backend: object,
    model: str,
    messages: Sequence[Any] | None,
    tools: Sequence[Any] | None,
    prompt: str | None,
    suffix: str | None,
) -> TokenCount:
    if not isinstance(model, str) or not model:
        raise InvalidRequestError("model: must be a non-empty string", errors=[("model", "required")])
    if (messages is None) == (prompt is None):
        raise InvalidRequestError(
            "Give either messages= (a chat request) or prompt= (a FIM request), not both or neither",
            errors=[("messages", "messages or prompt required")],
        )
    if suffix is not None and prompt is None:
        raise InvalidRequestError("suffix: goes with prompt=", errors=[("suffix", "needs prompt")])
    if tools is not None and messages is None:
        raise InvalidRequestError("tools: go with messages=", errors=[("tools", "needs messages")])
    wire_messages, wire_tools = _validated(model, messages, tools) if messages is not None else ([], None)
    local = _local_backend(backend)
    if local is not None:
        return _count_local(local, model, wire_messages, wire_tools, prompt, suffix)
    return _count_api(model, wire_messages, wire_tools, prompt, suffix)


def _validated(
    model: str, messages: Sequence[Any], tools: Sequence[Any] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The messages and tools as the API would get them, checked against its schema first."""
    from ._requests import validate
    from ._tools import FunctionTool
    from .types.requests import ChatCompletionRequest

    fields: dict[str, Any] = {"model": model, "messages": messages}
    if tools is not None:
        # As in chat.complete: a @tool function counts as the definition it is sent as.
        fields["tools"] = [item.definition if isinstance(item, FunctionTool) else item for item in tools]
    body = validate(ChatCompletionRequest, fields)
    wire = [m.model_dump(mode="json", exclude_none=True, context=REQUEST_CONTEXT) for m in body.messages]
    wire_tools = None
    if body.tools:
        wire_tools = [t.model_dump(mode="json", exclude_none=True, by_alias=True) for t in body.tools]
    return wire, wire_tools


# --- API models: mistral-common ---------------------------------------------------------------------


def _count_api(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    prompt: str | None,
    suffix: str | None,
) -> TokenCount:
    resolved = resolve(model)
    tokenizer = _mistral_tokenizer(resolved.entry.file)
    notes = [resolved.note] if resolved.note else []
    try:
        if prompt is not None:
            tokens = _encode_fim(tokenizer, prompt, suffix)
        else:
            converted, dropped = _to_mistral_common(messages)
            if dropped:
                notes.append(f"{', '.join(sorted(dropped))} content is not counted")
            tokens = _encode_chat(tokenizer, converted, tools)
    except MistralError:
        raise
    except Exception as exc:  # mistral-common's validation of the conversation
        raise InvalidRequestError(f"Cannot count tokens: {exc}", errors=[("messages", str(exc))]) from None
    return TokenCount(
        tokens=tokens,
        exact=not notes,
        tokenizer=_describe_loaded(tokenizer, resolved.entry.file),
        note="; ".join(notes) or None,
        model=model,
        context_window=resolved.entry.context_window,
    )


@functools.cache
def _mistral_tokenizer(file: str) -> Any:
    if importlib.util.find_spec("mistral_common") is None:
        raise MistralError(_INSTALL_HINT)
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    path = Path(importlib.util.find_spec("mistral_common").origin or "").parent / "data" / file  # type: ignore[union-attr]
    if (
        file.endswith((".v1", ".v2", ".v3", ".v7", ".v7m1"))
        and importlib.util.find_spec("sentencepiece") is None
    ):
        raise MistralError(f"{describe(file)} needs sentencepiece: pip install 'mistral-client[tokens]'")
    # "agnostic" (mistral-common >= 1.6) also counts conversations that end with the assistant.
    mode = getattr(ValidationMode, "agnostic", ValidationMode.test)
    return MistralTokenizer.from_file(str(path), mode=mode)


def _describe_loaded(tokenizer: Any, file: str) -> str:
    version = tokenizer.instruct_tokenizer.tokenizer.version.value
    kind = "tekken" if file.endswith(".json") else "sentencepiece"
    return f"{kind} {version} ({file})"


def _encode_chat(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> int:
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    request: Any = ChatCompletionRequest.model_validate({"messages": messages, "tools": tools})
    return len(tokenizer.encode_chat_completion(request).tokens)


def _encode_fim(tokenizer: Any, prompt: str, suffix: str | None) -> int:
    try:
        from mistral_common.protocol.fim.request import FIMRequest
    except ImportError:  # mistral-common 1.5 kept it among the tokenizer types
        from mistral_common.tokens.instruct.request import FIMRequest  # type: ignore[no-redef]
    return len(tokenizer.encode_fim(FIMRequest(prompt=prompt, suffix=suffix)).tokens)


# mistral-common's message models forbid unknown keys; keep what each role takes.
_KEYS = {
    "system": ("role", "content"),
    "user": ("role", "content"),
    "assistant": ("role", "content", "tool_calls", "prefix"),
    "tool": ("role", "content", "tool_call_id", "name"),
}


def _to_mistral_common(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
    """The API's messages in mistral-common's shape; returns the content types it had to leave out
    (images, documents, audio: their cost depends on the file, which is not fetched)."""
    dropped: set[str] = set()
    out = []
    for message in messages:
        role = message["role"]
        item = {k: message[k] for k in _KEYS.get(role, ("role", "content")) if k in message}
        content = item.get("content")
        if isinstance(content, list):
            texts = []
            for chunk in content:
                kind = chunk.get("type")
                if kind == "text":
                    texts.append({"type": "text", "text": chunk.get("text", "")})
                elif kind == "thinking" and role == "assistant":
                    texts.extend(c for c in chunk.get("thinking", []) if c.get("type") == "text")
                else:
                    dropped.add(str(kind))
            item["content"] = texts if role == "user" else "".join(t["text"] for t in texts)
        if item.get("tool_calls"):
            item["tool_calls"] = [_tool_call(call) for call in item["tool_calls"]]
        if role == "tool" and "tool_call_id" in item:
            item["tool_call_id"] = _call_id(item["tool_call_id"])
        out.append(item)
    return out, dropped


def _tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = function.get("arguments", "{}")
    return {
        "id": _call_id(call.get("id") or "null"),
        "type": "function",
        "function": {
            "name": function.get("name"),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }


def _call_id(value: str) -> str:
    # Mistral's models take 9-character ids; others (OpenAI-style "call_...") stand in as one.
    if _TOOL_CALL_ID.match(value):
        return value
    return hashlib.sha1(value.encode()).hexdigest()[:9]


# --- the local backend: the model's own tokenizer ---------------------------------------------------


def _local_backend(backend: object) -> Any:
    # Only a backend of the local package can be one; importing it otherwise would cost for nothing.
    if not type(backend).__module__.startswith("mistral_client.local"):
        return None
    from .local import LocalBackend

    return backend if isinstance(backend, LocalBackend) else None


def _local_context(backend: Any) -> int | None:
    engine = backend._engine
    if engine is not None:
        return engine.context_length  # type: ignore[no-any-return]
    from .local._model_files import declared_context_length, resolve_model_files

    return declared_context_length(resolve_model_files(backend.path))


def _count_local(
    backend: Any,
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    prompt: str | None,
    suffix: str | None,
) -> TokenCount:
    encoder = backend._prompt_encoder()  # the tokenizer alone until the weights are needed
    try:
        ids = (
            encoder.encode_fim(prompt, suffix) if prompt is not None else encoder.encode_chat(messages, tools)
        )
    except Exception as exc:  # the same errors the backend reports for these requests
        raise InvalidRequestError(f"Cannot count tokens: {exc}", errors=[("messages", str(exc))]) from None
    version = getattr(encoder, "version", None)
    name = f"mistral-common {version}" if version else "the model's Hugging Face tokenizer"
    return TokenCount(
        tokens=len(ids),
        exact=True,
        tokenizer=f"{name} ({backend.path})",
        model=model,
        context_window=_local_context(backend),
    )

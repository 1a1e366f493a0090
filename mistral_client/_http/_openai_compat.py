"""The OpenAI dialect (``Client(dialect="openai")``): requests as OpenAI-compatible servers take them.

vLLM, llama.cpp's servers, Ollama and ``transformers serve`` host the same open weights as the API but
speak OpenAI's dialect of the wire format. :func:`translate` rewrites each request before it is sent:

- chat: ``random_seed`` is ``seed``, ``tool_choice="any"`` is ``"required"``; an assistant turn
  without content is sent with ``content: ""`` (llama-cpp-python's server rejects ``null`` and fails
  on a missing key), without its null fields (it rejects ``tool_calls: null`` too) and without
  ``prefix: false``, so a reply's own message, or its dump, is always accepted back as the next turn; an
  ``image_url`` given as a string is sent as ``{"url": ...}``; ``safe_prompt=True`` becomes
  Mistral's safety system prompt, as the API prepends it;
- FIM goes to ``/v1/completions`` with ``suffix`` (these servers have no ``/v1/fim/completions``) and
  the answers are mapped back into Mistral's shapes;
- embeddings: ``output_dimension`` is ``dimensions``;
- streams ask for usage (``stream_options: {"include_usage": true}``); a server that ignores it
  sends none, and the stream's usage is then ``None``;
- Mistral's hints that change nothing in the output (``metadata``, ``prompt_cache_key``,
  ``service_tier``) are left out, and what would change it but has no OpenAI form (``guardrails``,
  ``prompt_mode``, hosted tools, an ``output_dtype`` other than float) raises
  :class:`~mistral_client.UnsupportedParameterError` before anything is sent.

``extra_body`` is merged after the translation, so a caller's own field always wins.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from pydantic import SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from .._backend import REQUEST_CONTEXT, APIRequest
from .._exceptions import UnsupportedParameterError
from ..types._base import MistralModel
from ..types.chat import CompletionChunk, FIMCompletionResponse

T = TypeVar("T")

#: Where FIM goes: OpenAI's completions endpoint, which takes a ``suffix``.
COMPLETIONS_PATH = "/v1/completions"

# Mistral's name -> OpenAI's.
_RENAMED = {"random_seed": "seed", "output_dimension": "dimensions"}
# Mistral-only hints that change nothing in the output, and that OpenAI-style servers may reject.
_DROPPED = frozenset({"metadata", "prompt_cache_key", "service_tier"})
# Mistral-only features that change the output: no OpenAI form, so refused rather than dropped.
_REFUSED = ("guardrails", "prompt_mode")
_STREAM_USAGE = {"include_usage": True}


class OpenAIBody(MistralModel):
    """A request body already in the OpenAI dialect: its fields (all extras) are sent as they are."""

    @model_serializer(mode="wrap")
    def _drop_extras_in_requests(  # replaces the base class's serializer, which would drop them all
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        return self.__pydantic_extra__


def translate(request: APIRequest[T]) -> APIRequest[T]:
    """``request`` in the OpenAI dialect: its body translated, FIM sent to ``/v1/completions``."""
    body = request.body
    rewrite = _BODIES.get(request.operation)
    if body is None or rewrite is None:
        return request  # models.*, files.*, batch.*: the same shapes in both dialects
    data = body.model_dump(mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT)
    data = {_RENAMED.get(name, name): value for name, value in rewrite(data).items() if name not in _DROPPED}
    if data.get("stream") and "stream_options" not in data:
        data["stream_options"] = _STREAM_USAGE
    wire = OpenAIBody.model_construct(**data)
    if request.operation not in _FIM_PARSERS:
        return dataclasses.replace(request, body=wire)
    parse = cast("Callable[[str | bytes], T]", _FIM_PARSERS[request.operation])
    return dataclasses.replace(request, path=COMPLETIONS_PATH, body=wire, parse=parse)


def _chat(data: dict[str, Any]) -> dict[str, Any]:
    for name in _REFUSED:
        if data.get(name) is not None:
            raise UnsupportedParameterError(
                name, "Mistral's own; OpenAI-compatible servers have no such field"
            )
    for tool in data.get("tools") or ():
        if tool.get("type") != "function":
            raise UnsupportedParameterError(
                "tools", f"{tool.get('type')!r} is one of Mistral's hosted tools; these servers run functions"
            )
    if data.get("tool_choice") == "any":
        data["tool_choice"] = "required"
    messages = [_message(message) for message in data["messages"]]
    if data.pop("safe_prompt", False):
        from ..local._request_mapping import with_safe_prompt  # rare: not imported before

        messages = with_safe_prompt(messages)
    data["messages"] = messages
    return data


def _message(message: dict[str, Any]) -> dict[str, Any]:
    if message.get("role") == "assistant":
        # A reply's message as it comes back: "tool_calls": null and "prefix": false are left out,
        # and llama-cpp-python's server takes neither a null content nor none at all.
        message = {k: v for k, v in message.items() if v is not None and not (k == "prefix" and v is False)}
        message.setdefault("content", "")
    content = message.get("content")
    if isinstance(content, list) and any(_is_url_string_chunk(chunk) for chunk in content):
        message = {**message, "content": [_image_url_object(chunk) for chunk in content]}
    return message


def _is_url_string_chunk(chunk: Any) -> bool:
    return (
        isinstance(chunk, dict)
        and chunk.get("type") == "image_url"
        and isinstance(chunk.get("image_url"), str)
    )


def _image_url_object(chunk: Any) -> Any:
    return {**chunk, "image_url": {"url": chunk["image_url"]}} if _is_url_string_chunk(chunk) else chunk


def _fim(data: dict[str, Any]) -> dict[str, Any]:
    return data


def _embeddings(data: dict[str, Any]) -> dict[str, Any]:
    dtype = data.pop("output_dtype", "float")
    if dtype != "float":
        raise UnsupportedParameterError(
            "output_dtype", f"{dtype!r} is Mistral's; OpenAI-compatible servers return float vectors only"
        )
    return data


def parse_completion(data: str | bytes) -> FIMCompletionResponse:
    """An OpenAI ``text_completion`` as a FIM response: ``choices[i].text`` is the message content."""
    return FIMCompletionResponse.model_validate(_mapped(data, "message", "chat.completion"))


def parse_completion_chunk(data: str | bytes) -> CompletionChunk:
    """One event of an OpenAI completions stream as a FIM chunk: ``choices[i].text`` is the delta."""
    return CompletionChunk.model_validate(_mapped(data, "delta", "chat.completion.chunk"))


def _mapped(data: str | bytes, key: str, object_name: str) -> Any:
    # One JSON parse, the choices rewritten in place; other fields (usage, an "error") stay as sent.
    document = json.loads(data)
    if not isinstance(document, dict):
        return document
    if document.get("object") == "text_completion":
        document["object"] = object_name
    choices = document.get("choices")
    if isinstance(choices, list):
        for choice in choices:
            if isinstance(choice, dict) and key not in choice:
                text = choice.pop("text", None)
                if key == "message":
                    choice[key] = {"role": "assistant", "content": text}
                else:
                    choice[key] = {"content": text} if text is not None else {}
    return document


# The operations the dialects differ on, by name (see mistral_client._endpoints).
_BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "chat.complete": _chat,
    "chat.stream": _chat,
    "fim.complete": _fim,
    "fim.stream": _fim,
    "embeddings.create": _embeddings,
}
_FIM_PARSERS: dict[str, Callable[[str | bytes], Any]] = {
    "fim.complete": parse_completion,
    "fim.stream": parse_completion_chunk,
}

"""FIM on OpenAI-compatible servers: their ``/v1/completions`` with ``suffix``, in Mistral's shapes.

vLLM, llama.cpp's server, Ollama and ``transformers serve`` host the same open weights as the API
but not Mistral's ``/v1/fim/completions``; their OpenAI completions endpoint takes the same prompt
and suffix. The HTTP backends switch a FIM call to it when the server has no FIM endpoint (see
``_HTTPCore.fim_fallback``); this module maps the request body and the responses.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .._backend import APIRequest
from ..types._base import MistralModel
from ..types.chat import CompletionChunk, FIMCompletionResponse
from ._core import COMPLETIONS_PATH

T = TypeVar("T")

# Mistral's name -> OpenAI's.
_RENAMED = {"random_seed": "seed"}
# Mistral-only hints that change nothing in the output, and that OpenAI-style servers may reject.
_DROPPED = frozenset({"metadata", "prompt_cache_key"})


class CompletionsRequest(MistralModel):
    """The OpenAI completions body a FIM request becomes (sent with only the fields the caller set)."""

    model: str
    prompt: str
    suffix: str | None = None
    max_tokens: int | None = None
    #: Not OpenAI's, but vLLM takes it; passed on so a server that cannot honour it says so.
    min_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    stream: bool | None = None


def as_completions(request: APIRequest[T]) -> APIRequest[T]:
    """A ``fim.complete`` / ``fim.stream`` request, sent to ``/v1/completions`` instead."""
    body = request.body
    assert body is not None
    fields = {
        _RENAMED.get(name, name): getattr(body, name)
        for name in body.model_fields_set
        if name not in _DROPPED
    }
    parse: Callable[[str | bytes], Any] = (
        parse_completion if request.operation == "fim.complete" else parse_completion_chunk
    )
    return dataclasses.replace(
        request,
        path=COMPLETIONS_PATH,
        # Already validated as a FIM request: construct, do not validate again.
        body=CompletionsRequest.model_construct(**fields),
        parse=cast("Callable[[str | bytes], T]", parse),
    )


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

"""``client.tokens.count`` on the local backend: the prompt tokens with the model's own tokenizer,
without loading the weights (the tokenizer alone until the engine is loaded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._backend import TokenCountRequest
from .._exceptions import InvalidRequestError
from ..types.tokens import TokenCount
from ._model_files import declared_context_length, resolve_model_files

if TYPE_CHECKING:
    from ._backend import LocalBackend


def count_tokens(backend: LocalBackend, request: TokenCountRequest) -> TokenCount:
    encoder = backend._prompt_encoder()
    try:
        if request.prompt is not None:
            ids = encoder.encode_fim(request.prompt, request.suffix)
        else:
            ids = encoder.encode_chat(list(request.messages or []), request.tools)
    except Exception as exc:  # the same errors the backend reports for these requests
        raise InvalidRequestError(f"Cannot count tokens: {exc}", errors=[("messages", str(exc))]) from None
    version = getattr(encoder, "version", None)
    name = f"mistral-common {version}" if version else "the model's Hugging Face tokenizer"
    engine = backend._engine
    context = (
        engine.context_length
        if engine is not None
        else declared_context_length(resolve_model_files(backend.path))
    )
    return TokenCount(
        tokens=len(ids),
        exact=True,
        tokenizer=f"{name} ({backend.path})",
        model=request.model,
        context_window=context,
    )

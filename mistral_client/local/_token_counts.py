"""``client.tokens.count`` on the local backend: the prompt tokens with the model's own tokenizer.

Without loading the weights: before the engine exists, the tokenizer is loaded from the model's
files alone (and kept, per backend).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from .._backend import TokenCountRequest
from .._exceptions import InvalidRequestError
from ..types.tokens import TokenCount
from ._model_files import resolve_model_files
from ._tokenizer import load_prompt_encoder

if TYPE_CHECKING:
    from ._backend import LocalBackend


class TokenCounter:
    """One backend's counts: its engine's encoder, or one loaded from the model's files."""

    def __init__(self, backend: LocalBackend) -> None:
        self._backend = backend
        self._encoder: Any = None
        self._lock = threading.Lock()

    def _encoder_now(self) -> Any:
        engine = self._backend._engine
        if engine is not None:
            return engine.encoder
        with self._lock:
            if self._encoder is None:
                self._encoder = load_prompt_encoder(resolve_model_files(self._backend.path))
            return self._encoder

    def _context_window(self) -> int | None:
        engine = self._backend._engine
        if engine is not None:
            return engine.context_length  # type: ignore[no-any-return]
        path = self._backend.path
        directory = path if path.is_dir() else path.parent
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        config = config.get("text_config", config)
        value = config.get("max_position_embeddings")
        return value if isinstance(value, int) else None

    def count(self, request: TokenCountRequest) -> TokenCount:
        encoder = self._encoder_now()
        try:
            if request.prompt is not None:
                ids = encoder.encode_fim(request.prompt, request.suffix)
            else:
                ids = encoder.encode_chat(list(request.messages or []), request.tools)
        except Exception as exc:  # the same errors the backend reports for these requests
            raise InvalidRequestError(
                f"Cannot count tokens: {exc}", errors=[("messages", str(exc))]
            ) from None
        version = getattr(encoder, "version", None)
        name = f"mistral-common {version}" if version else "the model's Hugging Face tokenizer"
        return TokenCount(
            tokens=len(ids),
            exact=True,
            tokenizer=f"{name} ({self._backend.path})",
            model=request.model,
            context_window=self._context_window(),
        )

"""Errors of the local backend."""

from __future__ import annotations

import os

from mistral_client._exceptions import MistralError


class LocalModelError(MistralError):
    """The model at ``path`` could not be loaded; ``reason`` says why (the original error is chained)."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"cannot load the local model at {path}: {reason}")
        self.path = str(path)
        self.reason = reason

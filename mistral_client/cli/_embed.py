"""``mistral-client embed``: lines in, vectors out (JSON Lines or .npy), through ``create_many``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import EXIT_USAGE, CLIError

if TYPE_CHECKING:
    from .._client import Client


def embed_lines(
    client: Client, model: str, lines: Iterable[str], output: Path | None, batch_size: int, progress: bool
) -> None:
    as_npy = output is not None and output.suffix == ".npy"
    if as_npy:
        try:
            import numpy  # noqa: F401 - checked before any request is paid for
        except ImportError:
            raise CLIError("writing .npy needs numpy: pip install numpy", EXIT_USAGE) from None
    texts = [line for line in lines if line.strip()]  # the API rejects empty inputs
    if not texts:
        raise CLIError("nothing to embed: the input has no non-empty lines", EXIT_USAGE)
    embeddings: Any = client.embeddings  # create_many: batching, shared backoff, progress
    result = embeddings.create_many(model=model, inputs=texts, batch_size=batch_size, progress=progress)
    if as_npy:
        import numpy as np

        assert output is not None
        np.save(output, result.to_numpy())
        return
    out = sys.stdout if output is None else output.open("w", encoding="utf-8")
    try:
        for text, vector in zip(texts, result.embeddings, strict=True):
            out.write(json.dumps({"text": text, "embedding": vector}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()

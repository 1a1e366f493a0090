"""Sentence embeddings from a GGUF embedding model (BERT-style encoders and the like) in llama.cpp.

The model's own pooling (the GGUF's ``<arch>.pooling_type``: mean, CLS, last token) runs inside
llama.cpp; vectors are L2-normalised as the torch engine's are. Several texts share one batch, one
sequence each.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from mistral_client.local._model_files import resolve_model_files
from mistral_client.local._types import EmbeddingResult
from mistral_client.local.llama_cpp._model import GGUFModel, finalizer

_POOLING_NONE = 0
#: Texts embedded per ``llama_decode``.
_SEQUENCES = 16


class GGUFEmbeddingModel:
    """A GGUF embedding model: texts in, normalised pooled vectors out."""

    def __init__(self, model: GGUFModel) -> None:
        lib = model.lib
        if int(lib.llama_pooling_type(model.ctx)) == _POOLING_NONE:
            raise ValueError(
                f"{model.path.name} declares no pooling: it is not an embedding model "
                "(a chat model's GGUF cannot embed)"
            )
        self.model = model
        self.dimension = int(lib.llama_model_n_embd(model.model))
        self.max_length = model.n_ctx
        vocab = model.vocab
        self._add_sep = bool(lib.llama_vocab_get_add_sep(vocab) or lib.llama_vocab_get_add_eos(vocab))
        self._batch = lib.llama_batch_init(model.n_ctx, 0, 1)
        finalizer(self, lib.llama_batch_free, self._batch)
        self._lock = threading.Lock()  # one context: one batch at a time

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        num_threads: int | None = None,
        context_length: int | None = None,
    ) -> GGUFEmbeddingModel:
        files = resolve_model_files(path)
        if files.gguf_file is None:
            raise ValueError(f"{path} is not a GGUF model")
        gguf = files.directory / files.gguf_file
        model = GGUFModel(
            gguf, n_ctx=context_length, n_seq_max=_SEQUENCES, n_threads=num_threads, embeddings=True
        )
        try:
            return cls(model)
        except BaseException:
            model.close()
            raise

    def embed(
        self, texts: Sequence[str], output_dimension: int | None = None, batch_size: int = _SEQUENCES
    ) -> EmbeddingResult:
        """Embed ``texts``; ``output_dimension`` keeps the leading components, renormalised."""
        if output_dimension is not None and not 1 <= output_dimension <= self.dimension:
            raise ValueError(f"output_dimension must be between 1 and {self.dimension}")
        encoded = [self._tokens(t) for t in texts]
        vectors: list[list[float]] = []
        with self._lock:
            start = 0
            while start < len(encoded):
                group = [encoded[start]]
                total = len(group[0])
                while (
                    start + len(group) < len(encoded)
                    and len(group) < min(batch_size, _SEQUENCES)
                    and total + len(encoded[start + len(group)]) <= self.max_length
                ):
                    total += len(encoded[start + len(group)])
                    group.append(encoded[start + len(group)])
                vectors.extend(self._embed_group(group, output_dimension))
                start += len(group)
        return EmbeddingResult(vectors, [len(ids) for ids in encoded])

    def _tokens(self, text: str) -> list[int]:
        ids = self.model.tokenize(text, add_special=True, parse_special=False)
        if len(ids) > self.max_length:  # truncated as transformers does: the closing token kept
            ids = ids[: self.max_length - 1] + ids[-1:] if self._add_sep else ids[: self.max_length]
        return ids

    def _embed_group(self, group: list[list[int]], output_dimension: int | None) -> list[list[float]]:
        model, lib, batch = self.model, self.model.lib, self._batch
        n = 0
        for seq, ids in enumerate(group):
            for position, token in enumerate(ids):
                batch.token[n] = token
                batch.pos[n] = position
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = seq
                batch.logits[n] = 1
                n += 1
        batch.n_tokens = n
        if model.memory:
            lib.llama_memory_clear(model.memory, True)
        status = int(lib.llama_decode(model.ctx, batch))
        if status != 0:
            raise RuntimeError(f"llama_decode failed (status {status})")
        pooled = np.stack(
            [
                np.ctypeslib.as_array(lib.llama_get_embeddings_seq(model.ctx, seq), shape=(self.dimension,))
                for seq in range(len(group))
            ]
        ).astype(np.float32)
        if output_dimension is not None:
            pooled = pooled[:, :output_dimension]  # Matryoshka-style: the leading components
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return [[float(x) for x in row] for row in pooled / np.maximum(norms, 1e-12)]

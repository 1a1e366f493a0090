"""Text embeddings from a local encoder model, pooled and L2-normalised."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from mistral_client.local._loader import apply_threads, dtype_kwarg, resolve_device, resolve_dtype
from mistral_client.local._model_files import find_mistral_tokenizer
from mistral_client.local._pooling import PoolingMode, pool, read_pooling_mode
from mistral_client.local._types import EmbeddingResult

__all__ = ["EmbeddingModel", "EmbeddingResult"]


class EmbeddingModel:
    """A Hugging Face encoder (e.g. a sentence-transformers directory) producing sentence embeddings."""

    def __init__(self, model: Any, tokenizer: Any, pooling: PoolingMode, max_length: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.max_length = max_length
        self.device: torch.device = next(model.parameters()).device
        self.dimension = int(model.config.hidden_size)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        device: str | None = None,
        dtype: str | None = None,
        num_threads: int | None = None,
    ) -> EmbeddingModel:
        from transformers import AutoModel, AutoTokenizer

        directory = Path(path).expanduser()
        if not (directory / "config.json").is_file():
            raise FileNotFoundError(f"{directory} is not a Hugging Face model directory (no config.json)")
        torch_device = resolve_device(device)
        apply_threads(num_threads)
        mistral_file = find_mistral_tokenizer(directory)
        tokenizer: Any
        if mistral_file is not None and not _has_hf_tokenizer(directory):
            tokenizer = _MistralBatchTokenizer(mistral_file)
        else:
            tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        # A dict typed Any: transformers 5.25 types from_pretrained's keywords, and the dtype keyword's
        # name depends on the installed version (torch_dtype before 4.56).
        dtype_option: dict[str, Any] = {dtype_kwarg(): resolve_dtype(dtype, torch_device)}
        model = AutoModel.from_pretrained(str(directory), local_files_only=True, **dtype_option)
        model = model.to(torch_device).eval()
        return cls(model, tokenizer, read_pooling_mode(directory), _max_length(directory, model, tokenizer))

    def embed(
        self, texts: Sequence[str], output_dimension: int | None = None, batch_size: int = 32
    ) -> EmbeddingResult:
        """Embed ``texts``; ``output_dimension`` keeps the leading components, renormalised."""
        if output_dimension is not None and not 1 <= output_dimension <= self.dimension:
            raise ValueError(f"output_dimension must be between 1 and {self.dimension}")
        vectors: list[list[float]] = []
        counts: list[int] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            batch_vectors, batch_counts = self._embed_batch(batch, output_dimension)
            vectors.extend(batch_vectors)
            counts.extend(batch_counts)
        return EmbeddingResult(vectors, counts)

    def _embed_batch(
        self, texts: Sequence[str], output_dimension: int | None
    ) -> tuple[list[list[float]], list[int]]:
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        ).to(self.device)
        with torch.inference_mode():
            hidden = self.model(**enc).last_hidden_state
            pooled = pool(hidden, enc["attention_mask"], self.pooling).float()
            if output_dimension is not None:
                # Matryoshka-style truncation: keep the leading components, then renormalise.
                pooled = pooled[:, :output_dimension]
            pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=-1)
        return pooled.cpu().tolist(), enc["attention_mask"].sum(dim=1).tolist()


_HF_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "spiece.model")


def _has_hf_tokenizer(directory: Path) -> bool:
    return any((directory / name).is_file() for name in _HF_TOKENIZER_FILES)


class _MistralBatchTokenizer:
    """The slice of a Hugging Face tokenizer's call that embedding needs, over a mistral-common tokenizer.

    Texts are encoded with BOS and EOS (as Mistral-based embedding models are trained), right-padded.
    """

    model_max_length = int(1e30)

    def __init__(self, tokenizer_file: Path) -> None:
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        self._raw: Any = MistralTokenizer.from_file(str(tokenizer_file)).instruct_tokenizer.tokenizer
        self._pad = int(getattr(self._raw, "pad_id", -1))

    def __call__(
        self, texts: list[str], *, padding: bool, truncation: bool, max_length: int, return_tensors: str
    ) -> BatchEncoding:
        encoded = [list(self._raw.encode(t, bos=True, eos=True))[:max_length] for t in texts]
        width = max(len(ids) for ids in encoded)
        pad = max(self._pad, 0)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids in encoded], dtype=torch.long)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in encoded], dtype=torch.long)
        return BatchEncoding({"input_ids": input_ids, "attention_mask": mask})


class BatchEncoding(dict[str, torch.Tensor]):
    """``input_ids`` and ``attention_mask``, movable to a device like transformers' own."""

    def to(self, device: torch.device) -> BatchEncoding:
        return BatchEncoding({k: v.to(device) for k, v in self.items()})


def _max_length(directory: Path, model: Any, tokenizer: Any) -> int:
    """sentence-transformers' ``max_seq_length`` when declared, else what model and tokenizer allow."""
    try:
        st_config = json.loads((directory / "sentence_bert_config.json").read_text("utf-8"))
        declared = st_config.get("max_seq_length")
    except (OSError, ValueError, AttributeError):
        declared = None
    if isinstance(declared, int) and declared > 0:
        return declared
    candidates = (
        getattr(model.config, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    )
    # Tokenizers without a limit report a huge sentinel (int(1e30)).
    limits = [v for v in candidates if isinstance(v, int) and 0 < v < 1_000_000]
    return min(limits) if limits else 512

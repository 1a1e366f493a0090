"""Token generation with a KV cache, one forward pass per token, streamed as events."""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any

import torch

from mistral_client.local._generation import BatchedEngine, PromptTooLongError
from mistral_client.local._loader import (
    LoadOptions,
    check_load_memory,
    load_causal_lm,
    resolve_device,
    resolve_dtype,
)
from mistral_client.local._model_files import ModelFiles, resolve_model_files
from mistral_client.local._scheduler import PREFILL_CHUNK, Scheduler
from mistral_client.local._tokenizer import PromptEncoder, load_prompt_encoder

__all__ = ["Engine", "PromptTooLongError"]

logger = logging.getLogger("mistral_client.local")


class Engine(BatchedEngine["Scheduler"]):
    """A causal LM plus its prompt encoder, generating token by token."""

    def __init__(
        self, model: Any, encoder: PromptEncoder, max_batch_size: int = 8, prefill_chunk: int = PREFILL_CHUNK
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if prefill_chunk < 1:
            raise ValueError("prefill_chunk must be at least 1")
        super().__init__()
        self.prefill_chunk = prefill_chunk
        self.model = model
        self.max_batch_size = max_batch_size
        self.dtype: torch.dtype = next(model.parameters()).dtype
        self.encoder = encoder
        self.device: torch.device = next(model.parameters()).device
        config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
        self.context_length: int | None = getattr(config, "max_position_embeddings", None)
        self.eos_token_ids = encoder.eos_token_ids | _config_eos_ids(model)
        params = inspect.signature(model.forward).parameters
        # transformers 5 renamed ``past_key_values`` to ``cache``; the old name only warns for now.
        self._cache_kwarg = "cache" if "cache" in params else "past_key_values"
        # Computing logits for the last prompt position only saves a [prompt, vocab] matmul.
        self._keep_kwarg = next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params), None)
        self._llg_tokenizer: Any = None
        output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
        if self.device.type == "cpu":
            _transpose_output_projection(output)
        #: Rows of the logits: the model's (possibly padded) vocabulary.
        self.vocab_size = (
            int(output.weight.shape[0]) if output is not None else int(getattr(config, "vocab_size", 0))
        )

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        options: LoadOptions | None = None,
        *,
        max_batch_size: int = 8,
        prefill_chunk: int = PREFILL_CHUNK,
    ) -> Engine:
        """Load a Hugging Face model directory, a native Mistral checkpoint (``params.json``), or a
        ``.gguf`` file (or a directory holding one); refuse first what would not fit in memory."""
        options = options or LoadOptions()
        files = resolve_model_files(path)
        check_load_memory(files, options)
        model, encoder = _load(files, options) if files.gguf_file is None else _load_gguf(files, options)
        return cls(model, encoder, max_batch_size, prefill_chunk)

    @property
    def llg_tokenizer(self) -> Any:
        """The llguidance tokenizer of constrained decoding (built on first use: about a second)."""
        if self._llg_tokenizer is None:
            with self._scheduler_lock:
                if self._llg_tokenizer is None:
                    from mistral_client.local._constraints import llg_tokenizer

                    self._llg_tokenizer = llg_tokenizer(self.encoder, self.vocab_size)
        return self._llg_tokenizer

    def _new_scheduler(self) -> Scheduler:
        return Scheduler(self, self.max_batch_size, self.prefill_chunk)

    def forward(
        self,
        input_ids: torch.Tensor,
        cache: Any,
        *,
        prefill: bool,
        position_ids: torch.Tensor | None = None,
        attention_mask: Any = None,
    ) -> torch.Tensor:
        """Logits of the last position of each row, ``[rows, vocab]``."""
        kwargs: dict[str, Any] = {self._cache_kwarg: cache, "use_cache": True}
        if prefill and self._keep_kwarg is not None:
            kwargs[self._keep_kwarg] = 1
        if position_ids is not None:
            kwargs["position_ids"] = position_ids
        if attention_mask is not None:
            kwargs["attention_mask"] = attention_mask
        logits: torch.Tensor = self.model(input_ids=input_ids, **kwargs).logits
        return logits[:, -1, :]

    def new_cache(self) -> Any:
        """An empty KV cache whose layers all keep every position.

        Without the config, sliding-window layers are not truncated to their window: the batch's
        left padding would otherwise take slots of the window. The attention mask applies the window.
        """
        from transformers import DynamicCache

        return DynamicCache()


def _transpose_output_projection(layer: Any) -> None:
    """Compute the vocabulary projection as ``W @ x.T`` on CPU.

    For 2 or 3 rows, CPU BLAS picks a slow kernel for ``x @ W.T`` with a large vocabulary: 36-55 ms
    against 7-12 ms for the transposed product on SmolLM2-135M (49,152 x 576), which erased the gain
    of batching two requests. One row gives the same bits either way.
    """
    if not isinstance(layer, torch.nn.Linear) or layer.bias is not None:
        return
    weight = layer.weight

    def forward(hidden: torch.Tensor) -> torch.Tensor:
        rows = hidden.reshape(-1, hidden.shape[-1])
        return (weight @ rows.mT).mT.reshape(*hidden.shape[:-1], weight.shape[0])

    layer.forward = forward


def _config_eos_ids(model: Any) -> frozenset[int]:
    ids: set[int] = set()
    for config in (getattr(model, "generation_config", None), model.config):
        eos = getattr(config, "eos_token_id", None)
        if isinstance(eos, int):
            ids.add(eos)
        elif isinstance(eos, (list, tuple)):
            ids.update(int(e) for e in eos)
    return frozenset(ids)


def _load(files: ModelFiles, options: LoadOptions, *, cache_entry: bool = False) -> tuple[Any, PromptEncoder]:
    encoder = load_prompt_encoder(files, options.tokenizer)
    return load_causal_lm(files, options, cache_entry=cache_entry), encoder


def _load_gguf(files: ModelFiles, options: LoadOptions) -> tuple[Any, PromptEncoder]:
    """A GGUF model, from the de-quantized cache when it holds it, else de-quantized and cached."""
    from mistral_client.local import _gguf_cache

    root = _gguf_cache.cache_root(options.cache_dir)
    if root is None:
        return _load(files, options)
    gguf = files.directory / str(files.gguf_file)
    dtype = str(resolve_dtype(options.dtype, resolve_device(options.device)))
    entry = _gguf_cache.entry_for(root, gguf, dtype)
    if _gguf_cache.is_complete(entry):
        logger.info("reading the de-quantized copy of %s cached in %s", gguf.name, entry)
        try:
            # A cache hit: an ordinary Hugging Face directory, no de-quantization.
            return _load(ModelFiles(entry, None, files.mistral_tokenizer), options, cache_entry=True)
        except Exception as exc:  # removed or damaged meanwhile: the GGUF file is still there
            logger.warning("could not read the cached weights in %s (%s); de-quantizing %s", entry, exc, gguf)
            _gguf_cache.discard(entry)
    logger.info(
        "first use of %s: de-quantizing it to %s, once; the copy is cached in %s",
        gguf.name,
        dtype.removeprefix("torch."),
        root,
    )
    model, encoder = _load(files, options)
    _gguf_cache.store(entry, model, getattr(encoder, "_tok", None), gguf=gguf, dtype=dtype)
    return model, encoder

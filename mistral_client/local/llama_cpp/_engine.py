"""The llama.cpp engine: a GGUF model's quantized weights run in-process, without torch."""

from __future__ import annotations

import os
import warnings
from typing import Any

from mistral_client.local._generation import BatchedEngine, PromptTooLongError
from mistral_client.local._model_files import resolve_model_files
from mistral_client.local._tokenizer import PromptEncoder, TokenizerMode
from mistral_client.local._types import GenerationParams
from mistral_client.local.llama_cpp._model import GGUFModel
from mistral_client.local.llama_cpp._prompts import GGUFPromptEncoder, load_prompt_encoder
from mistral_client.local.llama_cpp._scheduler import PREFILL_CHUNK, LlamaScheduler

__all__ = ["LlamaCppEngine", "PromptTooLongError"]


class LlamaCppEngine(BatchedEngine["LlamaScheduler"]):
    """A GGUF model in llama.cpp plus its prompt encoder, generating for concurrent requests together.

    The same interface as the torch :class:`~mistral_client.local.Engine`: prompts are token ids
    (encoded by :attr:`encoder` exactly as the torch engine encodes them), :meth:`generate` streams
    :class:`GenerationEvent` objects through a continuous-batching scheduler.
    """

    def __init__(
        self,
        model: GGUFModel,
        encoder: PromptEncoder,
        max_batch_size: int = 8,
        prefill_chunk: int = PREFILL_CHUNK,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if prefill_chunk < 1:
            raise ValueError("prefill_chunk must be at least 1")
        super().__init__()
        self.model = model
        self.encoder = encoder
        self.max_batch_size = max_batch_size
        self.prefill_chunk = prefill_chunk
        model_eos = {t for t in (model.special_id("eos"), model.special_id("eot")) if t is not None}
        self.eos_token_ids: frozenset[int] = encoder.eos_token_ids | model_eos
        #: KV cells, shared by the concurrent requests; one request may fill them all.
        self.context_length: int = model.n_ctx
        self.vocab_size = model.n_vocab
        self._llg_tokenizer: Any = None

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        tokenizer: TokenizerMode = "auto",
        num_threads: int | None = None,
        max_batch_size: int = 8,
        prefill_chunk: int = PREFILL_CHUNK,
        context_length: int | None = None,
    ) -> LlamaCppEngine:
        """Load a ``.gguf`` file (or a directory holding one); ``context_length`` defaults to the model's."""
        files = resolve_model_files(path)
        if files.gguf_file is None:
            raise ValueError(f"{path} is not a GGUF model: the llama.cpp engine runs .gguf files")
        model = GGUFModel(
            files.directory / files.gguf_file,
            n_ctx=context_length,
            n_seq_max=max_batch_size,
            n_batch=prefill_chunk + max_batch_size,
            n_threads=num_threads,
        )
        try:
            encoder = load_prompt_encoder(files, model, tokenizer)
        except BaseException:
            model.close()
            raise
        return cls(model, encoder, max_batch_size, prefill_chunk)

    @property
    def llg_tokenizer(self) -> Any:
        """The llguidance tokenizer of constrained decoding (built on first use)."""
        if self._llg_tokenizer is None:
            with self._scheduler_lock:
                if self._llg_tokenizer is None:
                    self._llg_tokenizer = self._new_llg_tokenizer()
        return self._llg_tokenizer

    def _new_llg_tokenizer(self) -> Any:
        eos = sorted(self.eos_token_ids)
        if isinstance(self.encoder, GGUFPromptEncoder):
            import llguidance.llamacpp

            with warnings.catch_warnings():
                # llguidance reads each token's attributes with a call llama-cpp-python deprecated.
                warnings.simplefilter("ignore", DeprecationWarning)
                return llguidance.llamacpp.lltokenizer_from_vocab(
                    self.model.vocab, n_vocab=self.vocab_size, eos_token=eos
                )
        from mistral_client.local._constraints import llg_tokenizer

        return llg_tokenizer(self.encoder, self.vocab_size)  # mistral-common's vocabulary

    def _new_scheduler(self) -> LlamaScheduler:
        return LlamaScheduler(self, self.max_batch_size, self.prefill_chunk)

    def _check(self, params: GenerationParams) -> None:
        # One KV-cache sequence per completion, max_batch_size of them.
        if params.n > self.max_batch_size:
            raise ValueError(f"n={params.n} is more than the engine's max_batch_size ({self.max_batch_size})")

"""A GGUF model loaded by llama.cpp: weights, one context (its KV cache) and the vocabulary."""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mistral_client.local.llama_cpp._library import library


def finalizer(owner: object, free: Any, handle: Any) -> weakref.finalize[Any, Any]:
    """Free ``handle`` with ``owner``, but not at interpreter exit: the OS reclaims the memory then,
    and freeing llama.cpp objects during shutdown (its threads, its log callback into Python) is
    what crashed a process on exit once in about a dozen runs here."""
    finalizer = weakref.finalize(owner, free, handle)
    finalizer.atexit = False
    return finalizer


def default_threads() -> int:
    """The CPUs this process may run on (llama.cpp's own default is 4, whatever the machine)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class GGUFModel:
    """A model and its context, with the vocabulary calls the engine and the prompt encoder need.

    ``n_ctx`` KV cells are shared by every sequence (a unified cache): one request may use the whole
    window, concurrent ones share it. ``n_seq_max`` bounds the sequences decoded together.
    """

    #: KV cells when not given: llama-server's default. The model's whole window would cost up to
    #: gigabytes (4 GB at 32k for a 7B model) and, for SmolLM2's 8k, 0.17 s more start and 135 MB.
    DEFAULT_CONTEXT = 4096

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        n_ctx: int | None = None,
        n_seq_max: int = 1,
        n_batch: int | None = None,
        n_threads: int | None = None,
        embeddings: bool = False,
    ) -> None:
        lib = library()
        self.lib = lib
        self.path = Path(path)
        model_params = lib.llama_model_default_params()
        model = lib.llama_model_load_from_file(str(self.path).encode(), model_params)
        if not model:
            raise ValueError(f"llama.cpp could not load {self.path} (not a GGUF model it supports?)")
        self.model = model
        self._free_model = finalizer(self, lib.llama_model_free, model)
        self.vocab = lib.llama_model_get_vocab(model)
        self.n_vocab = int(lib.llama_vocab_n_tokens(self.vocab))
        self.n_ctx_train = int(lib.llama_model_n_ctx_train(model))
        params = lib.llama_context_default_params()
        params.n_ctx = n_ctx or min(self.n_ctx_train, self.DEFAULT_CONTEXT)
        params.n_seq_max = n_seq_max
        # A non-causal (embedding) model reads each sequence in one micro-batch: n_batch = n_ctx then.
        params.n_batch = params.n_ubatch = n_batch or params.n_ctx
        threads = n_threads or default_threads()
        params.n_threads = threads
        params.n_threads_batch = threads
        params.kv_unified = True
        params.no_perf = True
        params.embeddings = embeddings
        ctx = lib.llama_init_from_model(model, params)
        if not ctx:
            raise ValueError(f"llama.cpp could not create a context for {self.path} (out of memory?)")
        self.ctx = ctx
        # The context goes first: it refers to the model.
        self._free_ctx = finalizer(self, lib.llama_free, ctx)
        self.memory = lib.llama_get_memory(ctx)
        self.n_ctx = int(lib.llama_n_ctx(ctx))
        self.n_threads = threads

    def close(self) -> None:
        """Free the context and the weights now rather than at garbage collection."""
        self._free_ctx()
        self._free_model()

    # --- metadata -------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A GGUF metadata value as text, ``None`` when the file has no such key."""
        size = 256
        while True:
            buf = ctypes.create_string_buffer(size)
            n = int(self.lib.llama_model_meta_val_str(self.model, key.encode(), buf, size))
            if n < 0:
                return None
            if n < size:
                return buf.value.decode("utf-8", errors="replace")
            size = n + 1

    def special_id(self, name: str) -> int | None:
        """``bos``, ``eos``, ``eot``, ``sep``... id, ``None`` when the vocabulary has none."""
        token = int(getattr(self.lib, f"llama_vocab_{name}")(self.vocab))
        return token if token >= 0 else None

    # --- text <-> tokens ------------------------------------------------------------------------

    # Buffers are per call: prompts are encoded in the callers' threads while the scheduler decodes.

    def tokenize(self, text: str, *, add_special: bool, parse_special: bool) -> list[int]:
        data = text.encode("utf-8")
        size = len(data) + 8  # a token covers at least one byte, plus BOS/EOS
        buf = (ctypes.c_int32 * size)()
        n = int(self.lib.llama_tokenize(self.vocab, data, len(data), buf, size, add_special, parse_special))
        if n < 0:  # the buffer is too small: -n tokens are needed
            buf = (ctypes.c_int32 * -n)()
            n = int(self.lib.llama_tokenize(self.vocab, data, len(data), buf, -n, add_special, parse_special))
        return list(buf[:n])

    def detokenize(self, token_ids: Sequence[int], *, special: bool = False) -> str:
        """Text of the tokens; control tokens are dropped unless ``special``."""
        if not token_ids:
            return ""
        ids = (ctypes.c_int32 * len(token_ids))(*token_ids)
        size = 16 * len(token_ids) + 16
        buf = ctypes.create_string_buffer(size)
        n = int(self.lib.llama_detokenize(self.vocab, ids, len(token_ids), buf, size, False, special))
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = int(self.lib.llama_detokenize(self.vocab, ids, len(token_ids), buf, -n, False, special))
        return buf.raw[:n].decode("utf-8", errors="replace")

    def piece(self, token: int) -> str:
        """One token's text, special tokens written out (``<|im_start|>``)."""
        return self.detokenize([token], special=True)

"""Token generation with a KV cache, one forward pass per token, streamed as events."""

from __future__ import annotations

import inspect
import os
import random
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from mistral_client.local._completion import CompletionState
from mistral_client.local._loader import LoadOptions, load_causal_lm
from mistral_client.local._model_files import resolve_model_files
from mistral_client.local._sampling import select_next_tokens
from mistral_client.local._tokenizer import PromptEncoder, load_prompt_encoder
from mistral_client.local._types import (
    FinishReason,
    GenerationEvent,
    GenerationParams,
    GenerationResult,
    collect,
)


class PromptTooLongError(ValueError):
    """The prompt leaves no room in the model's context window."""


class Engine:
    """A causal LM plus its prompt encoder, generating token by token."""

    def __init__(self, model: Any, encoder: PromptEncoder) -> None:
        self.model = model
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

    @classmethod
    def load(cls, path: str | os.PathLike[str], options: LoadOptions | None = None) -> Engine:
        """Load a Hugging Face model directory, or a ``.gguf`` file (or a directory holding one)."""
        options = options or LoadOptions()
        files = resolve_model_files(path)
        encoder = load_prompt_encoder(files, options.tokenizer)
        return cls(load_causal_lm(files, options), encoder)

    def generate(
        self,
        prompt_ids: Sequence[int],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> Iterator[GenerationEvent]:
        """Yield one event per generated token of each of the ``params.n`` completions.

        Setting ``cancel`` stops generation before the next forward pass; the iterator then ends
        without final events. Each step runs under its own ``torch.inference_mode()`` so the
        iterator can be advanced from different threads (as ``anyio.to_thread`` does).
        """
        prompt_len = len(prompt_ids)
        if prompt_len == 0:
            raise ValueError("the prompt is empty")
        # Validate eagerly, so errors surface at the call rather than at the first ``next()``.
        budget = self._budget(prompt_len, params.max_tokens)
        return self._run(list(prompt_ids), params, budget, cancel)

    def _run(
        self,
        prompt_ids: list[int],
        params: GenerationParams,
        budget: tuple[int, FinishReason],
        cancel: threading.Event | None,
    ) -> Iterator[GenerationEvent]:
        tool_tokens = self.encoder.tool_call_tokens if params.parse_tool_calls else None
        rng = random.Random(params.random_seed)
        generator = self._generator(params.random_seed)
        rows = [
            CompletionState(i, self.encoder, params.stop, tool_tokens, len(prompt_ids), rng, budget)
            for i in range(params.n)
        ]
        cache = self._new_cache()

        if cancel is not None and cancel.is_set():
            return
        with torch.inference_mode():
            inputs = torch.tensor([prompt_ids], dtype=torch.long, device=self.device)
            logits = self._forward(inputs, cache, prefill=True)
            if params.n > 1:
                # One prefill serves all n completions: copy its cache rows instead of recomputing.
                cache.batch_repeat_interleave(params.n)
                logits = logits.expand(params.n, -1)
            next_tokens = select_next_tokens(logits, params.temperature, params.top_p, generator)

        active = rows
        while True:
            finished_any = False
            events = []
            for row, token in zip(active, next_tokens.tolist(), strict=True):
                events.append(row.advance(token, self.eos_token_ids))
                finished_any = finished_any or row.finished
            yield from events
            if finished_any:
                keep = [i for i, row in enumerate(active) if not row.finished]
                if not keep:
                    return
                active = [active[i] for i in keep]
                keep_index = torch.tensor(keep, device=self.device)
                cache.batch_select_indices(keep_index)
                next_tokens = next_tokens.index_select(0, keep_index)
            if cancel is not None and cancel.is_set():
                return
            with torch.inference_mode():
                logits = self._forward(next_tokens.view(-1, 1), cache, prefill=False)
                next_tokens = select_next_tokens(logits, params.temperature, params.top_p, generator)

    def complete(
        self,
        prompt_ids: Sequence[int],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        """Run :meth:`generate` to the end and gather the completions."""
        return collect(self.generate(prompt_ids, params, cancel), params.n, len(prompt_ids))

    def _forward(self, input_ids: torch.Tensor, cache: Any, *, prefill: bool) -> torch.Tensor:
        kwargs: dict[str, Any] = {self._cache_kwarg: cache, "use_cache": True}
        if prefill and self._keep_kwarg is not None:
            kwargs[self._keep_kwarg] = 1
        logits: torch.Tensor = self.model(input_ids=input_ids, **kwargs).logits
        return logits[:, -1, :]

    def _new_cache(self) -> Any:
        from transformers import DynamicCache

        try:
            # With the config, sliding-window layers keep only their window.
            return DynamicCache(config=self.model.config)
        except TypeError:  # transformers < 4.56 takes no config
            return DynamicCache()

    def _generator(self, seed: int | None) -> torch.Generator:
        generator = torch.Generator(device=self.device)
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        return generator

    def _budget(self, prompt_len: int, max_tokens: int | None) -> tuple[int, FinishReason]:
        room = None if self.context_length is None else self.context_length - prompt_len
        if room is not None and room < 1:
            raise PromptTooLongError(
                f"the prompt has {prompt_len} tokens; the model's context window is {self.context_length}"
            )
        if max_tokens is not None and (room is None or max_tokens <= room):
            return max_tokens, "length"
        if room is None:
            raise ValueError("max_tokens is required: the model config declares no context length")
        return room, "model_length"


def _config_eos_ids(model: Any) -> frozenset[int]:
    ids: set[int] = set()
    for config in (getattr(model, "generation_config", None), model.config):
        eos = getattr(config, "eos_token_id", None)
        if isinstance(eos, int):
            ids.add(eos)
        elif isinstance(eos, (list, tuple)):
            ids.update(int(e) for e in eos)
    return frozenset(ids)

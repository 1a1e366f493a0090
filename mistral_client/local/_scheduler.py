"""Continuous batching: one thread owns the model; requests join and leave between decode steps.

Each request is prefilled alone (batch 1, no padding: the same numbers as running it alone), then its
KV cache is merged into the running batch's, left-padded to a common length. Prefill runs at most
``prefill_chunk`` prompt tokens per step, between decode steps of the batch: a long prompt joining
does not freeze the streams already running (a 2,000-token prompt is seconds of CPU). Padding slots are masked
out with an explicit 4D attention mask, and every layer keeps its full cache (no sliding-window
truncation), so padding never eats into a sliding window: in slot space a row's window is the same
as in position space. A request leaves the batch (its rows are dropped from the cache) as soon as it
finishes or is cancelled; the others are not disturbed.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import torch

from mistral_client.local._completion import CompletionState
from mistral_client.local._constraints import RowConstraint
from mistral_client.local._kv_cache import layers, pad_left, set_layers, sliding_window
from mistral_client.local._logits import RowLogits
from mistral_client.local._request_loop import END, Request, RequestLoop
from mistral_client.local._sampling import select_tokens

if TYPE_CHECKING:
    from mistral_client.local._engine import Engine

#: Prompt tokens prefilled per scheduler step, across the requests waiting to join. On SmolLM2-135M
#: (CPU, one thread) a 2,000-token prompt joining froze a running stream for 7.3 s read at once;
#: 256-token chunks cap that at 1.2 s for 2% more total prefill time (128: 0.7 s, 8% more).
PREFILL_CHUNK = 256


class _Prefill:
    """A request whose prompt is being read into its own cache, a chunk per step, before it joins."""

    __slots__ = ("cache", "done", "logits", "request")

    def __init__(self, request: Request, cache: Any, logits: list[RowLogits]) -> None:
        self.request = request
        self.cache = cache
        self.logits = logits
        self.done = 0  # prompt tokens already in the cache


class _Row:
    """One completion occupying one row of the batch."""

    __slots__ = ("logits", "request", "start", "state")

    def __init__(self, request: Request, state: CompletionState, logits: RowLogits, start: int) -> None:
        self.request = request
        self.state = state
        self.logits = logits
        self.start = start  # cache slots before this index are padding


class Scheduler(RequestLoop):
    """Runs every request of one :class:`Engine` in one batch, on one background thread."""

    def __init__(self, engine: Engine, max_batch_size: int = 8, prefill_chunk: int = PREFILL_CHUNK) -> None:
        device = engine.device

        def new_generator(seed: int | None) -> torch.Generator:
            generator = torch.Generator(device=device)
            if seed is None:
                generator.seed()
            else:
                generator.manual_seed(seed)
            return generator

        super().__init__(engine.encoder, new_generator, max_batch_size, prefill_chunk)
        self.engine = engine
        self._rows: list[_Row] = []
        self._prefilling: list[_Prefill] = []  # admitted, prompt not fully read yet
        self._cache: Any = None
        self._length = 0  # cache slots, padding included
        self._next: torch.Tensor | None = None  # the token each row feeds next
        self._window, self._mixed = sliding_window(engine.model.config)
        self._bool_mask = getattr(engine.model.config, "_attn_implementation", "sdpa") in (
            "sdpa",
            "flex_attention",
        )

    def _step_context(self) -> contextlib.AbstractContextManager[Any]:
        return torch.inference_mode()

    def _step(self, admitted: list[Request]) -> None:
        self._drop(lambda row: row.request.cancel.is_set())
        logits = self._decode() if self._rows else None
        for request in admitted:
            try:
                self._prefilling.append(_Prefill(request, self.engine.new_cache(), self._row_logits(request)))
            except Exception as exc:  # this request's failure only (a grammar that fails to compile)
                request.out.put(exc)
        budget = self.prefill_chunk
        waiting: list[_Prefill] = []
        for prefill in self._prefilling:
            request = prefill.request
            if request.cancel.is_set():
                request.out.put(END)
                continue
            if budget <= 0:  # this step's share of prefill is spent: the rest waits for the next
                waiting.append(prefill)
                continue
            try:
                prompt_logits, budget = self._prefill(prefill, budget)
            except Exception as exc:  # this request's failure only
                request.out.put(exc)
                continue
            if prompt_logits is None:
                waiting.append(prefill)
                continue
            self._merge(request, prefill.cache, prefill.logits)
            logits = prompt_logits if logits is None else torch.cat([logits, prompt_logits])
        self._prefilling = waiting
        if logits is None:
            return
        tokens = select_tokens(logits, self._rows)
        self._advance(tokens)

    def _prefill(self, prefill: _Prefill, budget: int) -> tuple[torch.Tensor | None, int]:
        """Read up to ``budget`` more prompt tokens: (the last position's logits once the whole
        prompt is in the cache, else ``None``; the budget left)."""
        engine = self.engine
        prompt = prefill.request.prompt
        chunk = prompt[prefill.done : prefill.done + budget]
        inputs = torch.tensor([chunk], dtype=torch.long, device=engine.device)
        # Positions follow from what the cache already holds; the causal mask covers it too.
        logits = engine.forward(inputs, prefill.cache, prefill=True)
        prefill.done += len(chunk)
        budget -= len(chunk)
        if prefill.done < len(prompt):
            return None, budget
        n = prefill.request.params.n
        if n > 1:
            # One prefill serves all n completions: copy its cache rows instead of recomputing.
            prefill.cache.batch_repeat_interleave(n)
            logits = logits.expand(n, -1)
        return logits, budget

    def _row_logits(self, request: Request) -> list[RowLogits]:
        eos = self.engine.eos_token_ids
        grammar = request.params.grammar
        if grammar is None:
            return [RowLogits(request.params, eos) for _ in request.rows]
        tokenizer = self.engine.llg_tokenizer
        # One matcher per row: the n completions of a request diverge.
        return [RowLogits(request.params, eos, RowConstraint(tokenizer, grammar)) for _ in request.rows]

    def _merge(self, request: Request, cache: Any, row_logits: list[RowLogits]) -> None:
        prompt_len = len(request.prompt)
        length = max(self._length, prompt_len)
        new_rows = [
            _Row(request, state, logits, length - prompt_len)
            for state, logits in zip(request.rows, row_logits, strict=True)
        ]
        if not self._rows:
            self._cache, self._length, self._rows = cache, prompt_len, new_rows
            return
        grow = length - self._length
        if grow:
            for row in self._rows:
                row.start += grow
        pairs = layers(self._cache)
        for i, (keys, values) in enumerate(layers(cache)):
            old_keys, old_values = pairs[i]
            pairs[i] = (
                torch.cat([pad_left(old_keys, grow), pad_left(keys, length - prompt_len)]),
                torch.cat([pad_left(old_values, grow), pad_left(values, length - prompt_len)]),
            )
        set_layers(self._cache, pairs)
        self._length = length
        self._rows.extend(new_rows)

    def _decode(self) -> torch.Tensor:
        assert self._next is not None
        length = self._length
        device = self.engine.device
        starts = torch.tensor([row.start for row in self._rows], device=device)
        position_ids = (length - starts).view(-1, 1)
        mask = self._mask(starts, length)
        logits = self.engine.forward(
            self._next.view(-1, 1), self._cache, prefill=False, position_ids=position_ids, attention_mask=mask
        )
        self._length += 1
        self.steps_by_rows[len(self._rows)] += 1
        return logits

    def _mask(self, starts: torch.Tensor, length: int) -> Any:
        """``[rows, 1, 1, length + 1]``: real slots only, within the sliding window if any.

        Models mixing full and sliding layers get one mask per layer type, the form they accept.
        """
        window = self._window
        padded = any(row.start for row in self._rows)
        if not padded and (window is None or length + 1 <= window):
            return None  # the model's own causal mask is this one
        slots = torch.arange(length + 1, device=starts.device)
        visible = slots.unsqueeze(0) >= starts.unsqueeze(1)
        if window is None:
            return self._as_mask(visible)
        # Slot j of row r holds position j - start_r, the query position length - start_r:
        # the window condition does not depend on the padding.
        sliding = self._as_mask(visible & (slots > length - window).unsqueeze(0))
        if self._mixed:
            return {"full_attention": self._as_mask(visible), "sliding_attention": sliding}
        return sliding

    def _as_mask(self, visible: torch.Tensor) -> torch.Tensor:
        mask = visible[:, None, None, :]
        if self._bool_mask:
            return mask
        dtype = self.engine.dtype
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(
            ~mask, torch.finfo(dtype).min
        )

    def _advance(self, tokens: torch.Tensor) -> None:
        self._emit(self._rows, tokens.tolist(), self.engine.eos_token_ids)
        self._next = tokens
        self._drop(lambda row: row.state.finished)

    def _drop(self, leaves: Any) -> None:
        """Remove the rows for which ``leaves(row)`` holds; end requests left without rows."""
        keep = [i for i, row in enumerate(self._rows) if not leaves(row)]
        if len(keep) == len(self._rows):
            return
        for i, row in enumerate(self._rows):
            if i not in keep:
                row.request.live -= 1
                if row.request.live == 0:
                    row.request.out.put(END)
        if not keep:
            self._reset()
            return
        self._rows = [self._rows[i] for i in keep]
        index = torch.tensor(keep, device=self.engine.device)
        assert self._next is not None
        self._next = self._next.index_select(0, index)
        pairs = [(k.index_select(0, index), v.index_select(0, index)) for k, v in layers(self._cache)]
        # Slots that are padding in every remaining row are dropped too.
        trim = min(row.start for row in self._rows)
        if trim:
            pairs = [(k[:, :, trim:], v[:, :, trim:]) for k, v in pairs]
            for row in self._rows:
                row.start -= trim
            self._length -= trim
        set_layers(self._cache, pairs)

    def _reset(self) -> None:
        self._rows, self._cache, self._length, self._next = [], None, 0, None

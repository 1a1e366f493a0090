"""Continuous batching on llama.cpp: every completion is a sequence of one shared, unified KV cache.

Each step is one ``llama_decode`` of a mixed batch: the next token of every decoding row, then up to
``prefill_chunk`` prompt tokens of the requests joining (a long prompt is read over several steps, so
the running streams never stall for long). A prompt's tokens belong to all ``n`` sequences of its
request at once, so ``n`` completions share one prefill and its cells. A row that finishes or is
cancelled leaves at once: its sequence is removed from the cache (``llama_memory_seq_rm``) and its id
reused. Requests are admitted while the cache has cells for their prompt; if it fills up anyway
(long generations), the most recent request is cut with :class:`PromptTooLongError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mistral_client.local._completion import CompletionState
from mistral_client.local._generation import PromptTooLongError
from mistral_client.local._logits import RowLogits
from mistral_client.local._request_loop import END, Request, RequestLoop
from mistral_client.local.llama_cpp._model import finalizer
from mistral_client.local.llama_cpp._sampling import NumpyConstraint, new_generator, sample, zeros_like

if TYPE_CHECKING:
    from mistral_client.local.llama_cpp._engine import LlamaCppEngine

#: Prompt tokens read per step, across the requests joining (as the torch engine's PREFILL_CHUNK).
PREFILL_CHUNK = 256


class _Prefill:
    """A request whose prompt is being read, a chunk per step, into its rows' sequences."""

    __slots__ = ("done", "logits", "request", "seqs")

    def __init__(self, request: Request, logits: list[RowLogits], seqs: list[int]) -> None:
        self.request = request
        self.logits = logits
        self.seqs = seqs
        self.done = 0  # prompt tokens already in the cache


class _Row:
    """One completion: its sequence in the cache and the token it feeds next."""

    __slots__ = ("fed", "logits", "next", "pos", "request", "seq", "state")

    def __init__(self, request: Request, state: CompletionState, logits: RowLogits, seq: int) -> None:
        self.request = request
        self.state = state
        self.logits = logits
        self.seq = seq
        self.pos = len(request.prompt)  # position of the next token fed
        self.next = -1
        self.fed = 0  # generated tokens in the cache


class LlamaScheduler(RequestLoop):
    """Runs every request of one :class:`LlamaCppEngine` in one llama.cpp batch, on one thread."""

    def __init__(
        self, engine: LlamaCppEngine, max_batch_size: int = 8, prefill_chunk: int = PREFILL_CHUNK
    ) -> None:
        super().__init__(engine.encoder, new_generator, max_batch_size, prefill_chunk)
        self.engine = engine
        model = engine.model
        lib = self._lib = model.lib
        self._ctx, self._memory, self._n_vocab = model.ctx, model.memory, model.n_vocab
        self._n_ctx = model.n_ctx
        capacity = prefill_chunk + max_batch_size
        batch = self._batch = lib.llama_batch_init(capacity, 0, max_batch_size)
        finalizer(self, lib.llama_batch_free, batch)
        # numpy views of the batch's arrays: filled by slices, not one ctypes call per field.
        self._token = np.ctypeslib.as_array(batch.token, shape=(capacity,))
        self._pos = np.ctypeslib.as_array(batch.pos, shape=(capacity,))
        self._n_seq = np.ctypeslib.as_array(batch.n_seq_id, shape=(capacity,))
        self._wants = np.ctypeslib.as_array(batch.logits, shape=(capacity,))
        self._seq_ids = [batch.seq_id[i] for i in range(capacity)]
        self._rows: list[_Row] = []
        self._prefilling: list[_Prefill] = []
        self._free = list(range(max_batch_size - 1, -1, -1))
        self._cells = 0  # KV cells held by the requests in the batch

    # --- admission ------------------------------------------------------------------------------

    def _fits(self, request: Request) -> bool:
        return self._cells + len(request.prompt) + request.params.n <= self._n_ctx

    def _row_logits(self, request: Request) -> list[RowLogits]:
        eos = self.engine.eos_token_ids
        grammar = request.params.grammar
        if grammar is None:
            return [RowLogits(request.params, eos, new_counts=zeros_like) for _ in request.rows]
        tokenizer = self.engine.llg_tokenizer
        # One matcher per row: the n completions of a request diverge.
        return [
            RowLogits(request.params, eos, NumpyConstraint(tokenizer, grammar), new_counts=zeros_like)
            for _ in request.rows
        ]

    # --- one step ---------------------------------------------------------------------------------

    def _step(self, admitted: list[Request]) -> None:
        self._drop(lambda row: row.request.cancel.is_set())
        for request in admitted:
            try:
                logits = self._row_logits(request)
            except Exception as exc:  # this request's failure only (a grammar that fails to compile)
                request.out.put(exc)
                continue
            seqs = [self._free.pop() for _ in request.rows]
            self._prefilling.append(_Prefill(request, logits, seqs))
            self._cells += len(request.prompt)
        for prefill in [p for p in self._prefilling if p.request.cancel.is_set()]:
            self._prefilling.remove(prefill)
            self._release_prefill(prefill)
        while True:
            read = self._fill()
            if not self._batch.n_tokens:
                return
            status = int(self._lib.llama_decode(self._ctx, self._batch))
            if status == 0:
                break
            if status != 1:
                raise RuntimeError(f"llama_decode failed (status {status})")
            self._evict_newest()  # no KV cells left (the cache is as before the call): the others go on
        joining: list[_Prefill] = []
        waiting: list[_Prefill] = []
        for prefill in self._prefilling:
            prefill.done = read.get(id(prefill), prefill.done)
            (joining if prefill.done == len(prefill.request.prompt) else waiting).append(prefill)
        self._prefilling = waiting
        rows = self._rows
        for prefill in joining:
            request = prefill.request
            rows.extend(
                _Row(request, state, logits, seq)
                for state, logits, seq in zip(request.rows, prefill.logits, prefill.seqs, strict=True)
            )
        if self._decoding:
            self.steps_by_rows[self._decoding] += 1
        self._advance(self._select(rows, joining))

    def _fill(self) -> dict[int, int]:
        """Write this step's batch; return how far it reads each prefill's prompt (by ``id``)."""
        token, pos, n_seq, wants, seq_ids = self._token, self._pos, self._n_seq, self._wants, self._seq_ids
        n = 0
        for row in self._rows:
            token[n], pos[n], n_seq[n], wants[n] = row.next, row.pos, 1, 1
            seq_ids[n][0] = row.seq
            n += 1
        self._decoding = n
        budget = self.prefill_chunk
        read: dict[int, int] = {}
        for prefill in self._prefilling:
            if budget <= 0:  # this step's share of prefill is spent: the rest waits for the next
                break
            prompt = prefill.request.prompt
            chunk = prompt[prefill.done : prefill.done + budget]
            k = len(chunk)
            token[n : n + k] = chunk
            pos[n : n + k] = np.arange(prefill.done, prefill.done + k)
            n_seq[n : n + k] = len(prefill.seqs)
            wants[n : n + k] = 0
            for i in range(n, n + k):
                ids = seq_ids[i]
                for j, seq in enumerate(prefill.seqs):
                    ids[j] = seq
            n += k
            budget -= k
            read[id(prefill)] = prefill.done + k
            if prefill.done + k == len(prompt):
                wants[n - 1] = 1  # the logits of the last prompt token start every row
        self._batch.n_tokens = n
        return read

    def _select(self, rows: list[_Row], joining: list[_Prefill]) -> list[int]:
        """One token per row. Outputs come in batch order: the decoding rows, then one per prefill."""
        outputs = self._decoding + len(joining)
        logits = np.ctypeslib.as_array(self._lib.llama_get_logits(self._ctx), shape=(outputs, self._n_vocab))
        index = list(range(self._decoding))
        for i, prefill in enumerate(joining):
            index.extend([self._decoding + i] * len(prefill.seqs))
        tokens: list[int] = []
        for row, out in zip(rows, index, strict=True):
            scores = logits[out]
            if row.logits.active:
                scores = scores.copy()  # llama.cpp's buffer, shared by the n rows of one prompt
                row.logits.apply(scores)
            params = row.request.params
            if params.temperature <= 0:
                tokens.append(int(scores.argmax()))
            else:
                tokens.append(sample(scores, params.temperature, params.top_p, row.request.generator))
        return tokens

    def _advance(self, tokens: list[int]) -> None:
        for row, token in zip(self._rows, tokens, strict=True):
            if row.next >= 0:  # the token fed this step is now in the cache
                row.fed += 1
                row.pos += 1
                self._cells += 1
            row.next = token
        self._emit(self._rows, tokens, self.engine.eos_token_ids)
        self._drop(lambda row: row.state.finished)

    # --- leaving ----------------------------------------------------------------------------------

    def _drop(self, leaves: Any) -> None:
        """Remove the rows for which ``leaves(row)`` holds; end requests left without rows."""
        keep: list[_Row] = []
        for row in self._rows:
            if not leaves(row):
                keep.append(row)
                continue
            self._lib.llama_memory_seq_rm(self._memory, row.seq, -1, -1)
            self._free.append(row.seq)
            self._cells -= row.fed
            row.request.live -= 1
            if row.request.live == 0:
                self._cells -= len(row.request.prompt)
                row.request.out.put(END)
        self._rows = keep

    def _release_prefill(self, prefill: _Prefill, error: BaseException | None = None) -> None:
        for seq in prefill.seqs:
            self._lib.llama_memory_seq_rm(self._memory, seq, -1, -1)
            self._free.append(seq)
        self._cells -= len(prefill.request.prompt)
        prefill.request.out.put(END if error is None else error)

    def _evict_newest(self) -> None:
        """The cache is full: the request admitted last leaves with an error, so the others go on."""
        error = PromptTooLongError(
            f"the {self._n_ctx}-token context shared by the concurrent requests is full; "
            "retry, or give LocalBackend a larger context_length"
        )
        if self._prefilling:
            self._release_prefill(self._prefilling.pop(), error)
            return
        newest = self._rows[-1].request
        newest.out.put(error)  # read after the events already queued, before the END _drop adds
        self._drop(lambda row: row.request is newest)

    def _reset(self) -> None:
        self._lib.llama_memory_clear(self._memory, True)
        self._rows = []
        self._free = list(range(self.max_batch_size - 1, -1, -1))
        self._cells = 0

    _decoding = 0  # decoding rows in the batch being filled

"""The consumer side of continuous batching, shared by the torch and llama.cpp schedulers.

Requests are queued by the callers' threads and drained from a per-request queue; one background
thread per engine owns the model and runs steps: admit what fits, then one batched step in which
requests join and leave. What a step does is the engine's (:meth:`RequestLoop._step`). Torch-free.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import queue
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mistral_client.local._completion import CompletionState
from mistral_client.local._tokenizer import PromptEncoder
from mistral_client.local._types import FinishReason, GenerationEvent, GenerationParams

END = object()


class Request:
    """One submitted request: its rows, its random generator and the queue its consumer reads."""

    __slots__ = ("cancel", "generator", "live", "out", "params", "prompt", "rows")

    def __init__(
        self,
        prompt: list[int],
        params: GenerationParams,
        rows: list[CompletionState],
        generator: Any,
        cancel: threading.Event,
    ) -> None:
        self.prompt = prompt
        self.params = params
        self.rows = rows
        self.generator = generator
        self.cancel = cancel
        self.live = len(rows)
        self.out: queue.SimpleQueue[Any] = queue.SimpleQueue()


class RequestLoop:
    """Queues requests, runs the engine's steps on one thread, hands events to the consumers.

    Subclasses keep their batch in ``_rows`` (decoding completions) and ``_prefilling`` (admitted
    requests whose prompt is still being read), each entry with a ``request``, and implement
    :meth:`_step` and :meth:`_reset`.
    """

    def __init__(
        self,
        encoder: PromptEncoder,
        new_generator: Callable[[int | None], Any],
        max_batch_size: int,
        prefill_chunk: int,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if prefill_chunk < 1:
            raise ValueError("prefill_chunk must be at least 1")
        self.encoder = encoder
        self._new_generator = new_generator
        self.max_batch_size = max_batch_size
        self.prefill_chunk = prefill_chunk
        self._cond = threading.Condition()
        self._pending: collections.deque[Request] = collections.deque()
        self._thread: threading.Thread | None = None
        self._closing = False
        # Batch state, touched only by the scheduler thread.
        self._rows: list[Any] = []
        self._prefilling: list[Any] = []
        #: Decode steps run at each batch size (rows): how much batching actually happened.
        self.steps_by_rows: collections.Counter[int] = collections.Counter()

    def submit(
        self,
        prompt: list[int],
        params: GenerationParams,
        budget: tuple[int, FinishReason],
        cancel: threading.Event | None = None,
    ) -> Iterator[GenerationEvent]:
        """Events of the request as the batch produces them; the request joins on the first ``next()``."""
        return self._drain(prompt, params, budget, cancel or threading.Event())

    # --- consumer side ----------------------------------------------------------------------------

    def _drain(
        self,
        prompt: list[int],
        params: GenerationParams,
        budget: tuple[int, FinishReason],
        cancel: threading.Event,
    ) -> Iterator[GenerationEvent]:
        if cancel.is_set():
            return
        request = self._new_request(prompt, params, budget, cancel)
        with self._cond:
            self._pending.append(request)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="mistral-local-scheduler", daemon=True
                )
                self._thread.start()
                atexit.register(self._stop)
            self._cond.notify()
        try:
            while True:
                item = request.out.get()
                if item is END:
                    return
                if isinstance(item, BaseException):
                    raise item
                for event in item:
                    # A consumer that cancels gets nothing more, even what the batch already made.
                    if cancel.is_set():
                        return
                    yield event
        finally:
            cancel.set()  # a consumer that stops early frees its rows at the next step

    def _new_request(
        self,
        prompt: list[int],
        params: GenerationParams,
        budget: tuple[int, FinishReason],
        cancel: threading.Event,
    ) -> Request:
        encoder = self.encoder
        tool_tokens = encoder.tool_call_tokens if params.parse_tool_calls else None
        rng = random.Random(params.random_seed)
        parse_tagged = params.parse_tool_calls and encoder.parses_tagged_tool_calls
        parsing = params.response_parsing if params.parse_tool_calls else None
        states = [
            CompletionState(
                i,
                encoder,
                params.stop,
                tool_tokens,
                len(prompt),
                rng,
                budget,
                parse_tagged,
                parsing,
                params.parallel_tool_calls,
            )
            for i in range(params.n)
        ]
        return Request(prompt, params, states, self._new_generator(params.random_seed), cancel)

    # --- the scheduler thread ---------------------------------------------------------------------

    def _stop(self) -> None:
        """At interpreter exit: let the thread leave the model's library before the runtime is torn down."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _step_context(self) -> contextlib.AbstractContextManager[Any]:
        """Entered around every step (torch: inference mode)."""
        return contextlib.nullcontext()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._rows and not self._prefilling and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                admitted = self._admit()
            try:
                with self._step_context():
                    self._step(admitted)
            except BaseException as exc:  # a failed forward pass fails every request in the batch
                for request in {id(r.request): r.request for r in self._rows}.values():
                    request.out.put(exc)
                for request in [*admitted, *(p.request for p in self._prefilling)]:
                    request.out.put(exc)
                self._reset()
                self._prefilling = []

    def _fits(self, request: Request) -> bool:
        """Whether the batch has room for ``request`` now besides its rows (llama.cpp: KV cells)."""
        return True

    def _admit(self) -> list[Request]:
        """Pending requests that fit in the batch now, first come first served."""
        admitted: list[Request] = []
        free = self.max_batch_size - len(self._rows) - sum(p.request.params.n for p in self._prefilling)
        while self._pending:
            request = self._pending[0]
            if request.cancel.is_set():
                self._pending.popleft()
                request.out.put(END)
                continue
            n = request.params.n
            busy = bool(self._rows or admitted or self._prefilling)
            # A request wider than the whole batch runs once the batch is empty.
            if busy and (n > free or not self._fits(request)):
                break
            admitted.append(self._pending.popleft())
            free -= n
        return admitted

    def _emit(self, rows: Sequence[Any], tokens: Sequence[int], eos: frozenset[int]) -> None:
        """Advance each row's completion by its token; each request gets its step's events at once."""
        outputs: dict[int, tuple[Request, list[GenerationEvent]]] = {}
        for row, token in zip(rows, tokens, strict=True):
            event = row.state.advance(token, eos)
            row.logits.observe(token)
            entry = outputs.get(id(row.request))
            if entry is None:
                outputs[id(row.request)] = (row.request, [event])
            else:
                entry[1].append(event)
        for request, events in outputs.values():
            request.out.put(events)

    def _step(self, admitted: list[Request]) -> None:
        raise NotImplementedError

    def _reset(self) -> None:
        raise NotImplementedError

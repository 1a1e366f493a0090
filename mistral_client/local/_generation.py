"""What the backend needs from a generation engine, whatever runs it (torch, llama.cpp).

Torch-free, so the llama.cpp engine and the backend import it without the ``local`` extra.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from mistral_client.local._types import (
    FinishReason,
    GenerationEvent,
    GenerationParams,
    GenerationResult,
    collect,
)

if TYPE_CHECKING:
    from mistral_client.local._request_loop import RequestLoop
    from mistral_client.local._tokenizer import PromptEncoder

S = TypeVar("S", bound="RequestLoop")


class PromptTooLongError(ValueError):
    """The prompt leaves no room in the model's context window."""


class GenerationEngine(Protocol):
    """A model generating token by token for the backend: its prompt encoder, its constrained-decoding
    tokenizer, and batched generation streamed as events."""

    @property
    def encoder(self) -> PromptEncoder: ...

    @property
    def llg_tokenizer(self) -> Any:
        """The llguidance tokenizer grammars are checked and matched with."""
        ...

    def generate(
        self, prompt_ids: Sequence[int], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[GenerationEvent]: ...

    def complete(
        self, prompt_ids: Sequence[int], params: GenerationParams, cancel: threading.Event | None = None
    ) -> GenerationResult: ...


def token_budget(
    context_length: int | None, prompt_len: int, max_tokens: int | None
) -> tuple[int, FinishReason]:
    """Tokens a request may generate and the finish reason once they are spent.

    ``max_tokens`` when it fits in the context window (``length``), else what is left of the window
    (``model_length``).
    """
    if prompt_len == 0:
        raise ValueError("the prompt is empty")
    room = None if context_length is None else context_length - prompt_len
    if room is not None and room < 1:
        raise PromptTooLongError(
            f"the prompt has {prompt_len} tokens; the model's context window is {context_length}"
        )
    if max_tokens is not None and (room is None or max_tokens <= room):
        return max_tokens, "length"
    if room is None:
        raise ValueError("max_tokens is required: the model config declares no context length")
    return room, "model_length"


class BatchedEngine(Generic[S]):
    """:meth:`generate` and :meth:`complete` through one continuous-batching scheduler, built on first use.

    Subclasses set ``context_length`` and implement :meth:`_new_scheduler`.
    """

    context_length: int | None

    def __init__(self) -> None:
        self._scheduler: S | None = None
        self._scheduler_lock = threading.Lock()

    def _new_scheduler(self) -> S:
        raise NotImplementedError

    @property
    def scheduler(self) -> S:
        """The continuous-batching scheduler every :meth:`generate` call goes through."""
        if self._scheduler is None:
            with self._scheduler_lock:
                if self._scheduler is None:
                    self._scheduler = self._new_scheduler()
        return self._scheduler

    def _check(self, params: GenerationParams) -> None:
        """Reject what this engine cannot run, at the call (before the first ``next()``)."""

    def generate(
        self,
        prompt_ids: Sequence[int],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> Iterator[GenerationEvent]:
        """Yield one event per generated token of each of the ``params.n`` completions.

        The request joins the running batch on the first ``next()``: requests from any number of
        threads share forward passes. Setting ``cancel`` frees the request's rows at the next step;
        the iterator then ends without final events.
        """
        # Validated eagerly, so errors surface at the call rather than at the first ``next()``.
        self._check(params)
        budget = token_budget(self.context_length, len(prompt_ids), params.max_tokens)
        return self.scheduler.submit(list(prompt_ids), params, budget, cancel)

    def complete(
        self,
        prompt_ids: Sequence[int],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        """Run :meth:`generate` to the end and gather the completions."""
        return collect(self.generate(prompt_ids, params, cancel), params.n, len(prompt_ids))

"""Per-row logits processing: penalties, minimum length, banned tokens, a grammar's mask.

Array-library agnostic: a row is a torch tensor (torch engine) or a numpy array (llama.cpp engine),
and both support the in-place arithmetic and index assignment used here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mistral_client.local._types import GenerationParams


class Constraint(Protocol):
    """A grammar's matcher for one row: masks disallowed tokens, then follows the chosen one."""

    def apply(self, scores: Any) -> None: ...

    def consume(self, token: int) -> None: ...


def _torch_zeros(scores: Any) -> Any:
    import torch

    return torch.zeros(scores.shape[-1], dtype=scores.dtype, device=scores.device)


class RowLogits:
    """What one completion does to its row of logits before a token is chosen.

    ``presence_penalty`` and ``frequency_penalty`` follow OpenAI's definition over the generated
    tokens: ``logit[t] -= frequency * count[t] + presence * (count[t] > 0)``. ``min_tokens`` masks
    the EOS ids until that many tokens have been generated.
    """

    __slots__ = (
        "active",
        "banned",
        "constraint",
        "counts",
        "eos",
        "frequency",
        "generated",
        "min_tokens",
        "new_counts",
        "presence",
    )

    def __init__(
        self,
        params: GenerationParams,
        eos_token_ids: frozenset[int],
        constraint: Constraint | None = None,
        new_counts: Callable[[Any], Any] = _torch_zeros,
    ) -> None:
        self.presence = params.presence_penalty
        self.frequency = params.frequency_penalty
        self.min_tokens = params.min_tokens
        self.banned = list(params.banned_tokens)
        self.constraint = constraint
        self.eos = sorted(eos_token_ids)
        self.counts: Any = None
        #: Zeroed per-token counts shaped like a row (the penalties' state), in the row's array type.
        self.new_counts = new_counts
        self.generated = 0
        self.active = bool(self.presence or self.frequency or self.min_tokens or self.banned or constraint)

    def apply(self, scores: Any) -> None:
        """Adjust one row of logits (shape ``[vocab]``) in place."""
        if self.presence or self.frequency:
            if self.counts is None:
                self.counts = self.new_counts(scores)
            scores -= self.counts * self.frequency + (self.counts > 0) * self.presence
        if self.generated < self.min_tokens and self.eos:
            scores[self.eos] = float("-inf")
        if self.banned:
            scores[self.banned] = float("-inf")
        if self.constraint is not None:
            self.constraint.apply(scores)

    def observe(self, token: int) -> None:
        """Record the token chosen for this row."""
        self.generated += 1
        if self.constraint is not None:
            self.constraint.consume(token)
        if self.counts is not None:
            self.counts[token] += 1
        elif (
            self.active
            and not (self.presence or self.frequency or self.banned or self.constraint)
            and self.generated >= self.min_tokens
        ):
            self.active = False  # nothing left to do for this row

"""Per-row logits processing (penalties, minimum length) and next-token selection for a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import torch

from mistral_client.local._constraints import RowConstraint
from mistral_client.local._sampling import select_next_tokens
from mistral_client.local._types import GenerationParams


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
        "presence",
    )

    def __init__(
        self, params: GenerationParams, eos_token_ids: frozenset[int], constraint: RowConstraint | None = None
    ) -> None:
        self.presence = params.presence_penalty
        self.frequency = params.frequency_penalty
        self.min_tokens = params.min_tokens
        self.banned = list(params.banned_tokens)
        self.constraint = constraint
        self.eos = sorted(eos_token_ids)
        self.counts: torch.Tensor | None = None
        self.generated = 0
        self.active = bool(self.presence or self.frequency or self.min_tokens or self.banned or constraint)

    def apply(self, scores: torch.Tensor) -> None:
        """Adjust one row of logits (shape ``[vocab]``) in place."""
        if self.presence or self.frequency:
            if self.counts is None:
                self.counts = torch.zeros(scores.shape[-1], dtype=scores.dtype, device=scores.device)
            scores -= self.counts * self.frequency + (self.counts > 0).to(scores.dtype) * self.presence
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


class _Row(Protocol):
    @property
    def logits(self) -> RowLogits: ...

    @property
    def request(self) -> Any: ...


def select_tokens(logits: torch.Tensor, rows: Sequence[_Row]) -> torch.Tensor:
    """One token per row of ``logits`` (``[rows, vocab]``), each with its request's sampling settings.

    Rows of one request are sampled together with that request's generator, exactly as when the
    request runs alone, so a seeded request gives the same output alone or in a batch.
    """
    adjusted = [i for i, row in enumerate(rows) if row.logits.active]
    if adjusted:
        logits = logits.clone()  # the model's output may be an expanded view (n > 1)
        for i in adjusted:
            rows[i].logits.apply(logits[i])
    sampled: dict[int, tuple[Any, list[int]]] = {}
    for i, row in enumerate(rows):
        if row.request.params.temperature > 0:
            entry = sampled.get(id(row.request))
            if entry is None:
                sampled[id(row.request)] = (row.request, [i])
            else:
                entry[1].append(i)
    if not sampled:
        return logits.argmax(dim=-1)
    some_greedy = sum(len(index) for _, index in sampled.values()) < len(rows)
    tokens = (
        logits.argmax(dim=-1)
        if some_greedy
        else torch.empty(len(rows), dtype=torch.long, device=logits.device)
    )
    for request, index in sampled.values():
        params = request.params
        rows_logits = logits[index] if len(index) < len(rows) else logits
        tokens[index] = select_next_tokens(rows_logits, params.temperature, params.top_p, request.generator)
    return tokens

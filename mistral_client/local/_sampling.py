"""Next-token selection from logits: greedy, temperature and nucleus (top-p) sampling, per batch row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import torch

from mistral_client.local._logits import RowLogits


def select_next_tokens(
    logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator | None
) -> torch.Tensor:
    """Pick one token per row of ``logits`` (shape ``[batch, vocab]``); returns shape ``[batch]``."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    scores = logits.float() / temperature
    if top_p < 1.0:
        scores = _top_p_filter(scores, top_p)
    probs = torch.softmax(scores, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)


def _top_p_filter(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    sorted_scores, order = torch.sort(scores, dim=-1, descending=True)
    probs = torch.softmax(sorted_scores, dim=-1)
    # Drop a token when the tokens ranked above it already reach top_p; the best one always stays.
    drop = (probs.cumsum(dim=-1) - probs) >= top_p
    sorted_scores = sorted_scores.masked_fill(drop, float("-inf"))
    return torch.empty_like(scores).scatter_(-1, order, sorted_scores)


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

"""Next-token selection from logits: greedy, temperature and nucleus (top-p) sampling."""

from __future__ import annotations

import torch


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

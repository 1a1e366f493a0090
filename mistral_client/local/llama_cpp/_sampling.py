"""Next-token selection on llama.cpp's logits as numpy rows: greedy, temperature, top-p, grammars.

The same definitions as the torch engine's (:mod:`mistral_client.local._sampling`): top-p keeps a token
while the tokens ranked above it hold less than ``top_p`` of the probability, the best one always.
Random draws come from a numpy generator per request, so a seeded request repeats exactly, alone or
in a batch. The grammar mask is llguidance's, written into a numpy bitmask: measured against
llama.cpp's own GBNF sampler in the CHANGELOG.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mistral_client.local._constraints import new_matcher

#: Candidates first sorted for top-p; more only when they hold less than ``top_p`` of the probability.
_TOP_P_CANDIDATES = 64


def new_generator(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


def zeros_like(scores: Any) -> Any:
    """Penalty counts for a row (:class:`~mistral_client.local._logits.RowLogits`)."""
    return np.zeros_like(scores)


def sample(scores: np.ndarray[Any, Any], temperature: float, top_p: float, rng: np.random.Generator) -> int:
    """One token from a row of logits (``temperature > 0``)."""
    z = scores.astype(np.float64) / temperature
    z -= z.max()
    probs = np.exp(z)
    probs /= probs.sum()
    if top_p >= 1.0:
        pick = int(np.searchsorted(np.cumsum(probs), rng.random(), side="right"))
        return min(pick, len(probs) - 1)
    k = min(_TOP_P_CANDIDATES, len(probs))
    while True:
        top = np.argpartition(-probs, k - 1)[:k] if k < len(probs) else np.arange(len(probs))
        top = top[np.argsort(-probs[top], kind="stable")]
        kept = probs[top]
        keep = (np.cumsum(kept) - kept) < top_p
        if not keep[-1] or k == len(probs):
            break
        k = min(len(probs), k * 4)
    top, kept = top[keep], kept[keep]
    cumulative = np.cumsum(kept)
    pick = np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")
    return int(top[min(pick, len(top) - 1)])


class NumpyConstraint:
    """One row's llguidance matcher, masking a numpy row of logits."""

    __slots__ = ("_bits", "_matcher", "_vocab")

    def __init__(self, tokenizer: Any, grammar: str) -> None:
        self._matcher = new_matcher(tokenizer, grammar)
        self._vocab = int(tokenizer.vocab_size)
        self._bits = np.zeros((self._vocab + 31) // 32, dtype=np.int32)

    def apply(self, scores: Any) -> None:
        """Set the logits of disallowed tokens to -inf, in place (``scores``: ``[vocab]``)."""
        bits = self._bits
        self._matcher.unsafe_compute_mask_ptr(bits.ctypes.data, bits.nbytes)
        allowed = np.unpackbits(bits.view(np.uint8), bitorder="little")[: self._vocab].view(np.bool_)
        scores[self._vocab :] = -np.inf  # the model's padded vocabulary beyond the tokenizer's
        scores[: self._vocab][~allowed] = -np.inf

    def consume(self, token: int) -> None:
        self._matcher.consume_token(token)

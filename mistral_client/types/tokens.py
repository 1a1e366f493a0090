"""What ``client.tokens.count`` returns."""

from __future__ import annotations

from dataclasses import dataclass

from .._exceptions import MistralError


@dataclass(frozen=True, slots=True)
class TokenCount:
    """The prompt tokens a request would use, counted offline.

    ``exact`` is true when the model's own tokenizer counted them; otherwise ``note`` says which
    tokenizer stood in and why. ``context_window`` is the model's, when known.
    """

    tokens: int
    exact: bool
    #: The tokenizer that counted, e.g. "tekken v3 (tekken_240718.json)".
    tokenizer: str
    #: Why the count is not exact (``None`` when it is).
    note: str | None = None
    model: str = ""
    context_window: int | None = None

    @property
    def remaining(self) -> int | None:
        """Tokens left in the context window for the answer (negative: the prompt does not fit)."""
        return None if self.context_window is None else self.context_window - self.tokens

    def fits(self, max_tokens: int | None = None) -> bool:
        """Whether the prompt, plus ``max_tokens`` for the answer, fits the model's context window.

        Raises :class:`~mistral_client.MistralError` when the window is not known.
        """
        if self.context_window is None:
            raise MistralError(
                f"The context window of {self.model!r} is not known; "
                "client.models.retrieve(model).max_context_length has it"
            )
        return self.tokens + (max_tokens or 0) <= self.context_window

    def __str__(self) -> str:
        exact = "exact" if self.exact else f"approximate: {self.note}"
        return f"{self.tokens} tokens ({self.tokenizer}; {exact})"

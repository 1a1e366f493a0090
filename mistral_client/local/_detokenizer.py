"""Incremental detokenization: text deltas from a growing token list at O(window) cost per token."""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: Decodes token ids to text, dropping special tokens.
Decode = Callable[[Sequence[int]], str]

_REPLACEMENT = "\ufffd"


class IncrementalDetokenizer:
    """Turns tokens into text deltas whose concatenation equals decoding all tokens at once.

    Decoding one token alone is wrong twice over: SentencePiece drops a word's leading space at the
    start of a decode, and a character split over several byte tokens decodes as U+FFFD until its
    last byte arrives. So, like vLLM's detokenizer, we decode a small window twice per token: the
    tokens already emitted since ``_prefix`` and the same window plus the new tokens; both start at
    the same token, so their difference is the exact new text. A trailing U+FFFD means the character
    is incomplete, and the text is held until a later token completes it (or :meth:`flush`).
    """

    __slots__ = ("_decode", "_ids", "_prefix", "_read")

    def __init__(self, decode: Decode) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._prefix = 0  # start of the decode window
        self._read = 0  # tokens before this index have been emitted as text

    def push(self, token_id: int) -> str:
        """Add one token; return the text it releases (often ``""`` mid-character)."""
        self._ids.append(token_id)
        return self._delta(final=False)

    def flush(self) -> str:
        """Return any held text, incomplete characters included (as U+FFFD)."""
        return self._delta(final=True)

    def _delta(self, *, final: bool) -> str:
        ids = self._ids
        if self._read == len(ids):
            return ""
        window = ids[self._prefix :]
        emitted = self._decode(ids[self._prefix : self._read]) if self._read > self._prefix else ""
        text = self._decode(window)
        if len(text) <= len(emitted) or (not final and text.endswith(_REPLACEMENT)):
            return ""
        self._prefix = self._read
        self._read = len(ids)
        return text[len(emitted) :]

"""``client.tokens``: a request's prompt tokens, counted offline (the ``tokens`` extra).

Nothing is sent: API models are counted with mistral-common's tokenizers (see
:mod:`mistral_client._model_tokenizers` for which model uses which), the local backend with the
model's own tokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource

if TYPE_CHECKING:
    import anyio

    from .. import _token_counting as counting
    from ..types.tokens import TokenCount
else:
    anyio = lazy_module("anyio")
    counting = lazy_module("mistral_client._token_counting")


class Tokens(SyncAPIResource):
    workflows = frozenset({"count"})  # offline: nothing is sent

    def count(
        self,
        *,
        model: str,
        messages: Sequence[Any] | None = None,
        tools: Sequence[Any] | None = None,
        prompt: str | None = None,
        suffix: str | None = None,
    ) -> TokenCount:
        """The prompt tokens of a chat request (``messages``, ``tools``) or a FIM request
        (``prompt``, ``suffix``) to ``model``; ``.fits(max_tokens)`` checks the context window."""
        return counting.count(self._transport, model, messages, tools, prompt, suffix)


class AsyncTokens(AsyncAPIResource):
    workflows = frozenset({"count"})  # offline: nothing is sent

    async def count(
        self,
        *,
        model: str,
        messages: Sequence[Any] | None = None,
        tools: Sequence[Any] | None = None,
        prompt: str | None = None,
        suffix: str | None = None,
    ) -> TokenCount:
        """As :meth:`Tokens.count`, in a worker thread: loading a tokenizer takes a moment."""
        backend = self._transport
        return await anyio.to_thread.run_sync(
            lambda: counting.count(backend, model, messages, tools, prompt, suffix)
        )

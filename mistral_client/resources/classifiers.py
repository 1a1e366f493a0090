"""``client.classifiers``: moderation and classification of texts and of conversations.

Each method names its operation's record and hands its arguments to the resource door
(:mod:`._base`). ``with_raw_response`` gives the same methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from ..types.classifiers import ClassificationResponse, ModerationResponse
    from ..types.params import ChatClassificationParams, ChatModerationParams, ClassificationParams


class Classifiers(SyncAPIResource):
    def moderate(self, **params: Unpack[ClassificationParams]) -> ModerationResponse:
        """Moderate one text or a list of texts (``POST /v1/moderations``): one result per text."""
        return self._call(endpoints.CLASSIFIERS_MODERATE, params)

    def moderate_chat(self, **params: Unpack[ChatModerationParams]) -> ModerationResponse:
        """Moderate a conversation (a list of messages, as for chat) or a list of them
        (``POST /v1/chat/moderations``)."""
        return self._call(endpoints.CLASSIFIERS_MODERATE_CHAT, params)

    def classify(self, **params: Unpack[ClassificationParams]) -> ClassificationResponse:
        """Classify one text or a list of texts with a classifier model (``POST /v1/classifications``)."""
        return self._call(endpoints.CLASSIFIERS_CLASSIFY, params)

    def classify_chat(self, **params: Unpack[ChatClassificationParams]) -> ClassificationResponse:
        """Classify a conversation (``{"messages": [...]}``) or a list of them
        (``POST /v1/chat/classifications``)."""
        return self._call(endpoints.CLASSIFIERS_CLASSIFY_CHAT, params)

    @functools.cached_property
    def with_raw_response(self) -> ClassifiersWithRawResponse:
        return ClassifiersWithRawResponse(self)


class ClassifiersWithRawResponse:
    """``client.classifiers``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, classifiers: Classifiers) -> None:
        classifiers = classifiers._raw_copy()
        self.moderate = raw(classifiers.moderate)
        self.moderate_chat = raw(classifiers.moderate_chat)
        self.classify = raw(classifiers.classify)
        self.classify_chat = raw(classifiers.classify_chat)


class AsyncClassifiers(AsyncAPIResource):
    async def moderate(self, **params: Unpack[ClassificationParams]) -> ModerationResponse:
        """Moderate one text or a list of texts (``POST /v1/moderations``): one result per text."""
        return await self._call(endpoints.CLASSIFIERS_MODERATE, params)

    async def moderate_chat(self, **params: Unpack[ChatModerationParams]) -> ModerationResponse:
        """Moderate a conversation or a list of them (``POST /v1/chat/moderations``)."""
        return await self._call(endpoints.CLASSIFIERS_MODERATE_CHAT, params)

    async def classify(self, **params: Unpack[ClassificationParams]) -> ClassificationResponse:
        """Classify one text or a list of texts (``POST /v1/classifications``)."""
        return await self._call(endpoints.CLASSIFIERS_CLASSIFY, params)

    async def classify_chat(self, **params: Unpack[ChatClassificationParams]) -> ClassificationResponse:
        """Classify a conversation or a list of them (``POST /v1/chat/classifications``)."""
        return await self._call(endpoints.CLASSIFIERS_CLASSIFY_CHAT, params)

    @functools.cached_property
    def with_raw_response(self) -> AsyncClassifiersWithRawResponse:
        return AsyncClassifiersWithRawResponse(self)


class AsyncClassifiersWithRawResponse:
    """``client.classifiers``' methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, classifiers: AsyncClassifiers) -> None:
        classifiers = classifiers._raw_copy()
        self.moderate = async_raw(classifiers.moderate)
        self.moderate_chat = async_raw(classifiers.moderate_chat)
        self.classify = async_raw(classifiers.classify)
        self.classify_chat = async_raw(classifiers.classify_chat)

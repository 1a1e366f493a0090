"""Classifier types: moderation and classification, of texts and of chats, as the spec defines them."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, StrictStr

from ._base import MistralModel, ResponseModel
from .chat import Message

# --- requests -------------------------------------------------------------------------------------


class _Request(MistralModel):
    model_config = ConfigDict(extra="forbid")


class ClassificationRequest(_Request):
    """The body of ``POST /v1/moderations`` and ``POST /v1/classifications``: one text or a list."""

    model: StrictStr
    input: StrictStr | list[StrictStr]
    metadata: dict[str, Any] | None = None


class ChatModerationRequest(_Request):
    """The body of ``POST /v1/chat/moderations``: one conversation (a list of messages) or a list of them."""

    model: StrictStr
    input: list[Message] | list[list[Message]]


class InstructRequest(_Request):
    """One conversation to classify."""

    messages: list[Message]


class ChatClassificationRequest(_Request):
    """The body of ``POST /v1/chat/classifications``: one conversation or a list of them."""

    model: StrictStr
    input: InstructRequest | list[InstructRequest]


# --- responses ------------------------------------------------------------------------------------


class ModerationObject(MistralModel):
    """One input's moderation: whether each category's threshold is crossed, and each one's score.

    The categories are open: ``sexual``, ``hate_and_discrimination``, ``violence_and_threats``,
    ``dangerous_and_criminal_content``, ``selfharm``, ``health``, ``financial``, ``law``, ``pii``
    today, and whatever a newer model adds.
    """

    categories: dict[str, bool] = Field(default_factory=dict)
    category_scores: dict[str, float] = Field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        """Whether any category's threshold is crossed."""
        return any(self.categories.values())

    @property
    def flagged_categories(self) -> list[str]:
        """The categories whose threshold is crossed, in the order the server listed them."""
        return [name for name, crossed in self.categories.items() if crossed]


class ModerationResponse(ResponseModel):
    """What ``classifiers.moderate`` and ``moderate_chat`` return: one result per input, in input order."""

    _essential = frozenset({"results"})

    id: str = ""
    model: str = ""
    results: list[ModerationObject] = Field(default_factory=list)


class ClassificationTargetResult(MistralModel):
    """One target's scores, by label."""

    scores: dict[str, float] = Field(default_factory=dict)


class ClassificationResponse(ResponseModel):
    """What ``classifiers.classify`` and ``classify_chat`` return: per input (in input order), each
    target's scores."""

    _essential = frozenset({"results"})

    id: str = ""
    model: str = ""
    results: list[dict[str, ClassificationTargetResult]] = Field(default_factory=list)


__all__ = [
    "ChatClassificationRequest",
    "ChatModerationRequest",
    "ClassificationRequest",
    "ClassificationResponse",
    "ClassificationTargetResult",
    "InstructRequest",
    "ModerationObject",
    "ModerationResponse",
]

"""The classifier operations: moderation and classification, of texts and of chats."""

from __future__ import annotations

from ..types.classifiers import (
    ChatClassificationRequest,
    ChatModerationRequest,
    ClassificationRequest,
    ClassificationResponse,
    ModerationResponse,
)
from ._record import Endpoint

CLASSIFIERS_MODERATE: Endpoint[ModerationResponse] = Endpoint(
    "classifiers.moderate",
    "POST",
    "/v1/moderations",
    ModerationResponse.model_validate_json,
    body=ClassificationRequest,
    span="moderations",
    batch=True,
)
CLASSIFIERS_MODERATE_CHAT: Endpoint[ModerationResponse] = Endpoint(
    "classifiers.moderate_chat",
    "POST",
    "/v1/chat/moderations",
    ModerationResponse.model_validate_json,
    body=ChatModerationRequest,
    span="moderations",
    batch=True,
)
CLASSIFIERS_CLASSIFY: Endpoint[ClassificationResponse] = Endpoint(
    "classifiers.classify",
    "POST",
    "/v1/classifications",
    ClassificationResponse.model_validate_json,
    body=ClassificationRequest,
    span="classifications",
    batch=True,
)
CLASSIFIERS_CLASSIFY_CHAT: Endpoint[ClassificationResponse] = Endpoint(
    "classifiers.classify_chat",
    "POST",
    "/v1/chat/classifications",
    ClassificationResponse.model_validate_json,
    body=ChatClassificationRequest,
    span="classifications",
    batch=True,
)

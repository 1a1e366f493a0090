"""The Conversations API's operations (``client.beta.conversations``).

``start``, ``append`` and ``restart`` answer whole or as a stream of typed events (the same path;
the body's ``stream`` tells them apart); a stream ends with ``conversation.response.done``, and a
``conversation.response.error`` event is raised as :class:`~mistral_client.ConversationResponseError`.
"""

from __future__ import annotations

from functools import cache

import pydantic

from .._conversation_stream import conversation_error, parse_event
from ..types.conversations import (
    Conversation,
    ConversationAppendRequest,
    ConversationEvent,
    ConversationHistory,
    ConversationMessages,
    ConversationRequest,
    ConversationResponse,
    ConversationRestartRequest,
    ListConversationsQuery,
)
from ._record import Endpoint
from .agents import no_content
from .chat import tool_definitions

_CONVERSATION = "/v1/conversations/{conversation_id}"
_FINAL = frozenset({"conversation.response.done"})


@cache
def _conversation_adapter() -> pydantic.TypeAdapter[Conversation]:
    return pydantic.TypeAdapter(Conversation)


@cache
def _conversations_adapter() -> pydantic.TypeAdapter[list[Conversation]]:
    return pydantic.TypeAdapter(list[Conversation])


def parse_conversation(data: str | bytes) -> Conversation:
    return _conversation_adapter().validate_json(data)


def parse_conversations(data: str | bytes) -> list[Conversation]:
    return _conversations_adapter().validate_json(data)


def _model_or_agent(body: ConversationRequest) -> None:
    if (body.model is None) == (body.agent_id is None):
        from .._exceptions import InvalidRequestError

        given = "both" if body.model is not None else "neither"
        raise InvalidRequestError(
            f"Invalid request, nothing was sent: model or agent_id: one is required, {given} given",
            errors=[("model", "model or agent_id is required, not both")],
        )


CONVERSATIONS_START: Endpoint[ConversationResponse] = Endpoint(
    "beta.conversations.start",
    "POST",
    "/v1/conversations",
    ConversationResponse.model_validate_json,
    body=ConversationRequest,
    span="invoke_agent",
    batch=True,
    prepare=tool_definitions,
    check=_model_or_agent,
)
CONVERSATIONS_START_STREAM: Endpoint[ConversationEvent] = Endpoint(
    "beta.conversations.start_stream",
    "POST",
    "/v1/conversations",
    parse_event,
    body=ConversationRequest,
    stream=True,
    span="invoke_agent",
    whole=CONVERSATIONS_START,
    final_events=_FINAL,
    stream_error=conversation_error,
    prepare=tool_definitions,
    check=_model_or_agent,
)
CONVERSATIONS_APPEND: Endpoint[ConversationResponse] = Endpoint(
    "beta.conversations.append",
    "POST",
    _CONVERSATION,
    ConversationResponse.model_validate_json,
    body=ConversationAppendRequest,
    span="invoke_agent",
)
CONVERSATIONS_APPEND_STREAM: Endpoint[ConversationEvent] = Endpoint(
    "beta.conversations.append_stream",
    "POST",
    _CONVERSATION,
    parse_event,
    body=ConversationAppendRequest,
    stream=True,
    span="invoke_agent",
    whole=CONVERSATIONS_APPEND,
    final_events=_FINAL,
    stream_error=conversation_error,
)
CONVERSATIONS_RESTART: Endpoint[ConversationResponse] = Endpoint(
    "beta.conversations.restart",
    "POST",
    f"{_CONVERSATION}/restart",
    ConversationResponse.model_validate_json,
    body=ConversationRestartRequest,
    span="invoke_agent",
)
CONVERSATIONS_RESTART_STREAM: Endpoint[ConversationEvent] = Endpoint(
    "beta.conversations.restart_stream",
    "POST",
    f"{_CONVERSATION}/restart",
    parse_event,
    body=ConversationRestartRequest,
    stream=True,
    span="invoke_agent",
    whole=CONVERSATIONS_RESTART,
    final_events=_FINAL,
    stream_error=conversation_error,
)
CONVERSATIONS_LIST: Endpoint[list[Conversation]] = Endpoint(
    "beta.conversations.list", "GET", "/v1/conversations", parse_conversations, query=ListConversationsQuery
)
CONVERSATIONS_GET: Endpoint[Conversation] = Endpoint(
    "beta.conversations.get", "GET", _CONVERSATION, parse_conversation
)
CONVERSATIONS_DELETE: Endpoint[None] = Endpoint(
    "beta.conversations.delete", "DELETE", _CONVERSATION, no_content
)
CONVERSATIONS_GET_HISTORY: Endpoint[ConversationHistory] = Endpoint(
    "beta.conversations.get_history",
    "GET",
    f"{_CONVERSATION}/history",
    ConversationHistory.model_validate_json,
)
CONVERSATIONS_GET_MESSAGES: Endpoint[ConversationMessages] = Endpoint(
    "beta.conversations.get_messages",
    "GET",
    f"{_CONVERSATION}/messages",
    ConversationMessages.model_validate_json,
)

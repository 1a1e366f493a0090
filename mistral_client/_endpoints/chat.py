"""The chat and FIM operations."""

from __future__ import annotations

from typing import Any

from .._tools import FunctionTool
from ..types.chat import ChatCompletionResponse, CompletionChunk, FIMCompletionResponse
from ..types.requests import ChatCompletionRequest, FIMCompletionRequest
from ._record import Endpoint, Parser

#: One stream event's JSON straight into a chunk: pydantic-core's validator, without the Python frame
#: of ``model_validate_json`` (it runs once per chunk).
parse_chunk: Parser[CompletionChunk] = CompletionChunk.__pydantic_validator__.validate_json


def tool_definitions(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields, with each ``@tool`` function among the tools replaced by its definition."""
    tools = fields.get("tools")
    if tools:
        fields["tools"] = [item.definition if isinstance(item, FunctionTool) else item for item in tools]
    return fields


CHAT_COMPLETE: Endpoint[ChatCompletionResponse] = Endpoint(
    "chat.complete",
    "POST",
    "/v1/chat/completions",
    ChatCompletionResponse.model_validate_json,
    body=ChatCompletionRequest,
    span="chat",
    batch=True,
    prepare=tool_definitions,
)
CHAT_STREAM: Endpoint[CompletionChunk] = Endpoint(
    "chat.stream",
    "POST",
    "/v1/chat/completions",
    parse_chunk,
    body=ChatCompletionRequest,
    stream=True,
    span="chat",
    whole=CHAT_COMPLETE,
    prepare=tool_definitions,
)
FIM_COMPLETE: Endpoint[FIMCompletionResponse] = Endpoint(
    "fim.complete",
    "POST",
    "/v1/fim/completions",
    FIMCompletionResponse.model_validate_json,
    body=FIMCompletionRequest,
    span="text_completion",
    batch=True,
)
FIM_STREAM: Endpoint[CompletionChunk] = Endpoint(
    "fim.stream",
    "POST",
    "/v1/fim/completions",
    parse_chunk,
    body=FIMCompletionRequest,
    stream=True,
    span="text_completion",
    whole=FIM_COMPLETE,
)

"""The local engine's results built into the API's response, chunk and embedding types."""

from __future__ import annotations

import base64
import struct
import time
import uuid
from collections.abc import Iterator
from typing import TypeVar

from ..types.chat import (
    AssistantMessage,
    ChatCompletionChoice,
    ChatCompletionResponse,
    CompletionChunk,
    CompletionResponseStreamChoice,
    DeltaMessage,
    FunctionCall,
    ToolCall,
    UsageInfo,
)
from ._types import GenerationEvent, GenerationResult
from ._types import ToolCall as EngineToolCall


def new_id() -> str:
    return uuid.uuid4().hex


def _tool_calls(calls: tuple[EngineToolCall, ...]) -> list[ToolCall] | None:
    if not calls:
        return None
    return [
        ToolCall(
            id=call.id,
            type="function",
            function=FunctionCall(name=call.name, arguments=call.arguments),
            index=i,
        )
        for i, call in enumerate(calls)
    ]


R = TypeVar("R", bound=ChatCompletionResponse)


def build_response(response_type: type[R], model: str, result: GenerationResult) -> R:
    return response_type(
        id=new_id(),
        model=model,
        created=int(time.time()),
        usage=UsageInfo(
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            total_tokens=result.total_tokens,
        ),
        choices=[
            ChatCompletionChoice(
                index=c.index,
                message=AssistantMessage(content=c.text, tool_calls=_tool_calls(c.tool_calls)),
                finish_reason=c.finish_reason,
            )
            for c in result.completions
        ],
    )


def build_chunks(
    events: Iterator[GenerationEvent], model: str, prompt_tokens: int, n: int
) -> Iterator[CompletionChunk]:
    """The API's chunk sequence: a role chunk per choice, a chunk per text delta, and a final chunk
    with the finish reason, any tool calls, and (on the last one) the usage."""
    chunk_id = new_id()
    created = int(time.time())

    def chunk(
        index: int, delta: DeltaMessage, finish_reason: str | None = None, usage: UsageInfo | None = None
    ) -> CompletionChunk:
        return CompletionChunk(
            id=chunk_id,
            model=model,
            created=created,
            usage=usage,
            choices=[CompletionResponseStreamChoice(index=index, delta=delta, finish_reason=finish_reason)],
        )

    for index in range(n):
        yield chunk(index, DeltaMessage(role="assistant", content=""))
    completion_tokens = [0] * n
    remaining = n
    for event in events:
        completion_tokens[event.index] = event.completion_tokens
        if event.text:
            yield chunk(event.index, DeltaMessage(content=event.text))
        if event.finish_reason is not None:
            remaining -= 1
            usage = None
            if remaining == 0:
                total = sum(completion_tokens)
                usage = UsageInfo(
                    prompt_tokens=prompt_tokens, completion_tokens=total, total_tokens=prompt_tokens + total
                )
            yield chunk(
                event.index,
                DeltaMessage(tool_calls=_tool_calls(event.tool_calls)),
                event.finish_reason,
                usage,
            )


def encode_vector(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector

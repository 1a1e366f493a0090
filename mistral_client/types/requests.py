"""Request bodies, as the spec defines them.

The resources validate every call's arguments against these before anything is sent, with extra
fields forbidden, so a typo or an out-of-range value fails on the caller's machine with the field's
name. Backends receive the validated model, so a non-HTTP backend gets typed input.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field

from ._base import MistralModel
from .chat import AnyTool, Message, Prediction, ResponseFormat, ToolChoice, ToolChoiceEnum
from .embeddings import EmbeddingDtype, EncodingFormat

Temperature = Annotated[float, Field(ge=0, le=1.5)]
TopP = Annotated[float, Field(gt=0, le=1)]
Penalty = Annotated[float, Field(ge=-2, le=2)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Stop = Union[str, list[str]]


class GuardrailConfig(MistralModel):
    block_on_error: bool = False
    moderation_llm_v1: dict[str, Any] | None = None
    moderation_llm_v2: dict[str, Any] | None = None


class _Request(MistralModel):
    model_config = ConfigDict(extra="forbid")


class ChatCompletionRequest(_Request):
    model: str
    messages: Annotated[list[Message], Field(min_length=1)]
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: Stop | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    response_format: ResponseFormat | None = None
    tools: list[AnyTool] | None = None
    tool_choice: ToolChoice | ToolChoiceEnum = "auto"
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: bool = True
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    prompt_mode: Literal["reasoning"] | None = None
    guardrails: list[GuardrailConfig] | None = None
    prompt_cache_key: str | None = None
    service_tier: Literal["auto", "standard_only"] | None = None
    safe_prompt: bool = False


class FIMCompletionRequest(_Request):
    model: str
    prompt: str
    suffix: str | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: NonNegativeInt | None = None
    min_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: Stop | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    prompt_cache_key: str | None = None


class EmbeddingRequest(_Request):
    model: str
    input: str | Annotated[list[str], Field(min_length=1)]
    metadata: dict[str, Any] | None = None
    output_dimension: Annotated[int, Field(gt=0)] | None = None
    output_dtype: EmbeddingDtype = "float"
    encoding_format: EncodingFormat = "float"

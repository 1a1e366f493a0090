"""Request bodies, as the spec defines them.

The resources validate every call's arguments against these before anything is sent, with extra
fields forbidden, so a typo or an out-of-range value fails on the caller's machine with the field's
name. Backends receive the validated model, so a non-HTTP backend gets typed input.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, StrictBool, StrictStr

from .. import _limits as limits
from ._base import MistralModel
from .chat import AnyTool, Message, Prediction, ResponseFormat, ToolChoice, ToolChoiceEnum
from .embeddings import EmbeddingDtype, EncodingFormat

# Scalars are strict: "0.5" for a temperature or True for max_tokens is a caller's bug to report, not
# to coerce (an int still passes as a float). Sequences stay lax, so tuples work where lists do.
Temperature = Annotated[float, Field(ge=limits.TEMPERATURE_MIN, le=limits.TEMPERATURE_MAX, strict=True)]
TopP = Annotated[float, Field(gt=0, le=limits.TOP_P_MAX, strict=True)]
Penalty = Annotated[float, Field(ge=limits.PENALTY_MIN, le=limits.PENALTY_MAX, strict=True)]
NonNegativeInt = Annotated[int, Field(ge=limits.MAX_TOKENS_MIN, strict=True)]
PositiveInt = Annotated[int, Field(ge=1, strict=True)]
Stop = Union[StrictStr, list[StrictStr]]


class GuardrailConfig(MistralModel):
    block_on_error: bool = False
    moderation_llm_v1: dict[str, Any] | None = None
    moderation_llm_v2: dict[str, Any] | None = None


class _Request(MistralModel):
    model_config = ConfigDict(extra="forbid")


class ChatCompletionRequest(_Request):
    model: StrictStr
    messages: Annotated[list[Message], Field(min_length=1)]
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: NonNegativeInt | None = None
    stream: StrictBool = False
    stop: Stop | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    response_format: ResponseFormat | None = None
    tools: list[AnyTool] | None = None
    tool_choice: ToolChoice | ToolChoiceEnum = "auto"
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: PositiveInt | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: StrictBool = True
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    prompt_mode: Literal["reasoning"] | None = None
    guardrails: list[GuardrailConfig] | None = None
    prompt_cache_key: str | None = None
    service_tier: Literal["auto", "standard_only"] | None = None
    safe_prompt: StrictBool = False


class FIMCompletionRequest(_Request):
    model: StrictStr
    prompt: StrictStr
    suffix: StrictStr | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: NonNegativeInt | None = None
    min_tokens: NonNegativeInt | None = None
    stream: StrictBool = False
    stop: Stop | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    prompt_cache_key: str | None = None


class EmbeddingRequest(_Request):
    model: StrictStr
    input: str | Annotated[list[str], Field(min_length=1)]
    metadata: dict[str, Any] | None = None
    output_dimension: PositiveInt | None = None
    output_dtype: EmbeddingDtype = "float"
    encoding_format: EncodingFormat = "float"

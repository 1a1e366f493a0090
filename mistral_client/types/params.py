"""Plain-dict forms of the request types, for callers who prefer dicts to models.

Every parameter that takes a model also takes the matching dict; both are validated the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any, Literal, Required, Union

import httpx2
from typing_extensions import TypedDict

from .._tools import FunctionTool
from .chat import (
    AssistantMessage,
    CodeInterpreterTool,
    CustomConnector,
    DocumentLibraryTool,
    DocumentURLChunk,
    FileChunk,
    ImageGenerationTool,
    ImageURLChunk,
    Prediction,
    ResponseFormat,
    SystemMessage,
    Tool,
    ToolChoice,
    ToolMessage,
    UserMessage,
    WebSearchPremiumTool,
    WebSearchTool,
)
from .classifiers import InstructRequest
from .embeddings import EmbeddingDtype, EncodingFormat

# --- messages -------------------------------------------------------------------------------------


class TextChunkParam(TypedDict, total=False):
    type: Required[Literal["text"]]
    text: Required[str]


class ImageURLChunkParam(TypedDict, total=False):
    type: Required[Literal["image_url"]]
    image_url: Required[str | dict[str, Any]]


class DocumentURLChunkParam(TypedDict, total=False):
    type: Required[Literal["document_url"]]
    document_url: Required[str]
    document_name: str | None


ContentChunkParam = Union[TextChunkParam, ImageURLChunkParam, DocumentURLChunkParam, dict[str, Any]]
Content = Union[str, Sequence[ContentChunkParam]]


class SystemMessageParam(TypedDict):
    role: Literal["system"]
    content: Content


class UserMessageParam(TypedDict):
    role: Literal["user"]
    content: Content | None


class FunctionCallParam(TypedDict):
    name: str
    arguments: str | Mapping[str, Any]


class ToolCallParam(TypedDict, total=False):
    id: str
    type: Literal["function"]
    function: Required[FunctionCallParam]
    index: int


class AssistantMessageParam(TypedDict, total=False):
    role: Required[Literal["assistant"]]
    content: Content | None
    tool_calls: Sequence[ToolCallParam] | None
    prefix: bool


class ToolMessageParam(TypedDict, total=False):
    role: Required[Literal["tool"]]
    content: Required[Content | None]
    tool_call_id: str | None
    name: str | None


MessageParam = Union[
    SystemMessageParam,
    UserMessageParam,
    AssistantMessageParam,
    ToolMessageParam,
    SystemMessage,
    UserMessage,
    AssistantMessage,
    ToolMessage,
]

# --- tools, tool choice, response format, prediction ----------------------------------------------


class FunctionParam(TypedDict, total=False):
    name: Required[str]
    description: str
    strict: bool
    parameters: Required[Mapping[str, Any]]


class ToolParam(TypedDict, total=False):
    type: Literal["function"]
    function: Required[FunctionParam]


AnyToolParam = Union[
    ToolParam,
    FunctionTool[..., Any],
    Tool,
    WebSearchTool,
    WebSearchPremiumTool,
    CodeInterpreterTool,
    ImageGenerationTool,
    DocumentLibraryTool,
    CustomConnector,
    Mapping[str, Any],
]


class FunctionNameParam(TypedDict):
    name: str


class ToolChoiceParam(TypedDict, total=False):
    type: Literal["function"]
    function: Required[FunctionNameParam]


ToolChoiceInput = Union[Literal["auto", "none", "any", "required"], ToolChoiceParam, ToolChoice]


class JsonSchemaParam(TypedDict, total=False):
    name: Required[str]
    description: str | None
    schema: Required[Mapping[str, Any]]
    strict: bool


class ResponseFormatParam(TypedDict, total=False):
    type: Required[Literal["text", "json_object", "json_schema"]]
    json_schema: JsonSchemaParam | None


class PredictionParam(TypedDict, total=False):
    type: Literal["content"]
    content: str


# --- per-call options and the keyword arguments of each endpoint ----------------------------------

Timeout = Union[float, httpx2.Timeout, None]


class RequestOptionsParam(TypedDict, total=False):
    """Options every endpoint method takes, for this call only."""

    timeout: Timeout
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, Any]
    #: Merged into the JSON body as-is, unvalidated: for fields newer than this SDK.
    extra_body: Mapping[str, Any]


class _SamplingParams(RequestOptionsParam, total=False):
    model: Required[str]
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    stop: str | Sequence[str] | None
    random_seed: int | None
    metadata: Mapping[str, Any] | None
    prompt_cache_key: str | None


class ChatToolRunnerParams(_SamplingParams, total=False):
    """Keyword arguments of ``client.chat.tool_runner`` besides ``tools``, ``response_format``..."""

    messages: Required[Sequence[MessageParam]]
    tool_choice: ToolChoiceInput
    presence_penalty: float | None
    frequency_penalty: float | None
    n: int | None
    prediction: PredictionParam | Prediction | None
    parallel_tool_calls: bool
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None
    prompt_mode: Literal["reasoning"] | None
    guardrails: Sequence[Mapping[str, Any]] | None
    service_tier: Literal["auto", "standard_only"] | None
    safe_prompt: bool


class ChatParseParams(ChatToolRunnerParams, total=False):
    """Keyword arguments of ``client.chat.parse`` and ``.parse_stream`` besides ``response_format``."""

    tools: Sequence[AnyToolParam] | None


class ChatCompletionParams(ChatParseParams, total=False):
    """Keyword arguments of ``client.chat.complete`` and ``client.chat.stream``."""

    response_format: ResponseFormatParam | ResponseFormat | None


class FIMCompletionParams(_SamplingParams, total=False):
    """Keyword arguments of ``client.fim.complete`` and ``client.fim.stream``."""

    prompt: Required[str]
    suffix: str | None
    min_tokens: int | None


class ModelsListParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.models.list``."""

    provider: str | None
    model: str | None


class EmbeddingParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.embeddings.create``."""

    model: Required[str]
    input: Required[str | Sequence[str]]
    metadata: Mapping[str, Any] | None
    output_dimension: int | None
    output_dtype: EmbeddingDtype
    encoding_format: EncodingFormat


# --- OCR --------------------------------------------------------------------------------------------


class FileChunkParam(TypedDict, total=False):
    type: Literal["file"]
    file_id: Required[str]


#: ``document=`` of ``client.ocr.process``: the spec's chunks (dicts or models), a URL (a
#: ``document_url``), or a local file (a path, bytes or a binary file object) sent inline.
DocumentInput = Union[
    DocumentURLChunkParam,
    ImageURLChunkParam,
    FileChunkParam,
    DocumentURLChunk,
    ImageURLChunk,
    FileChunk,
    str,
    os.PathLike[str],
    bytes,
    IO[bytes],
]


class OCRParseParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.ocr.parse`` besides the annotation formats."""

    model: Required[str]
    document: Required[DocumentInput]
    pages: str | Sequence[int] | None
    include_image_base64: bool | None
    image_limit: int | None
    image_min_size: int | None
    document_annotation_prompt: str | None
    table_format: Literal["markdown", "html"] | None
    extract_header: bool
    extract_footer: bool
    include_blocks: bool
    confidence_scores_granularity: Literal["word", "page", "block"] | None


class OCRParams(OCRParseParams, total=False):
    """Keyword arguments of ``client.ocr.process``."""

    bbox_annotation_format: ResponseFormatParam | ResponseFormat | None
    document_annotation_format: ResponseFormatParam | ResponseFormat | None


# --- classifiers ------------------------------------------------------------------------------------


class ClassificationParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.classifiers.moderate`` and ``classify``."""

    model: Required[str]
    input: Required[str | Sequence[str]]
    metadata: Mapping[str, Any] | None


class ChatModerationParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.classifiers.moderate_chat``: one conversation, or a list of them."""

    model: Required[str]
    input: Required[Sequence[MessageParam] | Sequence[Sequence[MessageParam]]]


class InstructRequestParam(TypedDict):
    messages: Sequence[MessageParam]


class ChatClassificationParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.classifiers.classify_chat``: one conversation, or a list of them."""

    model: Required[str]
    input: Required[InstructRequestParam | InstructRequest | Sequence[InstructRequestParam | InstructRequest]]

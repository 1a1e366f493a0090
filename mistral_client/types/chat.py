"""Chat types: messages, content chunks, tools, and the chat/FIM responses and stream chunks."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Discriminator, Field, Tag, ValidationError, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails

from .._backend import REQUEST_CONTEXT
from ._base import LenientModel, MistralModel, ResponseModel, TaggedModel

# Open enums: the known values are listed for editors and type checkers, and any other string from a
# newer server still parses.
FinishReason = Union[Literal["stop", "length", "model_length", "error", "tool_calls"], str]
Role = Union[Literal["system", "user", "assistant", "tool"], str]
ToolType = Union[Literal["function"], str]

# --- content chunks -------------------------------------------------------------------------------


class TextChunk(TaggedModel):
    type: Literal["text"] = "text"
    text: str


class ImageURL(MistralModel):
    url: str
    detail: Literal["low", "auto", "high"] | str | None = None


class ImageURLChunk(TaggedModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL | str


class DocumentURLChunk(TaggedModel):
    type: Literal["document_url"] = "document_url"
    document_url: str
    document_name: str | None = None


class ReferenceChunk(TaggedModel):
    type: Literal["reference"] = "reference"
    reference_ids: list[int | str]


class FileChunk(TaggedModel):
    type: Literal["file"] = "file"
    file_id: str


class AudioChunk(TaggedModel):
    type: Literal["input_audio"] = "input_audio"
    input_audio: str


class ToolReferenceChunk(TaggedModel):
    type: Literal["tool_reference"] = "tool_reference"
    tool: str
    title: str
    url: str | None = None
    favicon: str | None = None
    description: str | None = None


class ThinkChunk(TaggedModel):
    type: Literal["thinking"] = "thinking"
    thinking: list[TextChunk | ToolReferenceChunk | ReferenceChunk]
    signature: str | None = None
    closed: bool = True


class UnknownChunk(MistralModel):
    """A content chunk of a type this SDK does not know yet (kept whole in ``model_extra``)."""

    type: str


# The spec does not require a chunk's ``type``: one without it is told by its required field.
_IMPLIED_TAGS = (
    ("text", "text"),
    ("image_url", "image_url"),
    ("document_url", "document_url"),
    ("reference_ids", "reference"),
    ("file_id", "file"),
    ("thinking", "thinking"),
    ("input_audio", "input_audio"),
)
_CHUNK_TAGS = frozenset(tag for _, tag in _IMPLIED_TAGS)


def _chunk_tag(value: Any) -> str:
    if isinstance(value, dict):
        tag = value.get("type")
        if tag is None:
            tag = next((tag for key, tag in _IMPLIED_TAGS if key in value), None)
    else:
        tag = getattr(value, "type", None)
    return tag if tag in _CHUNK_TAGS else "unknown"


ContentChunk = Annotated[
    Annotated[TextChunk, Tag("text")]
    | Annotated[ImageURLChunk, Tag("image_url")]
    | Annotated[DocumentURLChunk, Tag("document_url")]
    | Annotated[ReferenceChunk, Tag("reference")]
    | Annotated[FileChunk, Tag("file")]
    | Annotated[ThinkChunk, Tag("thinking")]
    | Annotated[AudioChunk, Tag("input_audio")]
    | Annotated[UnknownChunk, Tag("unknown")],
    Discriminator(_chunk_tag),
]
SystemContentChunk = Annotated[TextChunk | ThinkChunk, Field(discriminator="type")]

# --- tool calls -----------------------------------------------------------------------------------


class FunctionCall(MistralModel):
    _essential = frozenset({"name", "arguments"})
    # Defaults, for responses: OpenAI-style servers stream a call in pieces, the name in the first
    # and the arguments in the next ones. Requests still need both (see _required_in_requests).
    name: str = ""
    #: A JSON string (as the API sends it) or an already-decoded object.
    arguments: str | dict[str, Any] = ""

    @model_validator(mode="before")
    @classmethod
    def _required_in_requests(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context == REQUEST_CONTEXT and isinstance(data, dict):
            missing = [name for name in ("name", "arguments") if name not in data]
            if missing:
                errors = [InitErrorDetails(type="missing", loc=(name,), input=data) for name in missing]
                raise ValidationError.from_exception_data(cls.__name__, errors)
        return data

    @property
    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict, whether the wire carried a JSON string or an object ("" is ``{}``).

        Raises :class:`~mistral_client.InvalidToolArgumentsError` when they are not a JSON object.
        """
        arguments = self.arguments
        if isinstance(arguments, dict):
            return arguments
        from pydantic_core import from_json

        from .._exceptions import InvalidToolArgumentsError

        try:
            value = from_json(arguments) if arguments.strip() else {}
        except ValueError as exc:
            raise InvalidToolArgumentsError(
                f"function.arguments of {self.name!r}: not JSON ({exc})", errors=[("<arguments>", str(exc))]
            ) from None
        if not isinstance(value, dict):
            raise InvalidToolArgumentsError(
                f"function.arguments of {self.name!r}: expected a JSON object, got {type(value).__name__}",
                errors=[("<arguments>", "expected a JSON object")],
            )
        return value


class ToolCall(MistralModel):
    _essential = frozenset({"function"})
    id: str | None = None
    type: ToolType | None = None
    function: FunctionCall
    #: The position of this call in the message; in a stream, pieces of one call share an index.
    index: int | None = None


# --- messages -------------------------------------------------------------------------------------


class SystemMessage(TaggedModel):
    _tag: ClassVar[str] = "role"
    role: Literal["system"] = "system"
    content: str | list[SystemContentChunk]


class UserMessage(TaggedModel):
    _tag: ClassVar[str] = "role"
    role: Literal["user"] = "user"
    content: str | list[ContentChunk] | None


#: What OpenAI-compatible servers add to a reply's message (the legacy ``function_call`` beside
#: ``tool_calls``, ``refusal``, vLLM's ``reasoning_content``...): kept in a response's ``model_extra``,
#: and accepted, never sent, when ``reply.model_dump()`` comes back as the next request's input.
_RESPONSE_ONLY = frozenset(
    {"function_call", "refusal", "annotations", "audio", "reasoning_content", "reasoning"}
)


class AssistantMessage(TaggedModel):
    _tag: ClassVar[str] = "role"
    _essential = frozenset({"content", "tool_calls"})
    role: Literal["assistant"] = "assistant"
    content: str | list[ContentChunk] | None = None
    tool_calls: list[ToolCall] | None = None
    prefix: bool = False

    @model_validator(mode="before")
    @classmethod
    def _response_fields_in_requests(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context == REQUEST_CONTEXT and isinstance(data, dict) and not _RESPONSE_ONLY.isdisjoint(data):
            return {key: value for key, value in data.items() if key not in _RESPONSE_ONLY}
        return data


class ToolMessage(TaggedModel):
    _tag: ClassVar[str] = "role"
    role: Literal["tool"] = "tool"
    content: str | list[ContentChunk] | None
    tool_call_id: str | None = None
    name: str | None = None


Message = Annotated[SystemMessage | UserMessage | AssistantMessage | ToolMessage, Field(discriminator="role")]

# --- tools ----------------------------------------------------------------------------------------


class Function(MistralModel):
    name: str
    description: str = ""
    strict: bool = False
    parameters: dict[str, Any]


class Tool(TaggedModel):
    type: Literal["function"] = "function"
    function: Function


class ToolConfiguration(MistralModel):
    exclude: list[str] | None = None
    include: list[str] | None = None
    requires_confirmation: list[str] | None = None


class WebSearchTool(TaggedModel):
    type: Literal["web_search"] = "web_search"
    tool_configuration: ToolConfiguration | None = None


class WebSearchPremiumTool(TaggedModel):
    type: Literal["web_search_premium"] = "web_search_premium"
    tool_configuration: ToolConfiguration | None = None


class CodeInterpreterTool(TaggedModel):
    type: Literal["code_interpreter"] = "code_interpreter"
    tool_configuration: ToolConfiguration | None = None


class ImageGenerationTool(TaggedModel):
    type: Literal["image_generation"] = "image_generation"
    tool_configuration: ToolConfiguration | None = None


class DocumentLibraryTool(TaggedModel):
    type: Literal["document_library"] = "document_library"
    tool_configuration: ToolConfiguration | None = None
    library_ids: Annotated[list[str], Field(min_length=1)]


class OAuth2TokenAuth(TaggedModel):
    type: Literal["oauth2-token"] = "oauth2-token"
    value: str

    def __repr_args__(self) -> Any:  # a credential: never in a repr or a log line
        return [("type", self.type), ("value", "***")]


class APIKeyAuth(TaggedModel):
    type: Literal["api-key"] = "api-key"
    value: str

    def __repr_args__(self) -> Any:
        return [("type", self.type), ("value", "***")]


class CustomConnector(TaggedModel):
    type: Literal["connector"] = "connector"
    connector_id: str
    authorization: Annotated[OAuth2TokenAuth | APIKeyAuth, Field(discriminator="type")] | None = None
    tool_configuration: ToolConfiguration | None = None


AnyTool = Annotated[
    Tool
    | WebSearchTool
    | WebSearchPremiumTool
    | CodeInterpreterTool
    | ImageGenerationTool
    | DocumentLibraryTool
    | CustomConnector,
    Field(discriminator="type"),
]


class FunctionName(MistralModel):
    name: str


class ToolChoice(MistralModel):
    type: Literal["function"] = "function"
    function: FunctionName


ToolChoiceEnum = Literal["auto", "none", "any", "required"]

# --- response format and prediction ---------------------------------------------------------------


class JsonSchema(MistralModel):
    name: str
    description: str | None = None
    # ``schema`` shadows a BaseModel attribute, hence the alias.
    schema_definition: dict[str, Any] = Field(alias="schema")
    strict: bool = False


class ResponseFormat(MistralModel):
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: JsonSchema | None = None


class Prediction(TaggedModel):
    type: Literal["content"] = "content"
    content: str = ""


# --- responses ------------------------------------------------------------------------------------


class UsageInfo(MistralModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_audio_seconds: int | None = None
    service_tier: str | None = None


class ChatCompletionChoice(MistralModel):
    _essential = frozenset({"message"})
    index: int = 0
    #: The spec lets a choice come without a message: it is then an empty one (``content`` None).
    message: AssistantMessage = Field(default_factory=AssistantMessage)
    finish_reason: FinishReason | None = None


class ChatCompletionResponse(ResponseModel):
    _essential = frozenset({"choices"})
    id: str = ""
    object: str = "chat.completion"
    model: str = ""
    created: int = 0
    #: ``None`` when the server reported none (a stream from a server that ignores ``stream_options``).
    usage: UsageInfo | None = None
    choices: list[ChatCompletionChoice] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The first choice's text content ("" if it has none), for the common single-answer case."""
        if not self.choices:
            return ""
        return content_text(self.choices[0].message.content)


class FIMCompletionResponse(ChatCompletionResponse):
    """FIM responses have the chat response's shape."""


class DeltaMessage(MistralModel):
    _essential = frozenset({"content", "tool_calls"})
    role: Role | None = None
    content: str | list[ContentChunk] | None = None
    tool_calls: list[ToolCall] | None = None


class CompletionResponseStreamChoice(MistralModel):
    _essential = frozenset({"delta"})
    index: int = 0
    delta: DeltaMessage = Field(default_factory=DeltaMessage)
    finish_reason: FinishReason | None = None


class CompletionChunk(LenientModel):
    """One event of a chat or FIM stream."""

    _essential = frozenset({"choices"})

    id: str = ""
    object: str = "chat.completion.chunk"
    model: str = ""
    created: int | None = None
    usage: UsageInfo | None = None
    choices: list[CompletionResponseStreamChoice] = Field(default_factory=list)


#: The name the streaming docs use.
ChatCompletionChunk = CompletionChunk


def content_text(content: str | list[Any] | None) -> str:
    """The plain text of a message's content: a string, or the text of its text chunks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(chunk.text for chunk in content if isinstance(chunk, TextChunk))

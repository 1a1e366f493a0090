"""Plain data types of the local engine.

They carry no torch objects, so the SDK layer can import them without the ``local`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mistral_client.local._response_parsing import ResponseTemplateParsing

#: Why a completion ended. ``model_length`` means the context window filled up before ``max_tokens``.
FinishReason = Literal["stop", "length", "model_length", "tool_calls"]


@dataclass(frozen=True)
class ToolCall:
    """A parsed tool call, shaped like the API's ``{"id", "function": {"name", "arguments"}}``."""

    id: str
    name: str
    #: A JSON object encoded as a string, as the API sends it.
    arguments: str


@dataclass(frozen=True)
class GenerationParams:
    """Sampling and stopping controls of one generation request."""

    #: Upper bound on generated tokens; ``None`` means "until the context window is full".
    max_tokens: int | None = None
    #: 0 selects greedy decoding.
    temperature: float = 0.7
    top_p: float = 1.0
    #: Generation ends before the first occurrence of any of these; the stop string is not returned.
    stop: tuple[str, ...] = ()
    #: Same seed, prompt and params give the same output (on the same device and library versions).
    random_seed: int | None = None
    #: Number of completions sampled from the prompt.
    n: int = 1
    #: Parse ``[TOOL_CALLS]`` output into :class:`ToolCall` objects when the tokenizer defines that token.
    parse_tool_calls: bool = True
    #: ``False``: at most one tool call per completion (the API's ``parallel_tool_calls=False``).
    parallel_tool_calls: bool = True
    #: OpenAI-style penalties on tokens already generated: per occurrence, and once per distinct token.
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    #: EOS is not allowed before this many tokens.
    min_tokens: int = 0
    #: An llguidance grammar every completion must follow (JSON modes, forced tool calls).
    grammar: str | None = None
    #: Token ids never generated (e.g. the tool-call token when tool calls are forbidden).
    banned_tokens: tuple[int, ...] = ()
    #: Read the output with the tokenizer's declared response template (content and tool calls)
    #: instead of the default tool-call formats; used only when tool calls are parsed.
    response_parsing: ResponseTemplateParsing | None = None

    def __post_init__(self) -> None:
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if self.temperature < 0:
            raise ValueError("temperature must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.n < 1:
            raise ValueError("n must be at least 1")
        if self.min_tokens < 0:
            raise ValueError("min_tokens must be >= 0")


@dataclass(frozen=True)
class GenerationEvent:
    """One step of one completion: emitted once per sampled token, plus the text it released.

    ``text`` can be empty (a token that completes no character yet, a special token, text held back
    because it may start a stop string). Joining every ``text`` of one ``index`` gives the full content.
    """

    index: int
    text: str
    token_ids: tuple[int, ...]
    #: Tokens generated so far for this ``index``, the EOS or stop-completing token included.
    completion_tokens: int
    prompt_tokens: int
    finish_reason: FinishReason | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass
class Completion:
    """A finished (or cancelled) completion, assembled from events."""

    index: int
    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    completion_tokens: int = 0


@dataclass
class GenerationResult:
    """All completions of one request, with usage counts."""

    completions: list[Completion]
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def collect(events: Iterable[GenerationEvent], n: int, prompt_tokens: int) -> GenerationResult:
    """Fold a stream of :class:`GenerationEvent` into a :class:`GenerationResult`."""
    completions = [Completion(index=i) for i in range(n)]
    parts: list[list[str]] = [[] for _ in range(n)]
    for event in events:
        c = completions[event.index]
        parts[event.index].append(event.text)
        c.token_ids.extend(event.token_ids)
        c.completion_tokens = event.completion_tokens
        if event.finish_reason is not None:
            c.finish_reason = event.finish_reason
            c.tool_calls = event.tool_calls
    for c, texts in zip(completions, parts, strict=False):
        c.text = "".join(texts)
    return GenerationResult(completions=completions, prompt_tokens=prompt_tokens)


@dataclass(frozen=True)
class EmbeddingResult:
    """Vectors of one embedding call (either engine), with token counts."""

    vectors: list[list[float]]
    #: Tokens of each input as the model saw it (special tokens included, after truncation).
    token_counts: list[int]

    @property
    def prompt_tokens(self) -> int:
        return sum(self.token_counts)

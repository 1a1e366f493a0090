"""The responses of ``chat.parse``: a chat response whose messages also carry the parsed output."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from .chat import AssistantMessage, ChatCompletionChoice, ChatCompletionResponse

T = TypeVar("T")

__all__ = ["ParsedAssistantMessage", "ParsedChatCompletionChoice", "ParsedChatCompletionResponse"]


class ParsedAssistantMessage(AssistantMessage, Generic[T]):
    """An assistant message and its content parsed into the requested type.

    ``parsed`` is ``None`` when the message carries no output to parse (it called tools instead). It
    is never sent: the message goes back into a conversation as the model wrote it.
    """

    parsed: T | None = Field(default=None, exclude=True)


class ParsedChatCompletionChoice(ChatCompletionChoice, Generic[T]):
    message: ParsedAssistantMessage[T]


class ParsedChatCompletionResponse(ChatCompletionResponse, Generic[T]):
    """A :class:`ChatCompletionResponse` whose choices' messages carry ``parsed``."""

    # A narrower element type than the base's: what parse() builds (lists are invariant to mypy).
    choices: list[ParsedChatCompletionChoice[T]] = Field(default_factory=list)  # type: ignore[assignment]

    @property
    def parsed(self) -> T:
        """The first choice's parsed output.

        Raises :class:`~mistral_client.StructuredOutputError` when the first choice has none (it
        called tools instead of answering).
        """
        value = self.choices[0].message.parsed if self.choices else None
        if value is None:
            from .._exceptions import StructuredOutputError

            raise StructuredOutputError(
                "response.parsed: the first choice has no parsed output (it called tools instead)",
                response=self,
                content=self.text,
            )
        return value

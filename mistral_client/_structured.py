"""Structured outputs: the ``response_format`` sent for a type, parsing the answer, and partial JSON.

Shared by ``chat.parse`` / ``chat.parse_stream`` (sync and async) and the tool runner.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import pydantic
import pydantic_core

from ._exceptions import InvalidRequestError, LengthFinishReasonError, OutputValidationError, cut_off_tokens
from ._schema import json_schema, schema_name
from .types.chat import ChatCompletionResponse, ResponseFormat, content_text
from .types.parsed import ParsedAssistantMessage, ParsedChatCompletionChoice, ParsedChatCompletionResponse

T = TypeVar("T")

__all__ = ["PartialJSON", "StructuredOutput", "output_for", "rebuild"]

_CUT_OFF = ("length", "model_length")


class StructuredOutput(Generic[T]):
    """What ``chat.parse`` needs for one output type: the ``response_format`` to send, and a
    validator for the answer. Built once per type (see :func:`output_for`)."""

    def __init__(
        self, response_format: Mapping[str, Any] | ResponseFormat, validate_json: Any, label: str
    ) -> None:
        self.response_format = response_format
        self._validate_json = validate_json
        self._label = label

    def parse(self, response: ChatCompletionResponse) -> ParsedChatCompletionResponse[T]:
        """Each choice's content validated into ``T``; a choice that only called tools gets ``None``.

        Raises :class:`LengthFinishReasonError` for an answer cut off by the token limit and
        :class:`OutputValidationError` for content that is empty, not JSON, or not valid for ``T``.
        """
        choices = []
        for choice in response.choices:
            message = getattr(choice, "message", None)
            content = content_text(message.content) if message is not None else ""
            parsed: Any = None
            if message is None or not message.tool_calls or content.strip():
                parsed = self._parse_content(response, choice.index, choice.finish_reason, content)
            choices.append(_parsed_choice(choice, message, parsed))
        return rebuild(ParsedChatCompletionResponse, response, choices=choices)

    def _parse_content(
        self, response: ChatCompletionResponse, index: int, finish_reason: str | None, content: str
    ) -> Any:
        where = f"choices[{index}]"
        if finish_reason in _CUT_OFF:
            raise LengthFinishReasonError(
                f"{where}: the answer was cut off (finish_reason {finish_reason!r}, "
                f"{cut_off_tokens(response)}) before its JSON ended; "
                "raise max_tokens or ask for less",
                response=response,
                content=content,
            )
        if not content.strip():
            raise OutputValidationError(
                f"{where}: the answer is empty, expected JSON for {self._label}",
                response=response,
                content=content,
                errors=[("<content>", "empty")],
            )
        try:
            return self._validate_json(content)
        except pydantic.ValidationError as exc:
            summary, errors = self.problems(exc)
            raise OutputValidationError(
                f"{where}: the answer {summary}", response=response, content=content, errors=errors
            ) from None

    def validate(self, content: str | bytes) -> Any:
        """``content`` (JSON text) validated into ``T``; raises pydantic's ``ValidationError``."""
        return self._validate_json(content)

    def problems(self, exc: pydantic.ValidationError) -> tuple[str, list[tuple[str, str]]]:
        """What is wrong with a text :meth:`validate` refused ("is not JSON: ...", "is not a valid T:
        ..."), and each problem as ``(field, message)``."""
        details = exc.errors(include_url=False)
        errors = [
            (".".join(str(part) for part in error["loc"]) or "<content>", error["msg"]) for error in details
        ]
        not_json = any(error["type"] == "json_invalid" for error in details)
        what = "is not JSON" if not_json else f"is not a valid {self._label}"
        return f"{what}: {'; '.join(f'{field}: {message}' for field, message in errors)}", errors


def _parsed_choice(choice: Any, message: Any, parsed: Any) -> ParsedChatCompletionChoice[Any]:
    new_message = rebuild(ParsedAssistantMessage, message) if message is not None else None
    if new_message is not None:
        new_message.parsed = parsed
    return rebuild(ParsedChatCompletionChoice, choice, message=new_message)


_M = TypeVar("_M", bound=pydantic.BaseModel)


def rebuild(cls: type[_M], source: pydantic.BaseModel, **updates: Any) -> _M:
    """``source`` as an instance of its subclass ``cls``, without validating it again: same fields,
    extras, fields-set (so it is sent back exactly as received) and request id."""
    values = {**dict(source), **updates}
    fields_set = set(source.model_fields_set) | set(updates)
    new = cls.model_construct(_fields_set=fields_set, **values)
    private = getattr(source, "__pydantic_private__", None)
    if private:
        new.__pydantic_private__ = dict(private)
    return new


@functools.lru_cache(maxsize=256)
def _output_for_type(type_: Any, field: str) -> StructuredOutput[Any]:
    try:
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(type_)
        schema = json_schema(type_)
    except (pydantic.PydanticUserError, pydantic_core.SchemaError, TypeError) as exc:
        raise InvalidRequestError(
            f"{field}: {type_!r} can not be described as a JSON schema: {exc}",
            errors=[(field, "not a type pydantic can describe")],
        ) from None
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": schema_name(type_), "schema": schema, "strict": True},
    }
    return StructuredOutput(response_format, adapter.validate_json, getattr(type_, "__name__", repr(type_)))


def output_for(response_format: Any, field: str = "response_format") -> StructuredOutput[Any]:
    """The structured output for a type (cached), or for a ``response_format`` given as a dict or a
    :class:`ResponseFormat`, which is sent untouched and parsed as plain JSON. ``field`` is the
    parameter's name, for the errors."""
    if isinstance(response_format, (Mapping, ResponseFormat)):
        return StructuredOutput(response_format, _validate_any_json_checked, "JSON value")
    try:
        return _output_for_type(response_format, field)
    except TypeError:  # unhashable: not a type
        raise InvalidRequestError(
            f"{field}: expected a type (a pydantic model, TypedDict or dataclass) or a dict, "
            f"got {response_format!r}",
            errors=[(field, "expected a type or a dict")],
        ) from None


_ANY_JSON: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(Any)
_validate_any_json_checked = _ANY_JSON.validate_json  # raises ValidationError(json_invalid) like a type's


# --- partial JSON, for parse_stream's partials() ----------------------------------------------------

#: A number at the very end of the text may still grow ("1" -> "12", "1." -> "1.5").
_TRAILING_NUMBER = re.compile(r"(?:-?\d+(?:\.\d*)?(?:[eE][+-]?\d*)?|-)$")


class PartialJSON:
    """The JSON value the text so far adds up to, fed one delta at a time.

    pydantic-core's ``from_json(..., allow_partial=True)`` completes what is open and drops a
    trailing string that has not closed; a trailing number is cut off here first, so neither a
    string nor a number that may still grow is ever returned as if it were final.
    """

    __slots__ = ("_last", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._last: Any = _NOTHING

    def feed(self, delta: str) -> tuple[bool, Any]:
        """Add ``delta``; return ``(changed, value)``: whether the value differs from the last one."""
        self._text += delta
        text = self._text
        match = _TRAILING_NUMBER.search(text)
        if match is not None:
            text = text[: match.start()]
        if not text.strip():
            return False, None
        try:
            value = pydantic_core.from_json(text, allow_partial=True)
        except ValueError:  # not JSON (yet, or at all): the final validation reports it
            return False, None
        if value == self._last:
            return False, value
        self._last = value
        return True, value


_NOTHING = object()

"""The stand-in for a member of a tagged union whose tag this SDK does not know yet.

A response never breaks on a new entry, event or tool type: it parses into an :class:`Unrecognized`
subclass that keeps the whole document (``type`` and ``model_extra``). Sending one back is refused
before anything goes out, since the spec forbids what it does not define (an instance is validated
again for that, even when passed as a model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ConfigDict, ValidationInfo, model_validator

from .._backend import REQUEST_CONTEXT
from ._base import MistralModel


class Unrecognized(MistralModel):
    """Base of the unknown-type placeholders (``UnknownEntry``, ``UnknownEvent``, ``UnknownTool``)."""

    model_config = ConfigDict(revalidate_instances="always")

    #: The tag as sent; the rest of the document is in ``model_extra``.
    type: str = ""

    @model_validator(mode="before")
    @classmethod
    def _not_in_requests(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context == REQUEST_CONTEXT:
            tag = data.get("type") if isinstance(data, dict) else getattr(data, "type", None)
            raise ValueError(f"type {tag!r} is not one the API accepts here")
        return data


def tagger(
    known: Iterable[str], implied: tuple[tuple[tuple[str, ...], str], ...] = ()
) -> Callable[[Any], str]:
    """A pydantic ``Discriminator`` function: a value's ``type`` when it is one of ``known``, the type
    its keys imply when it has none (``implied``: (keys all present, tag), first match wins), else
    ``"unknown"``."""
    tags = frozenset(known)

    def tag_of(value: Any) -> str:
        if isinstance(value, dict):
            tag = value.get("type")
            if tag is None:
                tag = next((t for keys, t in implied if all(k in value for k in keys)), None)
        else:
            tag = getattr(value, "type", None)
        return tag if tag in tags else "unknown"

    return tag_of

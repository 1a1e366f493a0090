"""The record of one operation (see :mod:`mistral_client._endpoints`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..types._base import MistralModel

T = TypeVar("T")

Parser = Callable[[str | bytes], T]


@dataclass(frozen=True, eq=False)
class Endpoint(Generic[T]):
    """One operation of the API; ``T`` is what its response (or each event of its stream) parses into."""

    #: ``"chat.complete"``, ``"files.upload"``...: ``APIRequest.operation``.
    name: str
    method: str
    #: The path, with ``{name}`` for each path parameter: ``"/v1/files/{file_id}"``.
    path: str
    #: A JSON document (the body, or one stream event) into ``T``.
    parse: Parser[T]
    #: The JSON body's type, validated with unknown fields forbidden.
    body: type[MistralModel] | None = None
    #: The query's type (or, for a multipart upload, its text fields').
    query: type[MistralModel] | None = None
    #: The answer is a stream of server-sent events, each parsed by ``parse``.
    stream: bool = False
    #: A multipart ``form-data`` body: ``query``'s fields and at most one file part.
    multipart: bool = False
    #: ``gen_ai.operation.name`` of its span ("chat", "embeddings"...); ``None``: not a GenAI call.
    span: str | None = None
    #: The Batch API accepts it (``batch.run(endpoint=path)``), with ``whole``'s response per item.
    batch: bool = False
    #: For a stream: the operation answering the same call in one response (its parse builds the
    #: type the stream adds up to).
    whole: Endpoint[Any] | None = None
    #: For a stream of typed events (each with a ``type``: transcription, conversation events...): the
    #: types that end it. Empty: a stream of chat chunks, ended by ``[DONE]`` or every finish reason.
    final_events: frozenset[str] = frozenset()
    #: For a stream of typed events: the error an event stands for (``None`` for an ordinary one).
    stream_error: Callable[[Any], BaseException | None] | None = None
    #: For a stream of typed events: each event from its SSE event name (``None`` when it had none)
    #: and its data, which may leave the type to the name; ``None``: ``parse`` the data alone.
    parse_event: Callable[[str | None, str], T] | None = None
    #: The body's fields before validation, adjusted (``@tool`` functions become their definition).
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: A check of the validated body the schema cannot express; raises ``InvalidRequestError``.
    check: Callable[[Any], None] | None = None
    #: A parser that depends on the body (embeddings decode per ``output_dtype``).
    parse_for: Callable[[Any], Parser[T]] | None = None
    #: The path parameters' names, in the template's order.
    path_params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(part.split("}", 1)[0] for part in self.path.split("{")[1:])
        object.__setattr__(self, "path_params", names)

    def __repr__(self) -> str:
        return f"<Endpoint {self.name}: {self.method} {self.path}>"

"""The base every API type derives from."""

from __future__ import annotations

from typing import Any, ClassVar, Self, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from .._backend import REQUEST_CONTEXT


class MistralModel(BaseModel):
    """Base of all API types.

    Unknown fields in a response are kept (``model_extra``), so a server newer than this SDK never
    breaks parsing. When a model is sent in a request, those extras are dropped: the spec forbids them.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    #: The fields whose value the caller needs (a message's content, a vector): a response where one is
    #: unusable fails to parse. Any other field with a default tolerates an odd value (see LenientModel).
    _essential: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_extras_in_requests(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if info.context == REQUEST_CONTEXT and self.__pydantic_extra__ and isinstance(data, dict):
            for key in self.__pydantic_extra__:
                data.pop(key, None)
        return data


class QueryModel(MistralModel):
    """Query parameters (or the text fields of a multipart form), checked like a body: unknown names
    and wrong types fail before anything is sent."""

    model_config = ConfigDict(extra="forbid")


class TaggedModel(MistralModel):
    """A member of a tagged union (a message by ``role``, a chunk or tool by ``type``).

    Requests are sent with ``exclude_unset``; the tag must go out even when the user left it at its
    default, or the server could not tell the union members apart.
    """

    _tag: ClassVar[str] = "type"

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.add(self._tag)


class LenientModel(MistralModel):
    """A document the API sends (a response, a stream chunk): it parses whenever its essential data does.

    The strict parse runs first and costs nothing more. When it fails, an odd value in a non-essential
    field (say ``usage.prompt_audio_seconds: {}``) gives that field its default and stays reachable, as
    sent, in the ``model_extra`` of the model that holds it; an unusable essential field still raises
    pydantic's ``ValidationError``, located by its path in the document.
    """

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as error:
            if kwargs.get("context") == REQUEST_CONTEXT:
                raise
            from ._lenient import repair

            return cast(
                "Self", repair(cls, json_data, error, cls.__pydantic_validator__.validate_json, is_json=True)
            )

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as error:
            if kwargs.get("context") == REQUEST_CONTEXT or not isinstance(obj, dict):
                raise
            from ._lenient import repair

            return cast(
                "Self", repair(cls, obj, error, cls.__pydantic_validator__.validate_python, is_json=False)
            )


class ResponseModel(LenientModel):
    """A top-level response: also carries the id the server gave the request."""

    _request_id: str | None = None

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the HTTP response this object was parsed from, if any."""
        return self._request_id

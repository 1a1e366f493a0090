"""The base every API type derives from."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from .._backend import REQUEST_CONTEXT


class MistralModel(BaseModel):
    """Base of all API types.

    Unknown fields in a response are kept (``model_extra``), so a server newer than this SDK never
    breaks parsing. When a model is sent in a request, those extras are dropped: the spec forbids them.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    @model_serializer(mode="wrap")
    def _drop_extras_in_requests(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if info.context == REQUEST_CONTEXT and self.__pydantic_extra__ and isinstance(data, dict):
            for key in self.__pydantic_extra__:
                data.pop(key, None)
        return data


class TaggedModel(MistralModel):
    """A member of a tagged union (a message by ``role``, a chunk or tool by ``type``).

    Requests are sent with ``exclude_unset``; the tag must go out even when the user left it at its
    default, or the server could not tell the union members apart.
    """

    _tag: ClassVar[str] = "type"

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.add(self._tag)


class ResponseModel(MistralModel):
    """A top-level response: also carries the id the server gave the request."""

    _request_id: str | None = None

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the HTTP response this object was parsed from, if any."""
        return self._request_id

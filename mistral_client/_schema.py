"""``json_schema(T)``: the JSON schema of a Python type, in the strict form the API accepts.

Used for ``response_format`` (structured outputs) and for a tool's parameters. It imports none of
the API types, so :mod:`mistral_client.types` can refer to tools without an import cycle.
"""

from __future__ import annotations

import re
from typing import Any

import pydantic

__all__ = ["json_schema", "schema_name"]

# Keywords whose value is one subschema, a list of them, or a map of name -> subschema.
_ONE = ("items", "not", "if", "then", "else", "contains", "additionalProperties", "unevaluatedProperties")
_LIST = ("anyOf", "oneOf", "allOf", "prefixItems")
_MAP = ("properties", "$defs", "patternProperties", "dependentSchemas")
# Annotations that only pydantic or OpenAPI read: the model gains nothing from them.
_NOISE = ("title", "discriminator")


def json_schema(type_: Any) -> dict[str, Any]:
    """The JSON schema ``chat.parse`` sends for ``type_``: a pydantic model, a ``TypedDict``, a
    dataclass, or any type pydantic can validate.

    Every object gets ``additionalProperties: false`` (unless the type itself allows any keys, as
    ``dict[str, int]`` does), titles and OpenAPI discriminators are dropped, and ``$defs``/``$ref``
    stay as pydantic wrote them, so nested and recursive types keep resolving. A root that is only a
    ``$ref`` (what pydantic emits for a recursive model) is replaced by the definition it points at,
    which stays in ``$defs`` for the references inside it.

    Raises ``pydantic.PydanticUserError`` (or ``PydanticSchemaGenerationError``) for a type pydantic
    can not describe.
    """
    schema = pydantic.TypeAdapter(type_).json_schema()
    ref = schema.get("$ref")
    defs = schema.get("$defs", {})
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs and len(schema) == 2:
        schema = {**defs[ref[8:]], "$defs": defs}
    _strict(schema)
    return schema


def _strict(node: Any) -> None:
    if not isinstance(node, dict):
        return
    for key in _NOISE:
        # ``title`` inside ``properties`` is a property's name, not an annotation: only schema nodes
        # reach here, so the key is always the keyword.
        node.pop(key, None)
    if (node.get("type") == "object" or "properties" in node) and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key in _ONE:
        _strict(node.get(key))
    for key in _LIST:
        for child in node.get(key) or ():
            _strict(child)
    for key in _MAP:
        children = node.get(key)
        if isinstance(children, dict):
            for child in children.values():
                _strict(child)


def schema_name(type_: Any) -> str:
    """A ``json_schema.name`` for ``type_``: its name, limited to the characters the API allows."""
    name = getattr(type_, "__name__", None) or "output"
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64]

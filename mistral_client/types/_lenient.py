"""Parsing what the spec allows, even when a server sends an odd value where the caller does not look.

Runs only after the strict parse failed, so a well-formed response pays nothing. Each validation error
is traced to the innermost *non-essential* field on its path (a field with a default that its model does
not list in ``_essential``); that value is taken out, the document validated again, and the value as
sent is put back in the owning model's ``model_extra`` under the field's name, so it stays reachable.
An error inside essential data (a message's content, an embedding vector, a card's id, ...) cannot be
repaired this way: the parse fails, naming that field.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails

from .._logging import logger

T = TypeVar("T")

#: Enough for any real response; a document with more odd values than this is not worth rescuing.
_MAX_REPAIRS = 32

Path = tuple[str | int, ...]


def repair(
    root: Any, data: str | bytes | Any, error: ValidationError, validate: Callable[[Any], T], *, is_json: bool
) -> T:
    """Validate ``data`` (JSON text, or Python data if not ``is_json``) as ``root`` despite ``error``.

    ``validate`` is the strict validator (JSON text in when ``is_json``). Raises a ``ValidationError``
    naming only the unusable fields, by their path in the document, when it cannot repair.
    """
    try:
        document = json.loads(data) if is_json else _copy(data)
    except ValueError:
        raise error from None
    dropped: list[tuple[Path, str, Any]] = []
    for _ in range(_MAX_REPAIRS):
        unusable: list[tuple[Path, dict[str, Any]]] = []
        plans: list[tuple[Path, str]] = []
        for detail in error.errors():
            path, target = _locate(root, document, detail["loc"])
            if target is None:
                unusable.append((path, dict(detail)))
            elif target not in plans:
                plans.append(target)
        if unusable:
            raise _unusable(error, unusable) from None
        for owner_path, name in plans:
            owner = _at(document, owner_path)
            if isinstance(owner, dict) and name in owner:
                dropped.append((owner_path, name, owner.pop(name)))
        try:
            result = validate(json.dumps(document) if is_json else document)
        except ValidationError as exc:
            error = exc
            continue
        for owner_path, name, raw in dropped:
            _keep_raw(result, owner_path, name, raw)
            logger.info("response field %s had an unexpected value %.80r", _dotted((*owner_path, name)), raw)
        return result
    raise error


def _copy(data: Any) -> Any:
    # Python input is the caller's: repair a copy.
    return json.loads(json.dumps(data))


def _locate(root: Any, document: Any, loc: tuple[Any, ...]) -> tuple[Path, tuple[Path, str] | None]:
    """The error's path in the document, and the (owner path, field name) to drop, or None if none."""
    candidates: list[Any] = [root]
    node = document
    path: list[str | int] = []
    # (owner path, field name, droppable) for each model field passed through, outermost first.
    fields: list[tuple[Path, str, bool]] = []
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            models = [m for m in _members(candidates) if isinstance(m, type) and issubclass(m, BaseModel)]
            found = [(m, name, info) for m in models for name, info in [_field(m, part)] if info is not None]
            if found:
                essential = any(
                    info.is_required() or name in getattr(m, "_essential", ()) for m, name, info in found
                )
                fields.append((tuple(path), found[0][1], not essential))
                candidates = [info.annotation for _, _, info in found]
            else:
                candidates = [_value_type(t) for t in _members(candidates)]
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            candidates = [_item_type(t) for t in _members(candidates)]
            node = node[part]
            path.append(part)
        # Anything else is a union member's tag or a validator's name: it names no data.
    for owner_path, name, droppable in reversed(fields):
        if droppable:
            return tuple(path), (owner_path, name)
    return tuple(path), None


def _field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo | None]:
    """(field name, FieldInfo) of ``model`` for a document key (a name or an alias); None if no field."""
    info = model.model_fields.get(key)
    if info is not None:
        return key, info
    for name, info in model.model_fields.items():
        if info.alias == key:
            return name, info
    return key, None


def _members(annotations: list[Any]) -> list[Any]:
    """The annotations with unions, ``Optional`` and ``Annotated`` unwrapped."""
    out: list[Any] = []
    for annotation in annotations:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            out += _members([typing.get_args(annotation)[0]])
        elif origin is Union or origin is types.UnionType:
            out += _members(list(typing.get_args(annotation)))
        else:
            out.append(annotation)
    return out


def _item_type(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        return args[0] if args else Any
    return Any


def _value_type(annotation: Any) -> Any:
    if typing.get_origin(annotation) is dict:
        args = typing.get_args(annotation)
        return args[1] if len(args) == 2 else Any
    return Any


def _at(document: Any, path: Path) -> Any:
    for part in path:
        document = document[part]
    return document


def _keep_raw(result: Any, owner_path: Path, name: str, raw: Any) -> None:
    owner = result
    try:
        for part in owner_path:
            owner = owner[part] if isinstance(part, int) else getattr(owner, part)
    except (AttributeError, IndexError, KeyError, TypeError):
        return
    if isinstance(owner, BaseModel):
        if owner.__pydantic_extra__ is None:
            object.__setattr__(owner, "__pydantic_extra__", {})
        assert owner.__pydantic_extra__ is not None
        owner.__pydantic_extra__[name] = raw


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path) or "<root>"


def _unusable(error: ValidationError, unusable: list[tuple[Path, dict[str, Any]]]) -> ValidationError:
    """The errors in essential data alone, located by their path in the document."""
    details: list[InitErrorDetails] = []
    for path, detail in unusable:
        item: dict[str, Any] = {"type": detail["type"], "loc": path, "input": detail.get("input")}
        if detail.get("ctx"):
            item["ctx"] = detail["ctx"]
        details.append(typing.cast(InitErrorDetails, item))
    try:
        return ValidationError.from_exception_data(error.title, details)
    except (TypeError, ValueError, KeyError):
        return error


def root_type(parse: Callable[..., Any]) -> Any | None:
    """What a request's parser validates, for :func:`repair`; None if it repairs by itself or is unknown.

    A parser is a model's ``model_validate_json`` (lenient already, see ``LenientModel``), a model's bare
    pydantic-core validator (the stream's hot path), or a function annotated with its return type.
    """
    owner = getattr(parse, "__self__", None)
    if isinstance(owner, type):
        from ._base import LenientModel

        return None if issubclass(owner, LenientModel) else owner
    if owner is not None:
        for model in _subclasses(BaseModel):
            if model.__dict__.get("__pydantic_validator__") is owner:
                return model
        return None
    try:
        return typing.get_type_hints(parse).get("return")
    except Exception:  # unresolvable annotations: no repair, the strict error stands
        return None


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        out.append(sub)
        out += _subclasses(sub)
    return out

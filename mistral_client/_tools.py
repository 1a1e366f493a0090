"""``@tool``: a plain Python function as a function tool the model can call.

The tool's JSON schema comes from the signature through pydantic, its descriptions from the
docstring (through ``docstring_parser``, imported on the first ``@tool``), and the model's arguments
are validated and coerced by the same pydantic model before the function runs.
"""

from __future__ import annotations

import copy
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Generic, ParamSpec, TypeVar, overload

import pydantic
import pydantic_core
from pydantic.fields import FieldInfo

from ._exceptions import InvalidToolArgumentsError
from ._schema import json_schema

__all__ = ["FunctionTool", "tool", "tool_result_text"]

P = ParamSpec("P")
R = TypeVar("R")


class FunctionTool(Generic[P, R]):
    """A function the model can call; still callable exactly like the function it wraps.

    ``name``, ``description`` and ``parameters`` (the JSON schema of its arguments) describe it;
    ``definition`` is the tool as ``tools=[...]`` sends it.
    """

    name: str
    description: str
    parameters: dict[str, Any]

    def __init__(
        self, fn: Callable[P, R], *, name: str | None = None, description: str | None = None
    ) -> None:
        if not callable(fn):
            raise TypeError(f"tool(): expected a function, got {fn!r}")
        target = fn.func if isinstance(fn, functools.partial) else fn
        tool_name = name or getattr(target, "__name__", None)
        if not tool_name or tool_name == "<lambda>":
            raise TypeError(f"tool(): {fn!r} has no usable name; pass name=...")
        doc = _Docstring(inspect.getdoc(target))
        self._fn = fn
        self.name = tool_name
        self.description = description if description is not None else doc.description
        self._model, self._positional, self._is_method = _arguments_model(fn, target, tool_name, doc.params)
        self.parameters = json_schema(self._model)
        # A callable object counts by its ``__call__``.
        call = target if inspect.isroutine(target) else type(target).__call__
        self._is_async = inspect.iscoroutinefunction(call)
        # Introspection (help(), inspect.signature) sees the wrapped function.
        self.__name__ = tool_name
        self.__doc__ = getattr(target, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._fn(*args, **kwargs)

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> FunctionTool[P, R]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> FunctionTool[..., R]: ...
    def __get__(self, obj: object, objtype: type | None = None) -> FunctionTool[..., R]:
        # ``@tool`` on a method: ``instance.method`` is a tool bound to the instance (the schema
        # already left ``self`` out).
        get = getattr(self._fn, "__get__", None)
        if obj is None or get is None or not self._is_method:
            return self  # a tool kept as a class attribute is not a method: it stays unbound
        bound = copy.copy(self)
        bound._fn = get(obj, objtype)
        bound.__wrapped__ = bound._fn
        return bound

    def __repr__(self) -> str:
        return f"FunctionTool(name={self.name!r})"

    @property
    def is_async(self) -> bool:
        """Whether calling the function returns an awaitable."""
        return self._is_async

    @property
    def definition(self) -> dict[str, Any]:
        """The tool as sent in ``tools=[...]``."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}

    def validate_arguments(
        self, arguments: str | bytes | Mapping[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        """The model's arguments (a JSON string or an object) validated and coerced, as ``(args, kwargs)``.

        Raises :class:`~mistral_client.InvalidToolArgumentsError` with pydantic's field errors.
        """
        try:
            if isinstance(arguments, (str, bytes)):
                # Some servers send "" for a call without arguments.
                validated = self._model.model_validate_json(arguments if arguments.strip() else "{}")
            else:
                validated = self._model.model_validate(arguments)
        except pydantic.ValidationError as exc:
            errors = [
                (".".join(str(part) for part in error["loc"]) or "<arguments>", error["msg"])
                for error in exc.errors(include_url=False)
            ]
            detail = "; ".join(f"{field}: {message}" for field, message in errors)
            raise InvalidToolArgumentsError(
                f"Invalid arguments for {self.name}: {detail}", errors=errors
            ) from None
        # Attributes, not model_dump(): a nested model argument arrives as the model.
        values = {field: getattr(validated, field) for field in type(validated).model_fields}
        args = [values.pop(field) for field in self._positional]
        return args, values

    def run(self, arguments: str | bytes | Mapping[str, Any]) -> str:
        """Validate ``arguments``, call the function, and return its result as tool-message text.

        An async function is run to completion in a new event loop (in a thread of its own when this
        thread already runs one); the async runner awaits it instead.
        """
        return self._invoke(*self.validate_arguments(arguments))

    async def arun(self, arguments: str | bytes | Mapping[str, Any]) -> str:
        """Validate ``arguments``, then await the function, or run a sync one in a worker thread."""
        return await self._ainvoke(*self.validate_arguments(arguments))

    def _invoke(self, args: list[Any], kwargs: dict[str, Any]) -> str:
        if self._is_async:
            import anyio

            run = functools.partial(anyio.run, functools.partial(_await, self._fn, args, kwargs))
            if not _event_loop_running():
                return tool_result_text(run())
            # A sync call made while this thread runs an event loop (a notebook cell, a sync client
            # used from async code): the new loop gets a thread of its own (and a fresh context, in
            # which no event loop is marked as running).
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1, thread_name_prefix="tool") as pool:
                return tool_result_text(pool.submit(run).result())
        return tool_result_text(self._fn(*args, **kwargs))

    async def _ainvoke(self, args: list[Any], kwargs: dict[str, Any]) -> str:
        if self._is_async:
            return tool_result_text(await _await(self._fn, args, kwargs))
        import anyio.to_thread

        # A sync function runs in a worker thread, so the event loop (and other tools) keep going.
        return tool_result_text(await anyio.to_thread.run_sync(functools.partial(self._fn, *args, **kwargs)))


def _event_loop_running() -> bool:
    """Whether this thread is running an asyncio or trio event loop."""
    import asyncio
    import sys

    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
            return True
        except RuntimeError:
            pass
    return False


async def _await(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


@overload
def tool(
    fn: Callable[P, R], /, *, name: str | None = None, description: str | None = None
) -> FunctionTool[P, R]: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[P, R]], FunctionTool[P, R]]: ...
def tool(
    fn: Callable[P, R] | None = None, /, *, name: str | None = None, description: str | None = None
) -> FunctionTool[P, R] | Callable[[Callable[P, R]], FunctionTool[P, R]]:
    """Turn a function (sync or async), a method or a ``functools.partial`` into a :class:`FunctionTool`.

    As a decorator, ``@tool`` or ``@tool(name=..., description=...)``; as a call, ``tool(fn, name=...)``.
    The description defaults to the docstring's text, parameter descriptions to its ``Args:``
    (Google), ``Parameters`` (NumPy) or ``:param:`` (Sphinx) entries.
    """
    if fn is None:
        return functools.partial(FunctionTool, name=name, description=description)
    return FunctionTool(fn, name=name, description=description)


def tool_result_text(value: Any) -> str:
    """A tool's return value as the tool message's text: a ``str`` as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    return pydantic_core.to_json(value, fallback=str).decode()


class _Docstring:
    """The description and per-parameter descriptions of a docstring, in any common style."""

    def __init__(self, doc: str | None) -> None:
        self.description = ""
        self.params: dict[str, str] = {}
        if not doc:
            return
        import docstring_parser

        parsed = docstring_parser.parse(doc)
        parts = [part for part in (parsed.short_description, parsed.long_description) if part]
        self.description = "\n\n".join(parts)
        self.params = {param.arg_name: param.description for param in parsed.params if param.description}


_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _arguments_model(
    fn: Callable[..., Any], target: Any, name: str, descriptions: dict[str, str]
) -> tuple[type[pydantic.BaseModel], list[str], bool]:
    """A pydantic model of the function's parameters, the names to pass positionally, and whether
    the function is a method defined in a class body (its ``self`` left out of the model)."""
    signature = inspect.signature(fn)
    # A callable object's annotations are its ``__call__``'s (get_type_hints refuses an instance).
    annotated = target if inspect.isroutine(target) or isinstance(target, type) else type(target).__call__
    try:
        hints = typing.get_type_hints(annotated, include_extras=True)
    except Exception:  # an unresolvable forward reference: fall back to the raw annotations
        hints = {}
    parameters = list(signature.parameters.values())
    is_method = bool(
        parameters
        and parameters[0].name in ("self", "cls")
        and inspect.isfunction(fn)
        and "." in fn.__qualname__
        and fn.__qualname__.split(".")[-2] != "<locals>"
    )
    if is_method:
        # A method decorated in its class body: ``self`` is bound on access, never sent by the model.
        parameters = parameters[1:]
    if isinstance(fn, functools.partial) and fn.keywords:
        # What the partial binds by keyword (a client, a key...) is the caller's, not the model's:
        # neither in the schema (nor its value sent as a default) nor overridable by the model.
        parameters = [param for param in parameters if param.name not in fn.keywords]
    fields: dict[str, Any] = {}
    positional: list[str] = []
    for param in parameters:
        if param.kind in _SKIPPED_KINDS:
            raise TypeError(
                f"tool {name!r}: parameter {param.name!r} is variadic; "
                "a tool's arguments must be named parameters"
            )
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        description = descriptions.get(param.name)
        if description and not _has_description(annotation):
            annotation = Annotated[annotation, pydantic.Field(description=description)]
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, default)
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional.append(param.name)
    model = pydantic.create_model(
        f"{name}_arguments",
        __config__=pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=False),
        **fields,
    )
    return model, positional, is_method


def _has_description(annotation: Any) -> bool:
    if typing.get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(meta, FieldInfo) and meta.description for meta in annotation.__metadata__)

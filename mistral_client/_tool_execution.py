"""Running the tool calls a model made, for the tool runners (``chat.tool_runner``,
``conversations.run``): the lookup by name, the arguments validated, the function run, and every
failure (an unknown tool, bad arguments, an exception) turned into the text the model gets back
instead, so it can try again. Each call is an ``execute_tool`` span when tracing is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Union

from . import _tracing
from ._exceptions import InvalidRequestError, InvalidToolArgumentsError
from ._tools import FunctionTool

__all__ = ["PendingCall", "Toolbox", "definition_name", "positive"]

#: One call to run: the tool's name, its arguments (JSON text or an object), the call's id.
PendingCall = tuple[str, Union[str, Mapping[str, Any]], Union[str, None]]


def positive(name: str, value: object) -> int:
    """``value``, checked to be a positive integer (``max_iterations``, ``max_concurrency``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRequestError(
            f"{name}: must be a positive integer, got {value!r}",
            errors=[(name, "must be a positive integer")],
        )
    return value


def definition_name(item: Any) -> str | None:
    """The function name of a tool given as a dict or a ``Tool`` model (``None`` for others)."""
    function = item.get("function") if isinstance(item, Mapping) else getattr(item, "function", None)
    name = function.get("name") if isinstance(function, Mapping) else getattr(function, "name", None)
    return name if isinstance(name, str) else None


class _Refused(Exception):
    """A call that was not run (unknown tool, bad arguments): its text goes to the model."""

    def __init__(self, text: str, kind: str) -> None:
        super().__init__(text)
        self.text = text
        self.kind = kind


class Toolbox:
    """The tools a runner was given: the ``@tool`` functions it can run, by name, and the names of
    tools given as definitions only (the model may call them; nothing here can run them)."""

    def __init__(self, tools: Sequence[Any]) -> None:
        self.functions: dict[str, FunctionTool[..., Any]] = {
            item.name: item for item in tools if isinstance(item, FunctionTool)
        }
        self.definitions = {name for name in map(definition_name, tools) if name} - set(self.functions)

    def prepare(
        self, name: str, arguments: str | Mapping[str, Any]
    ) -> tuple[FunctionTool[..., Any], list[Any], dict[str, Any]]:
        """The tool and validated arguments of a call; raises :class:`_Refused` with the text to
        send back instead."""
        function = self.functions.get(name)
        if function is None:
            available = ", ".join(sorted(self.functions)) or "none"
            if name in self.definitions:
                raise _Refused(
                    f"error: tool {name!r} was given as a definition only, with no function to run it; "
                    f"tools that can run: {available}",
                    "tool_not_runnable",
                )
            raise _Refused(f"error: unknown tool {name!r}; available tools: {available}", "tool_not_found")
        try:
            args, kwargs = function.validate_arguments(arguments)
        except InvalidToolArgumentsError as exc:
            detail = "; ".join(f"{field}: {message}" for field, message in exc.errors)
            raise _Refused(f"error: invalid arguments for {name}: {detail}", "invalid_arguments") from None
        return function, args, kwargs

    def run(self, call: PendingCall) -> str:
        """Run one call; its result as text, or the error text for the model."""
        name, arguments, call_id = call
        with _tracing.tool_span(self.functions.get(name), name, arguments, call_id) as span:
            try:
                function, args, kwargs = self.prepare(name, arguments)
                result = function._invoke(args, kwargs)
            except Exception as exc:  # the model hears about it and can try again
                return _failed(span, exc)
            _tracing.tool_result(span, result)
            return result

    async def arun(self, call: PendingCall) -> str:
        """The async :meth:`run`: a coroutine function is awaited, a sync one runs in a worker thread."""
        name, arguments, call_id = call
        with _tracing.tool_span(self.functions.get(name), name, arguments, call_id) as span:
            try:
                function, args, kwargs = self.prepare(name, arguments)
                result = await function._ainvoke(args, kwargs)
            except Exception as exc:
                return _failed(span, exc)
            _tracing.tool_result(span, result)
            return result

    async def arun_all(self, calls: Sequence[PendingCall], max_concurrency: int) -> list[str]:
        """Run a turn's calls concurrently, at most ``max_concurrency`` at a time; results in call order."""
        import anyio

        results = [""] * len(calls)
        limiter = anyio.CapacityLimiter(max_concurrency)

        async def run(position: int, call: PendingCall) -> None:
            async with limiter:
                results[position] = await self.arun(call)

        async with anyio.create_task_group() as group:
            for position, call in enumerate(calls):
                group.start_soon(run, position, call)
        return results


def _failed(span: Any, exc: Exception) -> str:
    if isinstance(exc, _Refused):
        _tracing.tool_failed(span, exc.kind, exc.text)
        return exc.text
    _tracing.tool_failed(span, type(exc).__qualname__, str(exc))
    return f"error: {type(exc).__name__}: {exc}"

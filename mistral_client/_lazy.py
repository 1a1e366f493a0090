"""The package's one way to import later what most users never touch.

``import mistral_client`` and ``Client()`` stay light (no pydantic type, no tenacity, no anyio): the
modules that define the API types, build requests or read streams load on first use. Two forms of
one mechanism, ``importlib`` on first attribute access:

- :func:`lazy_module`: a module-level stand-in for a module, for code (``build = lazy_module(...)``,
  under ``if not TYPE_CHECKING`` so that type checkers see the real import);
- :func:`lazy_attributes`: a package's ``__getattr__`` serving public names from their modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


class _LazyModule(ModuleType):
    """Stands in for a module until an attribute is read; then it holds the module's namespace."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update(vars(module))  # later reads are plain attribute reads
        return getattr(module, attribute)


def lazy_module(name: str) -> Any:
    """A stand-in for the module ``name`` (absolute), imported when an attribute is first read."""
    return _LazyModule(name)


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``package``: each name in ``names`` comes from its module (relative to
    the package, e.g. ``"._streaming"``), imported on first access."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        globals_of(package)[name] = value  # later reads do not come back here
        return value

    return __getattr__


def globals_of(package: str) -> dict[str, Any]:
    return vars(importlib.import_module(package))

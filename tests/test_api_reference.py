"""The API reference (docs/api/*.md, one page per area) documents every public name exactly once.

The pages list their objects one by one (``::: mistral_client.Client``), so a new export would be
missing from the reference without this check. Public: the ``__all__`` of ``mistral_client``,
``mistral_client.types``, ``mistral_client.testing`` and ``mistral_client.local``. A name exported
twice (``ChatCompletionChunk`` is ``CompletionChunk``; ``mistral_client.ParsedChatCompletionResponse``
is the one in ``mistral_client.types``) is documented once.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import mistral_client
import mistral_client.local
import mistral_client.testing
import mistral_client.types

API_PAGES = Path(__file__).resolve().parent.parent / "docs" / "api"
PUBLIC: list[ModuleType] = [
    mistral_client,
    mistral_client.types,
    mistral_client.testing,
    mistral_client.local,
]


def _resolve(target: str) -> object:
    module_name, _, name = target.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def _documented() -> dict[str, str]:
    """Each ``::: target`` of the API pages -> its page."""
    targets: dict[str, str] = {}
    for page in sorted(API_PAGES.glob("*.md")):
        for target in re.findall(r"^::: *(\S+)", page.read_text(encoding="utf-8"), re.MULTILINE):
            assert target not in targets, f"{target} is on both {targets[target]} and {page.name}"
            targets[target] = page.name
    return targets


def test_every_public_name_is_documented_once() -> None:
    documented = _documented()
    by_object: dict[int, str] = {}
    for target in documented:
        other = by_object.setdefault(id(_resolve(target)), target)
        assert other == target, f"{target} is {other}: document it once"
    missing = [
        f"{module.__name__}.{name}"
        for module in PUBLIC
        for name in module.__all__
        if not name.startswith("_") and id(getattr(module, name)) not in by_object
    ]
    assert not missing, f"public names missing from docs/api/*.md: {missing}"


def test_the_reference_pages_are_in_the_site_navigation() -> None:
    nav = (API_PAGES.parent.parent / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(f"api/{page.name}" for page in API_PAGES.glob("*.md"))
    assert pages and [page for page in pages if f": {page}\n" not in nav] == []

"""Sync and async cannot drift: ``Client`` and ``AsyncClient`` expose the same resources, methods,
parameters (names, kinds, defaults, annotations) and ``with_raw_response`` forms.

A resource method that makes one request has a raw form with the same name; the methods that run a
workflow (several requests, or none) are listed in the resource's ``workflows``, on both sides alike.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

from mistral_client import AsyncClient, Client
from mistral_client.resources._base import AsyncAPIResource, SyncAPIResource

#: The one intended difference: the async tool runners run a turn's calls concurrently, at most
#: ``max_concurrency`` at a time; the sync ones run them in turn.
ASYNC_ONLY = {
    ("chat", "tool_runner"): {"max_concurrency"},
    ("beta.conversations", "run"): {"max_concurrency"},
    ("beta.conversations", "run_stream"): {"max_concurrency"},
}


def _resources(owner: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in sorted(vars(owner).items()):
        if isinstance(value, (SyncAPIResource, AsyncAPIResource)) and not name.startswith("_"):
            yield prefix + name, value
            yield from _resources(value, f"{prefix}{name}.")


def _methods(resource: Any) -> dict[str, Any]:
    return {
        name: getattr(type(resource), name)
        for name in dir(type(resource))
        if not name.startswith("_")
        and name not in ("with_raw_response", "workflows")
        and callable(getattr(type(resource), name))
    }


def _shape(function: Any) -> list[tuple[str, Any, Any, Any]]:
    signature = inspect.signature(function)
    return [(p.name, p.kind, p.default, p.annotation) for p in signature.parameters.values()]


def _returns(function: Any) -> str:
    # The async side returns the Async... twin of each type (AsyncStream, AsyncToolRunner...).
    return re.sub(r"\bAsync", "", str(inspect.signature(function).return_annotation))


def _pairs() -> list[tuple[str, Any, Any]]:
    sync, asynchronous = Client(api_key="k"), AsyncClient(api_key="k")
    sync_resources, async_resources = dict(_resources(sync)), dict(_resources(asynchronous))
    assert sorted(sync_resources) == sorted(async_resources), "the clients expose different resources"
    return [(name, sync_resources[name], async_resources[name]) for name in sorted(sync_resources)]


@pytest.mark.parametrize(("name", "sync", "asynchronous"), _pairs(), ids=[p[0] for p in _pairs()])
def test_each_resource_has_the_same_methods_and_parameters(name: str, sync: Any, asynchronous: Any) -> None:
    sync_methods, async_methods = _methods(sync), _methods(asynchronous)
    assert sorted(sync_methods) == sorted(async_methods), name
    assert type(sync).workflows == type(asynchronous).workflows, name
    for method in sync_methods:
        only = ASYNC_ONLY.get((name, method), set())
        async_shape = [p for p in _shape(async_methods[method]) if p[0] not in only]
        assert _shape(sync_methods[method]) == async_shape, f"{name}.{method}"
        assert _returns(sync_methods[method]) == _returns(async_methods[method]), f"{name}.{method}"
        if method not in type(sync).workflows:
            # A coroutine on the async side, except the streams (entered or iterated, not awaited).
            is_stream = "Stream" in _returns(sync_methods[method])
            assert inspect.iscoroutinefunction(async_methods[method]) != is_stream, f"{name}.{method}"


@pytest.mark.parametrize(("name", "sync", "asynchronous"), _pairs(), ids=[p[0] for p in _pairs()])
def test_every_request_method_has_its_raw_form_on_both_sides(name: str, sync: Any, asynchronous: Any) -> None:
    requests = sorted(set(_methods(sync)) - type(sync).workflows)
    if not requests:
        assert not hasattr(sync, "with_raw_response") and not hasattr(asynchronous, "with_raw_response")
        return
    for resource in (sync, asynchronous):
        raw = resource.with_raw_response
        raw_methods = sorted(n for n in dir(raw) if not n.startswith("_") and callable(getattr(raw, n)))
        assert raw_methods == requests, f"{name}.with_raw_response of {type(resource).__name__}"
    sync_raw, async_raw = sync.with_raw_response, asynchronous.with_raw_response
    for method in requests:
        assert _shape(getattr(sync_raw, method)) == _shape(getattr(async_raw, method)), f"{name}.{method}"


def test_a_method_on_one_side_only_is_caught() -> None:
    """The check itself: a public method the async side lacks makes the method sets differ."""
    from mistral_client.resources.models import Models

    class Extended(Models):
        def archive(self, model_id: str) -> None: ...

    client = Client(api_key="k")
    assert sorted(_methods(Extended(client))) != sorted(_methods(AsyncClient(api_key="k").models))
    assert set(_methods(Extended(client))) - set(type(client.models).workflows) != set(
        n for n in dir(client.models.with_raw_response) if not n.startswith("_")
    )

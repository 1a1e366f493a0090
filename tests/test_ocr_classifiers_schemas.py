"""Every OCR and classifier response the spec allows parses: generated from its response schemas,
and its own examples (the machinery of tests/test_response_schemas.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mistral_client._http._core import _HTTPCore
from mistral_client.types import ClassificationResponse, ModerationResponse, OCRResponse

from .test_response_schemas import FAST, _spec, _strategy, hypothesis_jsonschema

PARSERS: dict[str, Callable[[str | bytes], Any]] = {
    "OCRResponse": OCRResponse.model_validate_json,
    "ModerationResponse": ModerationResponse.model_validate_json,
    "ClassificationResponse": ClassificationResponse.model_validate_json,
}


def _parse(name: str, document: Any) -> Any:
    """Parse as the HTTP backend does (its lenient fallback included)."""
    core = _HTTPCore(api_key=None, base_url="http://x", default_headers=None, retry_policy=None)
    request: Any = type("R", (), {"parse": staticmethod(PARSERS[name])})()
    return core.parse(
        request, httpx2.Response(200, request=httpx2.Request("GET", "http://x")), json.dumps(document)
    )


def _exercise(parsed: Any, document: Any) -> None:
    """The accessors a caller reaches for work on whatever the spec allows."""
    if isinstance(parsed, OCRResponse):
        assert len(parsed.pages) == len(document["pages"])  # no page is ever dropped
        assert parsed.markdown == "\n\n".join(
            page["markdown"] for page in sorted(document["pages"], key=lambda page: page["index"])
        )
    if isinstance(parsed, ModerationResponse):
        assert len(parsed.results) == len(document["results"])
        for result in parsed.results:
            assert isinstance(result.flagged, bool) and isinstance(result.flagged_categories, list)
    if isinstance(parsed, ClassificationResponse):
        assert [set(result) for result in parsed.results] == [set(result) for result in document["results"]]


@cache
def _ocr_strategy() -> st.SearchStrategy[Any]:
    """OCRResponse documents the spec allows, a narrower sample than ``_strategy``'s: the objects below
    a page take no members the spec does not name, and lists hold at most 3 items. Left open, the
    generator spends half a minute canonicalising arbitrary extra members of the 20-odd nested
    objects; unknown fields are still generated at the top and in each page (and tested by hand in
    tests/test_ocr.py)."""
    schemas = _spec()["components"]["schemas"]

    def closed(node: Any) -> Any:
        if isinstance(node, list):
            return [closed(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return closed(schemas[node["$ref"].rsplit("/", 1)[-1]])
        out = {key: closed(value) for key, value in node.items() if key != "discriminator"}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        if out.get("type") == "array":
            out.setdefault("maxItems", 3)
        return out

    schema = closed(schemas["OCRResponse"])
    del schema["additionalProperties"], schema["properties"]["pages"]["items"]["additionalProperties"]
    return hypothesis_jsonschema.from_schema(schema)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_responses_generated_from_the_spec_parse(name: str) -> None:
    strategy = _ocr_strategy() if name == "OCRResponse" else _strategy(name)

    @FAST
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        document = data.draw(strategy)
        _exercise(_parse(name, document), document)

    check()


def _examples() -> Iterator[tuple[str, str, Any]]:
    for path, item in _spec()["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                for media in (response.get("content") or {}).values():
                    name = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                    if name in PARSERS:
                        for key, example in (media.get("examples") or {}).items():
                            yield f"{method.upper()} {path} {status} {key}", name, example.get("value")


EXAMPLES = list(_examples())


def test_the_spec_has_examples_for_ocr_and_moderation() -> None:
    assert {"OCRResponse", "ModerationResponse"} <= {name for _, name, _ in EXAMPLES}


@pytest.mark.parametrize(("where", "name", "example"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_every_example_response_in_the_spec_parses(where: str, name: str, example: Any) -> None:
    parsed = _parse(name, example)
    _exercise(parsed, example)
    if isinstance(parsed, OCRResponse):
        assert parsed.pages and all(page.markdown for page in parsed.pages)
    if isinstance(parsed, ModerationResponse):
        assert parsed.results and not any(result.flagged for result in parsed.results)

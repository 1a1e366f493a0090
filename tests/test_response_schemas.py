"""Every response the spec allows parses: generated from its response schemas, and its own examples.

Optional properties may be absent, unknown fields are kept, and an odd value in a field the caller does
not need keeps the rest of the response usable (the raw value stays in the owner's ``model_extra``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mistral_client as mc
from mistral_client._conversation_stream import parse_event as _parse_event
from mistral_client._endpoints.chat import parse_chunk as _parse_chunk
from mistral_client._endpoints.conversations import parse_conversation as _parse_conversation
from mistral_client._endpoints.models import parse_model_card as _parse_model_card
from mistral_client._http._core import _HTTPCore
from mistral_client.types import (
    ChatCompletionResponse,
    CompletionChunk,
    EmbeddingResponse,
    FIMCompletionResponse,
    ModelList,
)
from mistral_client.types import libraries as library_types
from mistral_client.types.agents import Agent, AgentAliasResponse
from mistral_client.types.conversations import (
    ConversationHistory,
    ConversationResponse,
    UnknownEvent,
)
from mistral_client.types.models import DeleteModelResponse

from .conftest import SPEC_PATH

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")


class _Many:
    """``many(...).more()`` as hypothesis-jsonschema 0.23 draws object keys with it: hypothesis 6.1xx
    replaced that internal API (``many`` became a context manager), so objects failed to generate."""

    def __init__(self, data: Any, min_size: int, max_size: float, average_size: float) -> None:
        self.data, self.min_size, self.max_size, self.count = data, min_size, max_size, 0
        span = max(average_size - min_size, 0.0)
        self.p_continue = span / (span + 1.0) if max_size > min_size else 0.0
        self.rejections = 0

    def more(self) -> bool:
        if self.count < self.min_size or (
            self.count < self.max_size and self.data.draw_boolean(self.p_continue)
        ):
            self.count += 1
            return True
        return False

    def reject(self) -> None:
        self.rejections += 1
        if self.rejections > 20:
            self.data.mark_invalid()
        self.count -= 1


if not hasattr(hypothesis_jsonschema._from_schema.cu.many, "more"):  # its only use of `cu`
    hypothesis_jsonschema._from_schema.cu = SimpleNamespace(many=_Many)

#: The events of a conversation stream (the data of the spec's ConversationEvents).
CONVERSATION_EVENTS = (
    "ResponseStartedEvent",
    "ResponseDoneEvent",
    "ResponseErrorEvent",
    "ToolExecutionStartedEvent",
    "ToolExecutionDeltaEvent",
    "ToolExecutionDoneEvent",
    "MessageOutputEvent",
    "FunctionCallEvent",
    "AgentHandoffStartedEvent",
    "AgentHandoffDoneEvent",
)

#: The spec's response schemas, and how the SDK parses each (the parser its request uses).
PARSERS: dict[str, Callable[[str | bytes], Any]] = {
    "ChatCompletionResponse": ChatCompletionResponse.model_validate_json,
    "FIMCompletionResponse": FIMCompletionResponse.model_validate_json,
    "EmbeddingResponse": EmbeddingResponse.model_validate_json,
    "ModelList": ModelList.model_validate_json,
    "CompletionChunk": _parse_chunk,
    "BaseModelCard": _parse_model_card,
    "FTModelCard": _parse_model_card,
    "DeleteModelResponse": DeleteModelResponse.model_validate_json,
    # The listings of libraries, documents and accesses hold these (their pages: tests/test_libraries.py).
    "Library": library_types.Library.model_validate_json,
    "Document": library_types.Document.model_validate_json,
    "DocumentTextContent": library_types.DocumentTextContent.model_validate_json,
    "ProcessingStatus": library_types.ProcessingStatus.model_validate_json,
    "Sharing": library_types.Sharing.model_validate_json,
    "Agent": Agent.model_validate_json,
    "AgentAliasResponse": AgentAliasResponse.model_validate_json,
    "ConversationResponse": ConversationResponse.model_validate_json,
    "ConversationHistory": ConversationHistory.model_validate_json,
    # ConversationMessages (message entries only) is left out: ConversationHistory holds those entries
    # too, and generating both costs ~10 s.
    "ModelConversation": _parse_conversation,
    "AgentConversation": _parse_conversation,
    **{name: _parse_event for name in CONVERSATION_EVENTS},
}

FAST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
)


@cache
def _spec() -> dict[str, Any]:
    with SPEC_PATH.open() as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


def _parse(name: str, document: Any) -> Any:
    """Parse as the HTTP backend does (its lenient fallback included)."""
    core = _HTTPCore(api_key=None, base_url="http://x", default_headers=None, retry_policy=None)
    request: Any = type("R", (), {"parse": staticmethod(PARSERS[name])})()
    return core.parse(
        request, httpx2.Response(200, request=httpx2.Request("GET", "http://x")), json.dumps(document)
    )


@cache
def _strategy(name: str) -> st.SearchStrategy[Any]:
    components = _spec()["components"]
    return hypothesis_jsonschema.from_schema({**components["schemas"][name], "components": components})


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_responses_generated_from_the_spec_parse(name: str) -> None:
    @FAST
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        document = data.draw(_strategy(name))
        parsed = _parse(name, document)
        _exercise(parsed)

    check()


def _exercise(parsed: Any) -> None:
    """The convenience accessors behave on sparse responses: a value or a clear error, never a crash."""
    if isinstance(parsed, ChatCompletionResponse):
        assert isinstance(parsed.text, str)
        for choice in parsed.choices:
            assert choice.message.role == "assistant" or isinstance(choice.message.role, str)
    if isinstance(parsed, EmbeddingResponse):
        try:
            vectors = parsed.embeddings
        except mc.APIResponseValidationError as error:
            assert error.field.startswith("data.") and error.field.endswith(".embedding")
        else:
            assert len(vectors) == len(parsed.data)  # never silently drops an item
    if isinstance(parsed, CompletionChunk):
        for choice in parsed.choices:
            assert choice.delta is not None
    if isinstance(parsed, ConversationResponse):
        assert isinstance(parsed.text, str) and isinstance(parsed.function_calls, list)
    # A conversation event of a known type parses into that type, never the unknown stand-in.
    assert not isinstance(parsed, UnknownEvent)


def _examples() -> Iterator[tuple[str, str, Any]]:
    """(where, schema name, example) for every example response of a schema the SDK parses."""
    spec = _spec()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                for media in (response.get("content") or {}).values():
                    schema = media.get("schema", {})
                    # A model card is oneOf [BaseModelCard, FTModelCard]: one parser for both.
                    ref = schema.get("$ref") or next(iter(schema.get("oneOf") or [{}])).get("$ref", "")
                    name = ref.rsplit("/", 1)[-1]
                    if name not in PARSERS:
                        continue
                    for key, example in (media.get("examples") or {}).items():
                        yield f"{method.upper()} {path} {status} {key}", name, example.get("value")
    for name in PARSERS:
        for i, example in enumerate(spec["components"]["schemas"][name].get("examples", [])):
            yield f"{name} example {i}", name, example


EXAMPLES = list(_examples())


def test_the_spec_has_examples_for_the_parsed_responses() -> None:
    names = {name for _, name, _ in EXAMPLES}
    assert {"ChatCompletionResponse", "FIMCompletionResponse", "EmbeddingResponse"} <= names


@pytest.mark.parametrize(("where", "name", "example"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_every_example_response_in_the_spec_parses(where: str, name: str, example: Any) -> None:
    parsed = _parse(name, example)
    _exercise(parsed)


def test_an_odd_value_in_a_field_the_caller_does_not_need_keeps_the_response() -> None:
    # The spec's own example: usage.prompt_audio_seconds is {} where the schema says integer or null.
    document = {
        "id": "x",
        "object": "chat.completion",
        "model": "m",
        "created": 1,
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "prompt_audio_seconds": {}},
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": 7}],
        "brand_new": {"a": 1},
    }
    response = ChatCompletionResponse.model_validate_json(json.dumps(document))
    assert response.text == "hi" and response.usage.total_tokens == 3
    assert response.usage.prompt_audio_seconds is None
    assert response.usage.model_extra == {"prompt_audio_seconds": {}}  # the raw value stays reachable
    assert response.choices[0].finish_reason is None
    assert response.choices[0].model_extra == {"finish_reason": 7}
    assert response.model_extra == {"brand_new": {"a": 1}}  # unknown fields are kept


def test_unusable_needed_data_raises_naming_the_field(serve: Any) -> None:
    bad = {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": 42}}]}
    server = serve(lambda request, conn: conn.respond_json(200, bad))
    client = mc.Client(api_key="k", base_url=server.url, max_retries=0)
    with pytest.raises(mc.APIResponseValidationError) as info:
        client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}])
    assert info.value.field == "choices.0.message.content"
    assert "choices.0.message.content" in str(info.value)


def test_a_sparse_stream_chunk_parses() -> None:
    chunk = _parse("CompletionChunk", {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}}]})
    assert chunk.choices[0].delta.content is None
    odd = _parse(
        "CompletionChunk",
        {"id": "c", "model": "m", "created": "soon", "choices": [{"index": 0, "delta": {"content": "x"}}]},
    )
    assert odd.created is None and odd.model_extra == {"created": "soon"}
    assert odd.choices[0].delta.content == "x"


def test_sparse_chat_accessors() -> None:
    response = ChatCompletionResponse.model_validate({"choices": [{"index": 0, "finish_reason": "stop"}]})
    assert response.text == ""
    assert response.choices[0].message.content is None

"""Request building: every body matches the spec's request schema, bad input fails before sending."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from mistral_client import Client, InvalidRequestError
from mistral_client.types import (
    AssistantMessage,
    ChatCompletionResponse,
    Function,
    FunctionCall,
    ImageURLChunk,
    ResponseFormat,
    SystemMessage,
    TextChunk,
    Tool,
    ToolCall,
    ToolMessage,
    UserMessage,
)

from .conftest import SpecValidator
from .loopback import chat_response

EMBEDDINGS = {
    "id": "e",
    "object": "list",
    "model": "mistral-embed",
    "usage": {"prompt_tokens": 2, "total_tokens": 2},
    "data": [{"object": "embedding", "embedding": [0.1, 0.2], "index": 0}],
}


@pytest.fixture
def api() -> Any:
    with respx.mock(using="httpcore2", base_url="http://x", assert_all_called=False) as router:
        router.post("/v1/chat/completions").respond(200, json=chat_response())
        router.post("/v1/fim/completions").respond(200, json=chat_response("c = a + b"))
        router.post("/v1/embeddings").respond(200, json=EMBEDDINGS)
        yield router


@pytest.fixture
def client() -> Client:
    return Client(api_key="k", base_url="http://x", max_retries=0)


def sent(router: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(router.calls.last.request.content)
    return body


def test_minimal_chat_sends_only_what_was_given(
    api: Any, client: Client, validate_request: SpecValidator
) -> None:
    client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}], temperature=None)
    body = sent(api)
    assert body == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    validate_request("ChatCompletionRequest", body)


def test_full_chat_with_dicts_matches_spec(api: Any, client: Client, validate_request: SpecValidator) -> None:
    client.chat.complete(
        model="mistral-large-latest",
        messages=[
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": "https://x/cat.png"},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "abc123def",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "abc123def", "name": "weather", "content": "sunny"},
        ],
        temperature=0.3,
        top_p=0.9,
        max_tokens=100,
        stop=["\n\n"],
        random_seed=42,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": {"type": "object"}},
        },
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "weather",
                    "description": "Weather in a city",
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ],
        tool_choice={"type": "function", "function": {"name": "weather"}},
        presence_penalty=0.1,
        frequency_penalty=0.2,
        n=2,
        prediction={"type": "content", "content": "Paris"},
        parallel_tool_calls=False,
        safe_prompt=True,
        metadata={"team": "blue"},
        prompt_cache_key="conv-1",
    )
    body = sent(api)
    validate_request("ChatCompletionRequest", body)
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert body["messages"][3] == {
        "role": "tool",
        "tool_call_id": "abc123def",
        "name": "weather",
        "content": "sunny",
    }


def test_chat_with_models_matches_spec(api: Any, client: Client, validate_request: SpecValidator) -> None:
    client.chat.complete(
        model="m",
        messages=[
            SystemMessage(content="Be brief."),
            UserMessage(content=[TextChunk(text="Look"), ImageURLChunk(image_url="https://x/cat.png")]),
            AssistantMessage(
                tool_calls=[ToolCall(id="abc123def", function=FunctionCall(name="f", arguments="{}"))]
            ),
            ToolMessage(content="42", tool_call_id="abc123def"),
        ],
        tools=[Tool(function=Function(name="f", parameters={"type": "object"}))],
        response_format=ResponseFormat(type="json_object"),
        tool_choice="any",
    )
    body = sent(api)
    validate_request("ChatCompletionRequest", body)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "tool"]
    assert body["messages"][1]["content"][0] == {"type": "text", "text": "Look"}
    assert body["tools"][0]["type"] == "function"


def test_response_message_sent_back_drops_unknown_fields(
    api: Any, client: Client, validate_request: SpecValidator
) -> None:
    response = ChatCompletionResponse.model_validate(
        chat_response()
        | {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "x", "future_field": 1},
                }
            ]
        }
    )
    message = response.choices[0].message
    assert message.model_extra == {"future_field": 1}  # kept when parsing
    client.chat.complete(model="m", messages=[{"role": "user", "content": "hi"}, message])
    body = sent(api)
    validate_request("ChatCompletionRequest", body)
    assert "future_field" not in body["messages"][1]


def test_fim_and_embeddings_match_spec(api: Any, client: Client, validate_request: SpecValidator) -> None:
    result = client.fim.complete(
        model="codestral-latest",
        prompt="def add(a, b):",
        suffix="    return c",
        max_tokens=20,
        min_tokens=1,
        stop="\n\n",
    )
    validate_request("FIMCompletionRequest", sent(api))
    assert result.choices[0].message.content == "c = a + b"
    embeddings = client.embeddings.create(
        model="mistral-embed",
        input=["a", "b"],
        output_dimension=256,
        output_dtype="float",
        encoding_format="float",
    )
    validate_request("EmbeddingRequest", sent(api))
    assert embeddings.embeddings == [[0.1, 0.2]]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"messages": []}, "messages"),
        ({"temperature": 2.0}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 0}, "top_p"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0"),
        ({"messages": [{"role": "user", "content": "hi", "nmae": "x"}]}, "messages.0.user.nmae"),
        ({"messages": "hi"}, "messages"),
        ({"temprature": 0.5}, "temprature"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"response_format": {"type": "yaml"}}, "response_format.type"),
        ({"stream": True}, "stream"),
        ({"temperature": "0.5"}, "temperature"),
        ({"max_tokens": True}, "max_tokens"),
        ({"random_seed": "5"}, "random_seed"),
        ({"safe_prompt": "yes"}, "safe_prompt"),
        ({"model": 7}, "model"),
        ({"stop": 3}, "stop"),
    ],
)
def test_bad_input_fails_before_sending(client: Client, kwargs: dict[str, Any], field: str) -> None:
    params: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **kwargs}
    with respx.mock(using="httpcore2", base_url="http://x", assert_all_called=False) as router:
        route = router.post("/v1/chat/completions").respond(200, json=chat_response())
        with pytest.raises(InvalidRequestError) as info:
            client.chat.complete(**params)
    assert not route.called
    fields = [f for f, _ in info.value.errors]
    assert any(f.startswith(field) for f in fields), fields
    assert field.split(".")[0] in str(info.value)
    assert isinstance(info.value, ValueError)


def test_bad_embedding_and_fim_input(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="input"):
        client.embeddings.create(model="mistral-embed", input=[])
    with pytest.raises(InvalidRequestError, match="output_dimension"):
        client.embeddings.create(model="mistral-embed", input="a", output_dimension=0)
    with pytest.raises(InvalidRequestError, match="prompt"):
        client.fim.complete(model="codestral-latest")  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="model_id"):
        client.models.retrieve("")


def test_sequences_may_be_tuples_and_ints_may_be_floats(api: Any, client: Client) -> None:
    client.chat.complete(
        model="m", messages=({"role": "user", "content": "hi"},), temperature=1, stop=("a", "b")
    )
    body = sent(api)
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["temperature"] == 1 and body["stop"] == ["a", "b"]


def test_stream_bad_input_raises_at_call_time(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="temperature"):
        client.chat.stream(model="m", messages=[{"role": "user", "content": "hi"}], temperature=9)

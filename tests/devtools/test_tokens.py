"""client.tokens.count against mistral-common itself."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mistral_client import AsyncClient, Client, MistralError, tool

pytest.importorskip("mistral_common")

from mistral_common.protocol.fim.request import FIMRequest
from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

MESSAGES = [
    {"role": "system", "content": "Answer in one word."},
    {"role": "user", "content": "What is the capital of France?"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def reference(tokenizer: MistralTokenizer, messages: list[dict[str, Any]], tools: Any = None) -> int:
    request: Any = ChatCompletionRequest.model_validate({"messages": messages, "tools": tools})
    return len(tokenizer.encode_chat_completion(request).tokens)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(api_key="unused")  # nothing is sent


@pytest.mark.parametrize(
    ("model", "tokenizer"),
    [
        ("mistral-large-2411", MistralTokenizer.v7),
        ("open-mistral-7b", MistralTokenizer.v2),  # an alias of mistral-tiny-2312
        ("pixtral-large-latest", lambda: MistralTokenizer.v7(is_mm=True)),
    ],
)
def test_exact_counts_match_mistral_common(client: Client, model: str, tokenizer: Any) -> None:
    count = client.tokens.count(model=model, messages=MESSAGES, tools=TOOLS)
    assert count.tokens == reference(tokenizer(), MESSAGES, TOOLS)
    assert count.exact and count.note is None
    assert count.context_window is not None and count.fits(max_tokens=1000)


def test_fim_count_and_a_fine_tuned_model(client: Client) -> None:
    expected = MistralTokenizer.v3().encode_fim(
        FIMRequest(prompt="def add(a, b):\n", suffix="\nprint(add(1, 2))")
    )
    count = client.tokens.count(
        model="ft:codestral-2405:my-org:abc123", prompt="def add(a, b):\n", suffix="\nprint(add(1, 2))"
    )
    assert (count.tokens, count.exact) == (len(expected.tokens), True)
    assert "v3" in count.tokenizer


def test_a_tool_conversation_with_api_style_ids(client: Client) -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_0", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_0", "name": "get_weather", "content": "sunny"},
    ]
    count = client.tokens.count(model="mistral-large-latest", messages=messages, tools=TOOLS)
    assert count.exact and count.tokens > reference(MistralTokenizer.v7(), messages[:1], TOOLS)


def test_a_tool_function_counts_as_its_definition(client: Client) -> None:
    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny"

    count = client.tokens.count(model="mistral-large-2411", messages=MESSAGES, tools=[get_weather])
    assert count.exact
    assert count.tokens == reference(MistralTokenizer.v7(), MESSAGES, [get_weather.definition])


def test_fallbacks_say_so(client: Client) -> None:
    newer = client.tokens.count(model="mistral-small-latest", messages=MESSAGES)
    assert not newer.exact and "mistral-small-2506" in (newer.note or "")
    unknown = client.tokens.count(model="someone-elses-model", messages=MESSAGES)
    assert not unknown.exact and "unknown model" in (unknown.note or "")
    assert unknown.context_window is None
    with pytest.raises(MistralError, match="context window"):
        unknown.fits()


def test_the_context_window_check(client: Client) -> None:
    long = [{"role": "user", "content": "word " * 40_000}]
    count = client.tokens.count(model="mistral-small-2402", messages=long)
    assert count.context_window == 32_768
    assert not count.fits() and count.remaining is not None and count.remaining < 0


def test_bad_calls_fail_before_counting(client: Client) -> None:
    with pytest.raises(MistralError, match="either messages"):
        client.tokens.count(model="mistral-large-2411")
    with pytest.raises(MistralError, match="messages"):
        client.tokens.count(model="mistral-large-2411", messages=[{"role": "nobody"}])


def test_a_clear_error_without_mistral_common(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from mistral_client import _token_counting

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mistral_common" else real(name, *a)
    )
    _token_counting._mistral_tokenizer.cache_clear()
    try:
        with pytest.raises(MistralError, match=r"pip install 'mistral-client\[tokens\]'"):
            client.tokens.count(model="mistral-large-2411", messages=MESSAGES)
    finally:
        _token_counting._mistral_tokenizer.cache_clear()


@pytest.fixture(scope="module")
def tokenizer_only_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local model directory's tokenizer and config (token counting never loads the weights)."""
    directory = tmp_path_factory.mktemp("local-model")
    spec = importlib.util.find_spec("mistral_common")
    assert spec is not None and spec.origin is not None
    shutil.copy(Path(spec.origin).parent / "data" / "tekken_240911.json", directory / "tekken.json")
    config = {"model_type": "mistral", "max_position_embeddings": 256}
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def test_the_local_backend_counts_with_the_models_own_tokenizer(tokenizer_only_model: Path) -> None:
    from mistral_client.local import LocalBackend

    client = Client(backend=LocalBackend(tokenizer_only_model))
    count = client.tokens.count(model="local", messages=MESSAGES, tools=TOOLS)
    own = MistralTokenizer.from_file(str(tokenizer_only_model / "tekken.json"))
    assert count.tokens == reference(own, MESSAGES, TOOLS)
    assert count.exact and count.context_window == 256


@pytest.mark.anyio
async def test_async_count(anyio_backend: str) -> None:
    async with AsyncClient(api_key="unused") as client:
        count = await client.tokens.count(model="mistral-large-2411", messages=MESSAGES)
    assert count.tokens == reference(MistralTokenizer.v7(), MESSAGES)

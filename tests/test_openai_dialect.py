"""``dialect="openai"``: exactly what the client sends to an OpenAI-compatible server, on loopback.

The same against real servers (llama-cpp-python's, ``transformers serve``) is in
tests/test_openai_compatible.py; here each body is compared field for field.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mistral_client import AsyncClient, Client
from mistral_client._exceptions import (
    APIStatusError,
    ConfigurationError,
    NotFoundError,
    UnsupportedParameterError,
)
from mistral_client._http import AsyncHTTPBackend, HTTPBackend
from mistral_client.local._request_mapping import SAFE_PROMPT

from .loopback import DONE, Conn, LoopbackServer, Request, chat_response

MSG = [{"role": "user", "content": "Hi"}]
WEATHER = {
    "type": "function",
    "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}},
}


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "m",
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def _event(document: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(document).encode() + b"\n\n"


def _openai_server(request: Request, conn: Conn) -> None:
    """Chat and completions as an OpenAI-compatible server answers them; no /v1/fim/completions."""
    body = request.json() if request.body else {}
    if request.path == "/v1/completions":
        if body.get("stream"):
            chunk = _completion("ab")
            chunk["choices"][0]["finish_reason"] = None
            del chunk["usage"]
            conn.stream_events([_event(chunk), DONE])
        else:
            conn.respond_json(200, _completion("ab"))
    elif request.path == "/v1/chat/completions":
        if body.get("stream"):
            conn.stream_events(
                [
                    _event({"id": "c", "choices": [{"index": 0, "delta": {"content": "ok"}}]}),
                    _event({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
                    DONE,
                ]
            )
        else:
            conn.respond_json(200, chat_response("ok"))
    elif request.path == "/v1/embeddings":
        conn.respond_json(
            200,
            {
                "id": "e",
                "object": "list",
                "model": "m",
                "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.5]}],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            },
        )
    else:
        conn.respond_json(404, {"detail": "Not Found", "path": request.path})


@pytest.fixture
def server() -> Any:
    with LoopbackServer(_openai_server) as running:
        yield running


def _openai(server: LoopbackServer) -> Client:
    return Client(base_url=server.url, api_key="x", dialect="openai")


# --- chat -------------------------------------------------------------------------------------------


def test_chat_body_in_the_openai_dialect(server: LoopbackServer) -> None:
    with _openai(server) as client:
        client.chat.complete(
            model="m",
            messages=MSG,
            max_tokens=4,
            temperature=0.5,
            random_seed=7,
            tools=[WEATHER],
            tool_choice="any",
            parallel_tool_calls=False,
            response_format={"type": "json_object"},
            metadata={"k": "v"},
            prompt_cache_key="c",
            service_tier="standard_only",
        )
    assert server.requests[0].json() == {
        "model": "m",
        "messages": MSG,
        "max_tokens": 4,
        "temperature": 0.5,
        "seed": 7,
        "tools": [{"type": "function", "function": WEATHER["function"]}],
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "response_format": {"type": "json_object"},
    }


def test_a_named_tool_choice_is_sent_as_is(server: LoopbackServer) -> None:
    choice = {"type": "function", "function": {"name": "weather"}}
    with _openai(server) as client:
        client.chat.complete(model="m", messages=MSG, tools=[WEATHER], tool_choice=choice)
    assert server.requests[0].json()["tool_choice"] == choice


def test_a_reply_comes_back_as_the_server_takes_it(server: LoopbackServer) -> None:
    # As llama-cpp-python's server answers a forced call: content null, the legacy function_call.
    reply = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
        ],
        "function_call": {"name": "weather", "arguments": "{}"},
        "refusal": None,
    }
    with _openai(server) as client:
        message = client.chat.complete(model="m", messages=MSG).choices[0].message
        plain = message.model_dump()  # {"tool_calls": None, "prefix": False, ...}
        tool = {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
        client.chat.complete(model="m", messages=[*MSG, reply, tool])
        client.chat.complete(model="m", messages=[*MSG, plain, {"role": "user", "content": "?"}])
    sent = server.requests[1].json()["messages"][1]
    assert sent == {"role": "assistant", "content": "", "tool_calls": reply["tool_calls"]}
    assert server.requests[2].json()["messages"][1] == {"role": "assistant", "content": "ok"}


def test_a_reply_with_response_fields_round_trips_in_the_mistral_dialect_too(
    server: LoopbackServer,
) -> None:
    reply = {"role": "assistant", "content": "ok", "function_call": None, "reasoning_content": "hm"}
    with Client(base_url=server.url, api_key="x") as client:
        client.chat.complete(model="m", messages=[*MSG, reply, {"role": "user", "content": "?"}])
    # Accepted, and not sent: the spec has no such fields.
    assert server.requests[0].json()["messages"][1] == {"role": "assistant", "content": "ok"}


def test_a_typo_in_an_assistant_turn_still_fails(server: LoopbackServer) -> None:
    with _openai(server) as client, pytest.raises(ValueError, match=r"messages\.1\.assistant\.contnet"):
        client.chat.complete(model="m", messages=[*MSG, {"role": "assistant", "contnet": "x"}])
    assert server.requests == []


def test_image_url_strings_become_objects(server: LoopbackServer) -> None:
    content = [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": "https://x/a.png"}]
    with _openai(server) as client:
        client.chat.complete(model="m", messages=[{"role": "user", "content": content}])
    assert server.requests[0].json()["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://x/a.png"},
    }


def test_safe_prompt_is_the_system_prompt_the_api_would_add(server: LoopbackServer) -> None:
    with _openai(server) as client:
        client.chat.complete(model="m", messages=MSG, safe_prompt=True)
    body = server.requests[0].json()
    assert "safe_prompt" not in body
    assert body["messages"] == [{"role": "system", "content": SAFE_PROMPT}, *MSG]


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"prompt_mode": "reasoning"}, "prompt_mode"),
        ({"guardrails": [{"block_on_error": True}]}, "guardrails"),
        ({"tools": [{"type": "web_search"}]}, "tools"),
    ],
)
def test_what_has_no_openai_form_fails_before_sending(
    server: LoopbackServer, arguments: dict[str, Any], parameter: str
) -> None:
    with _openai(server) as client, pytest.raises(UnsupportedParameterError) as caught:
        client.chat.complete(model="m", messages=MSG, **arguments)
    assert caught.value.parameter == parameter
    assert server.requests == []


def test_streams_ask_for_usage_and_have_none_when_the_server_sends_none(server: LoopbackServer) -> None:
    with _openai(server) as client:
        with client.chat.stream(model="m", messages=MSG) as stream:
            final = stream.get_final_response()
        with client.chat.stream(
            model="m", messages=MSG, extra_body={"stream_options": {"include_usage": False}}
        ) as stream:
            stream.get_final_response()
    assert final.text == "ok"
    assert final.usage is None  # not zeros
    assert server.requests[0].json()["stream_options"] == {"include_usage": True}
    assert server.requests[1].json()["stream_options"] == {"include_usage": False}  # extra_body wins


def test_a_whole_response_without_usage_has_none() -> None:
    def handler(request: Request, conn: Conn) -> None:
        response = chat_response("ok")
        del response["usage"]
        conn.respond_json(200, response)

    with LoopbackServer(handler) as server, Client(base_url=server.url, api_key="x") as client:
        assert client.chat.complete(model="m", messages=MSG).usage is None


# --- FIM --------------------------------------------------------------------------------------------


def test_fim_goes_to_completions_with_openais_body(server: LoopbackServer) -> None:
    with _openai(server) as client:
        response = client.fim.complete(
            model="m",
            prompt="p",
            suffix="s",
            max_tokens=4,
            temperature=0.5,
            top_p=0.9,
            stop=["\n"],
            random_seed=7,
            min_tokens=1,
            metadata={"k": "v"},
            prompt_cache_key="c",
        )
        chunks = list(client.fim.stream(model="m", prompt="p"))
    assert response.text == "ab"
    assert response.object == "chat.completion"
    assert response.usage is not None and response.usage.total_tokens == 5
    assert [chunk.choices[0].delta.content for chunk in chunks] == ["ab"]
    assert [r.path for r in server.requests] == ["/v1/completions", "/v1/completions"]
    assert server.requests[0].json() == {
        "model": "m",
        "prompt": "p",
        "suffix": "s",
        "max_tokens": 4,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["\n"],
        "seed": 7,
        "min_tokens": 1,
    }
    assert server.requests[1].json() == {
        "model": "m",
        "prompt": "p",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


@pytest.mark.anyio
async def test_async_fim_goes_to_completions(server: LoopbackServer) -> None:
    async with AsyncClient(base_url=server.url, api_key="x", dialect="openai") as client:
        response = await client.fim.complete(model="m", prompt="p", random_seed=1)
    assert response.text == "ab"
    assert [(r.path, r.json().get("seed")) for r in server.requests] == [("/v1/completions", 1)]


@pytest.mark.parametrize("status", [404, 405])
def test_fim_in_the_mistral_dialect_is_not_rerouted_and_says_why(status: int) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(status, {"detail": "Not Found"})

    with (
        LoopbackServer(handler) as server,
        Client(base_url=server.url, api_key="x") as client,
        pytest.raises(APIStatusError) as caught,
    ):
        client.fim.complete(model="m", prompt="p")
    assert [r.path for r in server.requests] == ["/v1/fim/completions"]
    assert caught.value.status_code == status
    assert "dialect='openai'" in str(caught.value)


def test_other_errors_say_nothing_of_dialects() -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(404, {"message": "no such model"})

    with (
        LoopbackServer(handler) as server,
        Client(base_url=server.url, api_key="x") as client,
        pytest.raises(NotFoundError) as caught,
    ):
        client.chat.complete(model="m", messages=MSG)
    assert "dialect" not in str(caught.value)


# --- embeddings -------------------------------------------------------------------------------------


def test_embeddings_body(server: LoopbackServer) -> None:
    with _openai(server) as client:
        response = client.embeddings.create(model="m", input=["a"], output_dimension=2, metadata={"k": "v"})
    assert response.embeddings == [[0.5, 0.5]]
    assert server.requests[0].json() == {"model": "m", "input": ["a"], "dimensions": 2}


def test_embeddings_in_another_dtype_fail_before_sending(server: LoopbackServer) -> None:
    with _openai(server) as client, pytest.raises(UnsupportedParameterError, match="output_dtype"):
        client.embeddings.create(model="m", input=["a"], output_dtype="int8")
    assert server.requests == []


# --- configuration ----------------------------------------------------------------------------------


def test_the_dialect_is_checked_when_the_client_is_built() -> None:
    with pytest.raises(ConfigurationError, match="dialect") as caught:
        Client(api_key="x", dialect="vllm")  # type: ignore[arg-type]
    assert caught.value.setting == "dialect"
    with pytest.raises(ConfigurationError, match="backend"):
        Client(backend=HTTPBackend(api_key="x"), dialect="openai")
    with pytest.raises(ConfigurationError, match="dialect"):
        AsyncHTTPBackend(api_key="x", dialect="OpenAI")  # type: ignore[arg-type]


def test_the_backend_says_its_dialect() -> None:
    with Client(api_key="x", base_url="http://localhost:8000", dialect="openai") as client:
        assert isinstance(client.backend, HTTPBackend)
        assert client.backend.dialect == "openai"
        assert repr(client.backend) == "<HTTPBackend base_url='http://localhost:8000' dialect='openai'>"
    with Client(api_key="x") as client:
        assert repr(client.backend) == "<HTTPBackend base_url='https://api.mistral.ai'>"
